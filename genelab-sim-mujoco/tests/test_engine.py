"""The MuJoCo engine: registration, what it exposes, batched stepping, resets, exact resume."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
import torch
from genelab.errors import GenelabError
from genelab.sim import select_engine
from genelab_sim_mujoco import MujocoSimulationCfg
from genelab_sim_mujoco.simulation import MujocoSimulation

ANT = "gymnasium:envs/mujoco/assets/ant.xml"
CHEETAH = "gymnasium:envs/mujoco/assets/half_cheetah.xml"


def make_sim(model: str = ANT, num_envs: int = 6, num_threads: int | None = None):
    sim = MujocoSimulation(MujocoSimulationCfg(model=model, num_threads=num_threads),
                           torch.device("cpu"))
    sim.build(num_envs)
    return sim


def random_controls(sim, steps: int, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(sim.num_envs, sim.control_dim, generator=generator) * 2 - 1
            for _ in range(steps)]


def test_the_engine_is_found_through_its_entry_point():
    info = select_engine(MujocoSimulationCfg())
    assert (info.engine.name, info.distribution) == ("mujoco", "genelab-sim-mujoco")


def test_names_shapes_and_the_default_state():
    sim = make_sim()
    try:
        m = sim.model
        assert sim.body_names[:2] == ("world", "torso")
        assert sim.joint_names[:7] == tuple(f"root_{k}" for k in range(7))
        assert sim.joint_index("hip_1") == 7 and sim.body_index("torso") == 1
        assert sim.joint_pos.shape == (6, m.nq) and sim.joint_vel.shape == (6, m.nv)
        assert sim.body_pos_w.shape == (6, m.nbody, 3)
        assert sim.contact_forces.shape == (6, m.nbody, 6)
        assert sim.control_dim == m.nu == 8
        assert torch.equal(sim.joint_pos, sim.default_joint_pos.expand(6, -1))
        upright = sim.body_quat_w[:, 1]
        assert torch.allclose(upright, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
        with pytest.raises(GenelabError, match="no joint .hip_9.*Did you mean: hip_4"):
            sim.joint_index("hip_9")
    finally:
        sim.close()


def test_body_velocities_match_mujocos_object_velocity():
    sim = make_sim(num_envs=2)
    try:
        for control in random_controls(sim, 10):
            sim.step(control, 5)
        expected = np.zeros(6)
        d = sim._datas[1]
        for body in range(1, sim.model.nbody):
            mujoco.mj_objectVelocity(sim.model, d, mujoco.mjtObj.mjOBJ_XBODY, body, expected, 0)
            assert np.allclose(sim.body_vel_w[1, body].numpy(), expected, atol=1e-9), body
    finally:
        sim.close()


def test_contact_forces_are_zero_after_reset_and_carry_the_weight_once_standing():
    sim = make_sim(num_envs=2)
    try:
        assert torch.count_nonzero(sim.contact_forces) == 0
        for _ in range(40):
            sim.step(torch.zeros(2, 8), 5)
        weight = float(sim.model.body_subtreemass[1] * -sim.model.opt.gravity[2])
        vertical = sim.contact_forces[:, :, 5].sum(dim=1)  # world-frame z force on bodies
        assert torch.allclose(vertical, torch.full((2,), weight, dtype=torch.float64),
                              rtol=0.05), (vertical, weight)
        sim.reset(torch.tensor([0]))
        assert torch.count_nonzero(sim.contact_forces[0]) == 0
        assert torch.count_nonzero(sim.contact_forces[1]) > 0
    finally:
        sim.close()


def test_thread_count_does_not_change_the_physics():
    runs = []
    for threads in (1, 2, 3):
        sim = make_sim(num_envs=7, num_threads=threads)
        for control in random_controls(sim, 15):
            sim.step(control, 5)
        runs.append((sim.joint_state().clone(), sim.contact_forces.clone()))
        sim.close()
    for state, forces in runs[1:]:
        assert torch.equal(state, runs[0][0]) and torch.equal(forces, runs[0][1])


def test_reset_and_write_touch_only_the_given_worlds():
    sim = make_sim(CHEETAH, num_envs=4)
    try:
        for control in random_controls(sim, 5):
            sim.step(control, 5)
        before = sim.joint_state().clone()
        sim.reset(torch.tensor([1, 3]))
        after = sim.joint_state()
        assert torch.equal(after[[0, 2]], before[[0, 2]])
        assert torch.equal(after[1, :9], sim.default_joint_pos)
        assert torch.count_nonzero(after[[1, 3], 9:]) == 0
        pos = torch.full((1, 9), 0.05, dtype=torch.float64)
        sim.write_joint_state(torch.tensor([2]), pos, torch.zeros(1, 9, dtype=torch.float64))
        assert torch.equal(sim.joint_pos[2], pos[0]) and torch.equal(sim.joint_pos[0], before[0, :9])
    finally:
        sim.close()


def test_a_restored_state_steps_exactly_like_the_original():
    sim = make_sim(num_envs=3)
    try:
        for control in random_controls(sim, 5, seed=1):
            sim.step(control, 5)
        saved = sim.state_dict()
        controls = random_controls(sim, 20, seed=2)
        for control in controls:
            sim.step(control, 5)
        expected = (sim.joint_state().clone(), sim.body_pos_w.clone(), sim.contact_forces.clone())
        other = make_sim(num_envs=3)  # a fresh engine, as after a restart
        other.load_state_dict(saved)
        for control in controls:
            other.step(control, 5)
        assert torch.equal(other.joint_state(), expected[0])
        assert torch.equal(other.body_pos_w, expected[1])
        assert torch.equal(other.contact_forces, expected[2])
        other.close()
    finally:
        sim.close()


def test_a_state_of_another_world_count_is_refused():
    sim, other = make_sim(num_envs=3), make_sim(num_envs=2)
    try:
        with pytest.raises(GenelabError, match="sim state"):
            other.load_state_dict(sim.state_dict())
    finally:
        sim.close()
        other.close()


@pytest.mark.parametrize(("model", "message"), [
    ("no_such_package_xyz:model.xml", "no installed package 'no_such_package_xyz'"),
    ("gymnasium:envs/mujoco/assets/nope.xml", "no MJCF file at"),
])
def test_a_missing_model_is_one_clear_error(model, message):
    with pytest.raises(GenelabError, match=message):
        MujocoSimulation(MujocoSimulationCfg(model=model), torch.device("cpu"))


def test_an_invalid_mjcf_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<mujoco><worldbody><geom type='sphere'/></worldbody></mujoco>")
    with pytest.raises(GenelabError, match=r"env.sim.model '.*bad.xml': ") as error:
        MujocoSimulation(MujocoSimulationCfg(model=str(bad)), torch.device("cpu"))
    assert "\n" not in str(error.value)


def test_memory_kib_sizes_each_worlds_arena_and_keeps_the_physics():
    """A 1 MiB arena instead of MuJoCo's 14 MiB default: the same trajectory."""
    small = MujocoSimulation(MujocoSimulationCfg(model=ANT, memory_kib=1024),
                             torch.device("cpu"))
    small.build(3)
    default = make_sim(num_envs=3)
    try:
        assert small.model.narena == 1024 * 1024 < default.model.narena
        for control in random_controls(small, 200):
            small.step(control, 5)
            default.step(control, 5)
        assert torch.equal(small.joint_pos, default.joint_pos)
    finally:
        small.close()
        default.close()


def test_an_arena_too_small_for_the_contacts_is_one_error_naming_the_field():
    """Ant compiles in 16 KiB, but its first contacts overflow it mid-episode."""
    sim = MujocoSimulation(MujocoSimulationCfg(model=ANT, memory_kib=16),
                           torch.device("cpu"))
    sim.build(4)
    try:
        with pytest.raises(GenelabError, match=r"16 KiB, is too small: raise "
                                               r"env.sim.memory_kib") as error:
            for control in random_controls(sim, 300):
                sim.step(control, 5)
        assert "\n" not in str(error.value)
    finally:
        sim.close()


def test_an_arena_too_small_to_compile_is_one_error_naming_the_field():
    with pytest.raises(GenelabError, match=r"env.sim.model .*4 KiB, is too small"):
        MujocoSimulation(MujocoSimulationCfg(model=ANT, memory_kib=4), torch.device("cpu"))
