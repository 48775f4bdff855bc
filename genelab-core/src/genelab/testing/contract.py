"""The backend conformance suite: what every backend must do, as pytest tests.

A backend distribution runs it against itself with a few lines in its tests::

    from genelab.testing import BackendContract

    class TestMyLibContract(BackendContract):
        preset = "mylib_ppo"                      # a preset of ``task`` for this backend
        plugin_module = "genelab_backend_mylib.plugin"
        library_modules = ("mylib",)              # must not be imported by the plugin
        overrides = ("--agent.hidden_dims=[8]",)  # shrink the run to seconds

Everything runs through the dispatcher (what ``genelab train|play|eval|export`` call) on
real envs: train a few iterations (params, one TensorBoard event file, checkpoints,
progress), resume (iteration numbering, the run's saved settings), Ctrl-C (the finished
iteration is saved and resumable), trained play / eval / export agree, bad configs are
refused before a run directory exists, and the plugin module imports no torch. The
device comes from ``GENELAB_TEST_DEVICE`` (default ``cpu``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from genelab.errors import GenelabError
from genelab.testing import StopAt, press_ctrl_c, quiet_progress, suite_device


class BackendContract:
    """Contract tests for one backend; subclass it as ``Test...`` and set the attributes.

    Attributes:
        preset: The preset of :attr:`task` that trains with the backend under test.
        plugin_module: The backend's entry-point module (``genelab.backends`` group).
        library_modules: Top-level modules of its RL library; neither they nor torch may
            be imported when the plugin module is loaded and its hooks are called.
        task: The task to train (any registered task the preset is offered for).
        overrides: Dotted overrides that make the run small (``--agent.x=1`` style).
        invalid_overrides: Each one makes the config invalid; every one must be refused
            with a :class:`GenelabError` before anything is written. Add the cases your
            backend's ``validate`` catches.
        num_envs: Envs of the short runs.
        iterations: Iterations of the shared trained run.
    """

    preset: ClassVar[str]
    plugin_module: ClassVar[str]
    library_modules: ClassVar[tuple[str, ...]] = ()
    task: ClassVar[str] = "GeneLab-Cartpole-v0"
    overrides: ClassVar[tuple[str, ...]] = ()
    invalid_overrides: ClassVar[tuple[str, ...]] = ("--agent.steps_per_iteration=0",
                                                    "--agent.seed=-1")
    num_envs: ClassVar[int] = 4
    iterations: ClassVar[int] = 3

    # -- helpers -----------------------------------------------------------------------

    @property
    def device(self) -> str:
        """The device of every run (:func:`genelab.testing.suite_device`)."""
        return suite_device()

    def train(self, log_root: Path, *, extra: tuple[str, ...] = (), **kwargs: Any) -> Any:
        """``genelab train`` in-process with this class's preset and overrides."""
        from genelab.overrides import parse_override_args
        from genelab.rl.dispatch import train_task

        overrides = parse_override_args([*self.overrides, *extra], ("env", "agent"))
        kwargs.setdefault("progress", quiet_progress())
        if "checkpoint" not in kwargs:
            kwargs.update(preset=self.preset, num_envs=self.num_envs, seed=5)
        return train_task(self.task, overrides=overrides, device=self.device,
                          log_root=log_root, **kwargs)

    def checkpoints(self, run_dir: Path) -> list[tuple[int, Path]]:
        """(number, path) of the run's checkpoints, by the backend's pattern."""
        from genelab.rl.registry import backend_by_name
        from genelab.runs import Run, list_checkpoints

        backend = backend_by_name(Run.open(run_dir).backend).backend
        return list_checkpoints(run_dir, backend.checkpoint_pattern)

    @pytest.fixture(scope="class")
    def trained(self, tmp_path_factory: pytest.TempPathFactory) -> Any:
        """One short finished run shared by the tests of the class."""
        root = tmp_path_factory.mktemp("contract") / "logs"
        progress = quiet_progress()
        result = self.train(root, max_iterations=self.iterations, progress=progress)
        return SimpleNamespace(**vars(result), progress=progress, log_root=root)

    # -- the contract ------------------------------------------------------------------

    def test_plugin_module_imports_no_torch(self) -> None:
        """Loading the plugin and calling its hooks imports neither torch nor the library."""
        heavy = ["torch", *self.library_modules]
        code = (
            "import importlib, json, sys\n"
            f"module = importlib.import_module({self.plugin_module!r})\n"
            "found = {}\n"
            "for hook in ('genelab_backends', 'genelab_presets', 'genelab_tasks'):\n"
            "    if hasattr(module, hook):\n"
            "        found[hook] = len(getattr(module, hook)())\n"
            f"loaded = [m for m in {heavy!r} if m in sys.modules]\n"
            "print(json.dumps({'hooks': found, 'loaded': loaded}))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout.splitlines()[-1])
        assert report["hooks"].get("genelab_backends", 0) >= 1, report
        assert report["loaded"] == [], f"{self.plugin_module} imports {report['loaded']}"

    def test_preset_selects_this_backend(self, trained: Any) -> None:
        """The preset's config type resolves to the backend, which names its distribution."""
        from genelab.registry import TASKS
        from genelab.rl.registry import select_backend

        info = select_backend(TASKS.get(self.task).agent_cfg(self.preset))
        assert info.backend.name == trained.backend
        assert info.distribution and info.distribution != "unknown"

    def test_train_writes_params_events_and_checkpoints(self, trained: Any) -> None:
        """Params, one event file with core's metrics schema against env transitions,
        numbered checkpoints, progress per iteration, the result in run.json."""
        from genelab.testing import metric_steps

        run_dir = trained.run_dir
        assert trained.status == "complete" and trained.iterations == self.iterations
        info = json.loads((run_dir / "params" / "run.json").read_text())
        assert info["task"] == self.task and info["preset"] == self.preset
        assert info["status"] == "complete" and info["seed"] == 5
        agent = json.loads((run_dir / "params" / "agent.json").read_text())
        assert agent["seed"] == 5
        assert (run_dir / "params" / "env.json").is_file()
        events = sorted(run_dir.rglob("events.out.tfevents.*"))
        assert len(events) == 1, f"one event file per run, found {len(events)}"
        steps = metric_steps(events[0].parent)
        ends = steps.get("Perf/steps_per_s", [])  # core's, at every iteration end
        assert len(ends) == self.iterations and ends[-1] == trained.progress.last.env_steps
        assert "Time/elapsed_s" in steps
        if trained.progress.last.mean_reward is not None:  # episodes ended
            assert {"Episode/return", "Episode/length"} <= set(steps)
        off_axis = {tag for tag, at in steps.items() if not set(at) <= set(ends)}
        assert not off_axis, f"scalars not written through ctx.metrics: {sorted(off_axis)}"
        result = info["result"]
        assert result["iterations"] == self.iterations and result["env_steps"] == ends[-1]
        assert result["timings"]["training"] > 0 and result["timings"]["env"] > 0
        checkpoints = self.checkpoints(run_dir)
        assert checkpoints and trained.checkpoint == checkpoints[-1][1]
        assert not [p for p in run_dir.rglob("*") if ".tmp" in p.name], "temp files left"
        progress = trained.progress
        assert (progress.first_iteration, progress.total_iterations) == (0, self.iterations), \
            "call ctx.progress.start(first, first + max_iterations, env_steps) once"
        assert progress.last.iteration == self.iterations - 1
        assert progress.last.env_steps > 0

    def test_resume_continues_numbering_and_settings(self, trained: Any) -> None:
        """Resuming counts on from the checkpoint and trains with the run's saved settings."""
        progress = quiet_progress()
        resumed = self.train(trained.log_root, checkpoint=str(trained.run_dir),
                             max_iterations=2, progress=progress)
        assert resumed.status == "complete" and resumed.run_dir != trained.run_dir
        assert progress.first_iteration == self.iterations
        assert resumed.iterations == self.iterations + 2
        before = {n for n, _ in self.checkpoints(trained.run_dir)}
        after = {n for n, _ in self.checkpoints(resumed.run_dir)}
        assert after and min(after) > max(before), (before, after)
        saved = json.loads((trained.run_dir / "params" / "agent.json").read_text())
        now = json.loads((resumed.run_dir / "params" / "agent.json").read_text())
        changed = {k for k in saved if saved[k] != now.get(k)} - {"max_iterations"}
        assert not changed, f"resume did not keep the run's settings: {sorted(changed)}"
        info = json.loads((resumed.run_dir / "params" / "run.json").read_text())
        assert info["resumed_run"] == str(trained.run_dir.resolve())

    def test_ctrl_c_saves_the_finished_iteration(self, tmp_path: Path) -> None:
        """A real SIGINT stops training when the running iteration ends; that iteration
        is saved and a resume starts right after it."""
        from genelab.runs import Run

        root = tmp_path / "logs"
        result = self.train(root, max_iterations=self.iterations + 50,
                            progress=StopAt(0, press_ctrl_c))
        assert result.status == "interrupted" and result.iterations == 2
        assert Run.open(result.run_dir).state == "interrupted"
        progress = quiet_progress()
        self.train(root, checkpoint=str(result.run_dir), max_iterations=1, progress=progress)
        assert progress.first_iteration == 2, "the last finished iteration was not saved"

    def test_trained_play_eval_and_export_agree(self, trained: Any, tmp_path: Path) -> None:
        """The trained policy is deterministic; the exported file reproduces it; eval with
        a seed is reproducible and finite; play runs its steps."""
        import math

        import torch

        from genelab.rl.dispatch import evaluate_task, export_task, play_task, prepare_playback

        common = {"checkpoint": str(trained.checkpoint), "log_root": trained.log_root,
                  "device": self.device}
        loaded = prepare_playback(self.task, kind="trained", seed=3, **common)
        try:
            obs, _ = loaded.env.reset()
            actions = loaded.policy(obs)
            assert torch.equal(actions, loaded.policy(obs)), "deterministic policy differs"
            assert actions.shape == (loaded.env.num_envs, loaded.env.action_dim)
            exported = export_task(self.task, output=tmp_path / "policy.pt", **common)
            module = torch.jit.load(str(exported), map_location=loaded.env.device)
            replayed = module(*(obs[g] for g in sorted(obs)))
            assert torch.allclose(replayed, actions, atol=1e-5), "export differs from play"
        finally:
            loaded.env.close()
        first, _ = evaluate_task(self.task, kind="trained", seed=3,
                                 output=tmp_path / "a.json", **common)
        second, _ = evaluate_task(self.task, kind="trained", seed=3,
                                  output=tmp_path / "b.json", **common)
        assert first == second, "a seeded evaluation is not reproducible"
        assert first["episodes"] >= 1 and math.isfinite(first["return_mean"])
        assert play_task(self.task, kind="trained", steps=12, **common) == 12

    def test_bad_config_is_refused_before_a_run_directory_exists(self, tmp_path: Path) -> None:
        """Each invalid override is one GenelabError, and nothing is written."""
        root = tmp_path / "logs"
        for override in self.invalid_overrides:
            with pytest.raises(GenelabError):
                self.train(root, extra=(override,), max_iterations=1)
            assert not root.exists(), f"{override} left files under {root}"
