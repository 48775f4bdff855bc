"""The batched, manager-based RL environment every backend trains on."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from genelab.constraints import check_config
from genelab.envs.action_manager import ActionManager
from genelab.envs.bridge import Bridge, StepResult
from genelab.envs.command_manager import CommandManager
from genelab.envs.env_cfg import ManagerBasedRlEnvCfg
from genelab.envs.event_manager import EventManager
from genelab.envs.observation_manager import ObservationManager
from genelab.envs.reward_manager import RewardManager
from genelab.envs.termination_manager import TerminationManager
from genelab.errors import GenelabError
from genelab.sim.registry import create_simulation
from genelab.state import load_tensors


class ManagerBasedRlEnv:
    """``num_envs`` copies of a task stepped together, all tensors on one ``device``.

    ``step(action)`` returns ``(obs, reward, terminated, truncated, extras)`` and resets
    finished envs itself. ``extras["final_obs"]`` holds the observation before that reset;
    ``extras["log"]`` the statistics of exactly the episodes that ended on this step;
    goal tasks with a ``goal_success`` term add ``extras["success"]``, whether each env's
    pre-reset state reaches its goal.
    ``obs_buf`` is the observation last returned by ``reset`` or ``step`` (adapters read
    it instead of recomputing, which would redraw noise).
    """

    #: What :meth:`render` returns (gymnasium's attribute, read by adapters).
    render_mode = "rgb_array"

    def __init__(self, cfg: ManagerBasedRlEnvCfg, device: str | torch.device = "cpu",
                 bridges: tuple[Bridge, ...] = ()) -> None:
        _validate(cfg)
        self.cfg = cfg
        self.device = torch.device(device)
        self.num_envs = cfg.num_envs
        self.generator = torch.Generator(device=self.device)
        self._seed(cfg.seed)
        self.sim = create_simulation(cfg.sim, self.device)
        self.sim.build(self.num_envs)
        self.step_dt = cfg.sim.dt * cfg.decimation
        self.max_episode_length = math.ceil(cfg.episode_length_s / self.step_dt - 1e-6)
        self.episode_length_buf = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self.common_step_counter = 0
        self.action_manager = ActionManager(cfg.actions, self)
        self.command_manager = CommandManager(cfg.commands, self)
        self.event_manager = EventManager(cfg.events, self)
        self.termination_manager = TerminationManager(cfg.terminations, self)
        self.reward_manager = RewardManager(cfg.rewards, self)
        self.observation_manager = ObservationManager(cfg.observations, self)
        self._episode_return = torch.zeros(self.num_envs, device=self.device)
        self._log_names = ([f"Episode_Reward/{n}" for n in self.reward_manager.term_names]
                           + [f"Episode_Termination/{n}" for n in self.termination_manager.term_names])
        self._all_ids = torch.arange(self.num_envs, device=self.device)
        self.event_manager.apply("startup", self._all_ids)
        self.obs_buf: dict[str, torch.Tensor] = {}
        self.reset()
        self.action_dim = self.action_manager.dim
        self.observation_dims = dict(self.observation_manager.group_dims)
        self.single_action_space = gym.spaces.Box(
            self.action_manager.low.cpu().numpy(), self.action_manager.high.cpu().numpy(),
            dtype=np.float32,
        )
        self.single_observation_space = gym.spaces.Dict({
            name: gym.spaces.Box(-np.inf, np.inf, (dim,), dtype=np.float32)
            for name, dim in self.observation_dims.items()
        })
        self.bridges: list[Bridge] = []
        for bridge in bridges:
            self.add_bridge(bridge)

    def _seed(self, seed: int | None) -> None:
        if seed is None:
            self.generator.seed()
        else:
            self.generator.manual_seed(seed)

    # -- stepping ---------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Reset every env (re-seeding first if ``seed`` is given); return ``(obs, extras)``."""
        if seed is not None:
            self._seed(seed)
        self._reset_idx(self._all_ids)
        self.obs_buf = self.observation_manager.compute()
        return self.obs_buf, {"log": {}}

    @torch.no_grad()
    def step(self, action: torch.Tensor) -> StepResult:
        """Apply ``action`` ``(N, action_dim)`` for ``decimation`` physics steps.

        Returns fresh tensors ``(obs, reward, terminated, truncated, extras)``; finished
        envs are already reset in ``obs``. See the class docstring for ``extras``.
        """
        for bridge in self.bridges:
            bridge.pre_step(self, action)
        control = self.action_manager.process(action.to(self.device))
        self.sim.step(control, self.cfg.decimation)
        # out of place, like the return below: extras hands the tensor out without a copy
        self.episode_length_buf = self.episode_length_buf + 1
        self.common_step_counter += 1
        terminated, truncated = self.termination_manager.compute()
        reward = self.reward_manager.compute()
        # out of place: the tensor handed out in extras must not change on later steps
        self._episode_return = self._episode_return + reward
        self.command_manager.step(self.step_dt)
        self.event_manager.step(self.step_dt)
        obs = self.observation_manager.compute()
        extras: dict[str, Any] = {
            "final_obs": obs,
            "log": {},
            "episode_return": self._episode_return,
            "episode_length": self.episode_length_buf,
        }
        if self.cfg.goal_success is not None:
            extras["success"] = self.is_success(obs["achieved_goal"], obs["desired_goal"])
        done_ids = torch.logical_or(terminated, truncated).nonzero().squeeze(-1)
        if done_ids.numel():
            extras["log"] = self._episode_log(done_ids)
            self._reset_idx(done_ids)
            fresh = self.observation_manager.compute()
            obs = {name: _replace_rows(value, done_ids, fresh[name]) for name, value in obs.items()}
        self.obs_buf = obs
        result = StepResult(obs, reward, terminated, truncated, extras)
        for bridge in self.bridges:
            bridge.post_step(self, result)
        return result

    def _episode_log(self, done_ids: torch.Tensor) -> dict[str, float]:
        """Per-term means over the episodes ``done_ids`` that just ended, read in one copy
        to the host: reward sums, then the shares of the termination terms."""
        totals = torch.cat((self.reward_manager.episode_totals(done_ids),
                            self.termination_manager.episode_counts()))
        count = done_ids.numel()
        return {name: total / count
                for name, total in zip(self._log_names, totals.tolist(), strict=True)}

    def _reset_idx(self, env_ids: torch.Tensor) -> None:
        self.sim.reset(env_ids)
        self.event_manager.apply("reset", env_ids)
        self.command_manager.reset(env_ids)
        self.action_manager.reset(env_ids)
        self.reward_manager.reset(env_ids)
        self.episode_length_buf = self.episode_length_buf.index_fill(0, env_ids, 0)
        self._episode_return = self._episode_return.index_fill(0, env_ids, 0.0)

    # -- saving and restoring the evolving state -----------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything that changes while the env steps, as copies (for exact resume).

        The generator, step counters, episode returns, the last observation, the
        simulation's state and each manager's buffers; :meth:`load_state_dict` puts them
        back into an env built from the same config.
        """
        return {
            "num_envs": self.num_envs,
            "device_type": self.device.type,
            "generator": self.generator.get_state(),
            "common_step_counter": self.common_step_counter,
            "episode_length": self.episode_length_buf.clone(),
            "episode_return": self._episode_return.clone(),
            "observations": {name: value.clone() for name, value in self.obs_buf.items()},
            "sim": self.sim.state_dict(),
            "actions": self.action_manager.state_dict(),
            "commands": self.command_manager.state_dict(),
            "events": self.event_manager.state_dict(),
            "rewards": self.reward_manager.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` into this env (built from the same config).

        A state of another env count or layout raises :class:`GenelabError`; the env may
        then be partly restored, so reset it before stepping.
        """
        if state.get("num_envs") != self.num_envs:
            raise GenelabError(f"the saved env state has {state.get('num_envs')} envs, "
                               f"this env {self.num_envs}")
        if state.get("device_type") != self.device.type:  # generator states differ per device
            raise GenelabError(f"the env state was saved on {state.get('device_type')}, "
                               f"this env runs on {self.device.type}")
        observations = {name: value.clone() for name, value in self.obs_buf.items()}
        load_tensors(observations, state["observations"], "observations")
        self.sim.load_state_dict(state["sim"])
        self.action_manager.load_state_dict(state["actions"])
        self.command_manager.load_state_dict(state["commands"])
        self.event_manager.load_state_dict(state["events"])
        self.reward_manager.load_state_dict(state["rewards"])
        self.generator.set_state(state["generator"].cpu())
        self.common_step_counter = int(state["common_step_counter"])
        self.episode_length_buf = state["episode_length"].to(self.device, copy=True)
        self._episode_return = state["episode_return"].to(self.device, copy=True)
        self.obs_buf = observations

    # -- goal tasks, rendering, bridges, lifecycle ---------------------------------------

    def compute_reward(self, achieved_goal: Any, desired_goal: Any,
                       info: Any = None) -> torch.Tensor:
        """Goal tasks: the reward ``(batch,)`` of reaching ``achieved_goal`` for ``desired_goal``.

        Accepts tensors or array-likes of shape ``(batch, goal_dim)``; ``info`` is unused
        (kept for the gymnasium-robotics / HER signature).
        """
        return self._goal_term("goal_reward", achieved_goal, desired_goal)

    def is_success(self, achieved_goal: Any, desired_goal: Any) -> torch.Tensor:
        """Goal tasks: whether ``achieved_goal`` reaches ``desired_goal``, a ``(batch,)`` bool."""
        return self._goal_term("goal_success", achieved_goal, desired_goal)

    @property
    def is_goal_task(self) -> bool:
        """Whether the task has goal groups and a goal reward (what HER needs)."""
        groups = self.cfg.observations
        return (self.cfg.goal_reward is not None and "achieved_goal" in groups
                and "desired_goal" in groups)

    def _goal_term(self, name: str, achieved_goal: Any, desired_goal: Any) -> torch.Tensor:
        term = getattr(self.cfg, name)
        if term is None:
            raise GenelabError(f"this task is not goal-conditioned (it has no env.{name})")
        achieved = torch.as_tensor(achieved_goal, dtype=torch.float32, device=self.device)
        desired = torch.as_tensor(desired_goal, dtype=torch.float32, device=self.device)
        return term.func(achieved, desired, **term.params)

    def render(self, env_id: int = 0) -> np.ndarray:
        """An RGB frame ``(H, W, 3)`` uint8 of env ``env_id`` with its command markers."""
        markers = [(self.command_manager.get(name)[env_id].tolist(), term.marker_color)
                   for name, term in self.command_manager.terms.items()
                   if term.marker_color is not None]
        return self.sim.render(env_id, markers)

    def add_bridge(self, bridge: Bridge) -> None:
        """Attach ``bridge``: ``on_build`` now, ``pre_step``/``post_step`` on every step."""
        bridge.on_build(self)
        self.bridges.append(bridge)

    def remove_bridges(self, bridges: tuple[Bridge, ...] | list[Bridge] | None = None) -> None:
        """Detach and close ``bridges`` (all attached ones by default), each exactly once.

        Every bridge is closed even if another's ``close`` raises; the first error is
        re-raised afterwards.
        """
        targets = list(self.bridges if bridges is None else bridges)
        self.bridges = [b for b in self.bridges if not any(b is t for t in targets)]
        error: BaseException | None = None
        for bridge in targets:
            try:
                bridge.close()
            except Exception as exc:  # keep closing the others
                error = error or exc
        if error is not None:
            raise error

    def close(self) -> None:
        """Close every attached bridge and the simulation."""
        try:
            self.remove_bridges()
        finally:
            self.sim.close()

    def __enter__(self) -> ManagerBasedRlEnv:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _replace_rows(value: torch.Tensor, env_ids: torch.Tensor, fresh: torch.Tensor) -> torch.Tensor:
    """A copy of ``value`` whose rows ``env_ids`` come from ``fresh``."""
    return value.index_copy(0, env_ids, fresh.index_select(0, env_ids))


def _validate(cfg: ManagerBasedRlEnvCfg) -> None:
    """Every value against its field's constraints, then what the fields need of each other."""
    check_config(cfg, "env")
    if "policy" not in cfg.observations:
        raise GenelabError("env.observations needs a 'policy' group")
    goal_groups = {"achieved_goal", "desired_goal"}
    if cfg.goal_success is not None and not goal_groups <= set(cfg.observations):
        raise GenelabError("env.goal_success needs 'achieved_goal' and 'desired_goal' "
                           "observation groups")
