"""Helpers for testing a backend plugin against real GeneLab envs (no mocks).

Backend distributions (GeneLab's own and third-party ones) use these in their tests::

    from genelab.testing import train_backend, StopAt

and run the conformance suite :class:`BackendContract` (:mod:`genelab.testing.contract`,
which needs pytest) against themselves.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genelab.rl.backend import Backend, PlayContext, TrainContext
from genelab.rl.config import BackendConfig
from genelab.rl.progress import IterationStats, TrainingProgress


def __getattr__(name: str) -> Any:
    """``BackendContract`` is imported on first use (it needs pytest)."""
    if name == "BackendContract":
        from genelab.testing.contract import BackendContract

        return BackendContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The switch that moves the test suites onto another torch device (``cuda``, ``cuda:1``).
DEVICE_ENV = "GENELAB_TEST_DEVICE"


def suite_device() -> str:
    """The torch device the test suites and benchmarks run on: ``$GENELAB_TEST_DEVICE``,
    default ``cpu``. A CUDA device that is not there is an error, never a silent CPU run."""
    import torch

    from genelab.errors import GenelabError

    device = os.environ.get(DEVICE_ENV, "cpu")
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        raise GenelabError(f"{DEVICE_ENV}={device}, but torch sees no CUDA device")
    return device


def quiet_progress() -> TrainingProgress:
    """A real progress display writing one line per iteration into a string buffer."""
    return TrainingProgress(stream=io.StringIO(), live=False, log_every=1)


def train_backend(backend: Backend, agent_cfg: BackendConfig, env_cfg: Any, run_dir: Path, *,
                  task_id: str, device: str | None = None, resume_from: Path | None = None,
                  progress: TrainingProgress | None = None) -> TrainContext:
    """Check, build the env, validate and train like the dispatcher does; return the context.

    ``run_dir`` is created here (it must not exist); the env is closed afterwards.
    ``device`` defaults to :func:`suite_device`.
    """
    import torch

    from genelab.constraints import check_config
    from genelab.envs import ManagerBasedRlEnv
    from genelab.rl.dispatch import check_launch

    check_config(agent_cfg, "agent")
    check_launch(backend)
    torch.manual_seed(agent_cfg.seed)
    device = device or suite_device()
    env = ManagerBasedRlEnv(env_cfg, device=device)
    run_dir.mkdir(parents=True)
    ctx = TrainContext(task_id=task_id, env=env, env_cfg=env_cfg, agent_cfg=agent_cfg,
                       run_dir=run_dir, device=device, progress=progress or quiet_progress(),
                       resume_from=resume_from)
    try:
        backend.validate(agent_cfg, env)
        backend.train(ctx)
    finally:
        ctx.close()
        env.close()
    return ctx


def metric_steps(run_dir: Path) -> dict[str, list[int]]:
    """Every TensorBoard scalar tag of ``run_dir`` -> the steps (total env transitions)
    it was written at."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir))
    events.Reload()
    return {tag: [e.step for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def check_export(env: Any, policy: Any, directory: Path) -> dict[str, Path]:
    """Export ``policy`` to ONNX and TorchScript in ``directory`` and check both files
    beyond the exporter's own parity test: on observations pushed far out (x 1000), for a
    batch of every env and of one, each gives the live policy's actions clipped to the
    env's action space, and the ONNX file is self-contained. Returns the files by format.
    """
    import json

    import torch

    from genelab.rl.export import FORMATS, export_policy

    written = {fmt: export_policy(env, policy, directory / f"policy{suffix}", fmt, {})
               for fmt, suffix in FORMATS.items()}
    assert not list(directory.glob("*.data")), "the ONNX file is not self-contained"
    import onnxruntime

    session = onnxruntime.InferenceSession(str(written["onnx"]),
                                           providers=["CPUExecutionProvider"])
    scripted = torch.jit.load(str(written["torchscript"]), map_location=env.device)
    meta = json.loads(written["onnx"].with_suffix(".onnx.json").read_text())
    groups = [entry["name"] for entry in meta["inputs"]]
    low, high = env.action_manager.low, env.action_manager.high
    obs, _ = env.reset()
    for size in (env.num_envs, 1):
        far = {g: obs[g][:size] * 1e3 for g in groups}
        expected = torch.clamp(policy(far), low, high)
        from_onnx = session.run(["actions"], {g: far[g].cpu().numpy() for g in groups})[0]
        for got in (torch.from_numpy(from_onnx).to(env.device), scripted(*far.values())):
            assert got.shape == (size, env.action_dim)
            assert bool(((got >= low) & (got <= high)).all()), "actions outside the bounds"
            assert torch.allclose(got, expected, rtol=1e-4, atol=1e-5)
    return written


def short_env_cfg(task_id: str, num_envs: int = 8, seed: int = 0,
                  horizon: int | None = 10) -> Any:
    """The registered task's env cfg with few envs and a ``horizon``-step time limit
    (``None``: the task's own), so every short run finishes episodes."""
    from genelab.registry import TASKS

    env_cfg = TASKS.get(task_id).env
    env_cfg.num_envs = num_envs
    env_cfg.seed = seed
    if horizon is not None:
        env_cfg.episode_length_s = horizon * env_cfg.sim.dt * env_cfg.decimation
    return env_cfg


def play_context(agent_cfg: BackendConfig, checkpoint: Path, env_cfg: Any, *, task_id: str,
                 device: str | None = None, deterministic: bool = True) -> PlayContext:
    """A PlayContext on an env freshly built from ``env_cfg`` (the caller closes ``ctx.env``);
    ``device`` defaults to :func:`suite_device`."""
    from genelab.envs import ManagerBasedRlEnv

    device = device or suite_device()
    env = ManagerBasedRlEnv(env_cfg, device=device)
    return PlayContext(task_id=task_id, env=env, env_cfg=env_cfg, agent_cfg=agent_cfg,
                       checkpoint=checkpoint, device=device, deterministic=deterministic)


class StopAt(TrainingProgress):
    """A progress display that calls ``stop`` after iteration ``at`` (to interrupt training)."""

    def __init__(self, at: int, stop: Callable[[], None]) -> None:
        super().__init__(enabled=False)
        self.at, self.stop = at, stop

    def update(self, stats: IterationStats) -> None:
        """Record the iteration, then stop when it is ``at``."""
        super().update(stats)
        if stats.iteration == self.at:
            self.stop()


def press_ctrl_c() -> None:
    """Send this process a real SIGINT: Python raises KeyboardInterrupt where it runs."""
    signal.raise_signal(signal.SIGINT)


def send_sigterm() -> None:
    """Send this process a real SIGTERM (training stops when the running iteration ends)."""
    signal.raise_signal(signal.SIGTERM)


def crash() -> None:
    """Raise a RuntimeError, as a failing env or learner would."""
    raise RuntimeError("simulated failure")


#: Keys of checkpoint contents that hold wall-clock times (never equal across runs).
WALL_CLOCK_KEYS = ("wall_time", "elapsed_s")


def checkpoint_contents(path: Path) -> dict[str, Any]:
    """Every tensor and number in a checkpoint file, flattened to ``{"a/b[0]": value}``.

    Reads torch files and zip archives of them (SB3's ``.pth`` members and GeneLab's own;
    JSON members too) with ``weights_only=True``; SB3's pickled ``data`` member is left out
    (GeneLab never reads it), and so are wall-clock times (:data:`WALL_CLOCK_KEYS`).
    Compare two with :func:`same_contents`.
    """
    import io
    import json
    import zipfile

    from genelab.rl.checkpoint_files import load_checkpoint_file

    if not zipfile.is_zipfile(path) or _is_torch_zip(path):
        return _flatten(load_checkpoint_file(path, "cpu"), "")
    contents: dict[str, Any] = {}
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith((".pt", ".pth")):
                data = load_checkpoint_file(io.BytesIO(archive.read(name)), "cpu", name)
            elif name.endswith(".json"):
                data = json.loads(archive.read(name))
            else:
                continue
            contents.update(_flatten(data, name))
    return contents


def _is_torch_zip(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/data.pkl") for name in archive.namelist())


def _flatten(data: Any, prefix: str) -> dict[str, Any]:
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            if str(key) not in WALL_CLOCK_KEYS:
                flat.update(_flatten(value, f"{prefix}/{key}"))
        return flat
    if isinstance(data, (list, tuple)):
        flat = {}
        for index, value in enumerate(data):
            flat.update(_flatten(value, f"{prefix}[{index}]"))
        return flat
    return {prefix: data}


def same_contents(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """The keys whose values differ between two :func:`checkpoint_contents` (tensors compared
    bit for bit, dtype and shape included, so equal NaNs match); empty when identical."""
    import torch

    def bits(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8)

    keys = sorted(set(first) | set(second))
    differing = []
    for key in keys:
        a, b = first.get(key), second.get(key)
        if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
            equal = a.dtype == b.dtype and a.shape == b.shape and torch.equal(bits(a), bits(b))
        else:
            equal = key in first and key in second and a == b
        if not equal:
            differing.append(key)
    return differing


def checkpoint_set(checkpoint: Path) -> dict[str, Any]:
    """:func:`checkpoint_contents` of a checkpoint and the files saved with it beside it
    (replay buffers and memories carrying the same number), keyed by file kind."""
    import re

    number = re.findall(r"\d+", checkpoint.name)[-1]
    contents: dict[str, Any] = {}
    for path in sorted(checkpoint.parent.iterdir()):
        if path == checkpoint or re.fullmatch(rf"[a-z_]+_{number}\.pt", path.name):
            kind = path.name.replace(number, "N")
            contents.update({f"{kind}:{key}": value
                             for key, value in checkpoint_contents(path).items()})
    return contents


@dataclass
class ResumeComparison:
    """A run trained in one go next to the same run trained in two parts.

    Attributes:
        whole: The final checkpoint of the uninterrupted run.
        resumed: The final checkpoint of the run that was stopped and resumed.
        differences: Keys of :func:`checkpoint_set` that differ (empty: bit for bit equal).
        compared: How many values were compared.
        learned: Keys that changed while the resumed part trained (its weights should be
            among them, or the comparison proves little).
    """

    whole: Path
    resumed: Path
    differences: list[str]
    compared: int
    learned: list[str]


def compare_split_training(root: Path, task_id: str, *, preset: str | None = None,
                           args: tuple[str, ...] = (), first: int = 2, then: int = 2,
                           num_envs: int = 4, seed: int = 3, device: str | None = None,
                           resume_args: tuple[str, ...] = (),
                           preempt: bool = False) -> ResumeComparison:
    """Train ``first + then`` iterations in one run and ``first``, then ``then`` more
    resumed, through the dispatcher (what ``genelab train`` and ``--resume`` run); compare
    the final checkpoints with everything saved beside them.

    ``args`` are dotted overrides for both runs; ``resume_args`` for the resumed part only.
    ``preempt`` ends the first part with a real SIGTERM during iteration ``first`` (what a
    scheduler sends) instead of its budget: training stops when that iteration ends.
    ``device`` defaults to :func:`suite_device`.
    """
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import train_task

    def overrides(extra: tuple[str, ...]) -> list[Any]:
        return parse_override_args(list(extra), ("env", "agent"))

    device = device or suite_device()
    common = {"preset": preset, "num_envs": num_envs, "seed": seed, "device": device}
    whole = train_task(task_id, **common, overrides=overrides(args), max_iterations=first + then,
                       log_root=root / "whole", progress=quiet_progress())
    budget, stop = (first, quiet_progress()) if not preempt else (
        first + then + 100, StopAt(first - 2, send_sigterm))  # SIGTERM in iteration ``first``
    part = train_task(task_id, **common, overrides=overrides(args), max_iterations=budget,
                      log_root=root / "split", progress=stop)
    assert part.iterations == first, "the first part did not stop where it should"
    rest = train_task(task_id, checkpoint=str(part.run_dir), overrides=overrides(resume_args),
                      max_iterations=then, device=device, log_root=root / "split",
                      progress=quiet_progress())
    assert whole.checkpoint is not None and rest.checkpoint is not None
    assert part.checkpoint is not None
    a, b = checkpoint_set(whole.checkpoint), checkpoint_set(rest.checkpoint)
    learned = same_contents(checkpoint_set(part.checkpoint), b)
    return ResumeComparison(whole.checkpoint, rest.checkpoint, same_contents(a, b), len(a),
                            learned)
