"""Backend-agnostic dispatchers behind ``genelab train`` and ``genelab play``.

Everything that can fail because of user input (task id, preset, overrides, missing
backend, checkpoint) is checked before an environment is built or a run directory is
created.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError
from genelab.overrides import Override, apply_overrides
from genelab.registry import TASKS
from genelab.rl.backend import BackendInfo, PlayContext, PolicyKind, TrainContext
from genelab.rl.progress import TrainingProgress
from genelab.rl.registry import select_backend
from genelab.runs import (
    experiment_dir,
    find_checkpoint,
    new_run_dir,
    run_info,
    saved_agent_cfg,
    write_params,
)


@dataclass
class TrainResult:
    """What a finished (or interrupted) training run left behind."""

    task_id: str
    backend: str
    run_dir: Path
    iterations: int
    seconds: float
    mean_reward: float | None
    mean_episode_length: float | None


def resolve_device(device: str | None) -> str:
    """``None`` or ``"auto"`` picks CUDA when available, else CPU; others pass through."""
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        torch.device(device)
    except RuntimeError as error:
        raise GenelabError(f"bad device '{device}': {error}") from None
    return device


def seed_everything(seed: int) -> None:
    """Seed ``random``, numpy and torch (before any env or network is built)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _split_overrides(overrides: list[Override]) -> tuple[list[Override], list[Override]]:
    env = [o for o in overrides if o.path.startswith("env.")]
    agent = [o for o in overrides if o.path.startswith("agent.")]
    return env, agent


def train_task(
    task_id: str,
    *,
    preset: str | None = None,
    overrides: list[Override] = (),  # type: ignore[assignment]
    num_envs: int | None = None,
    max_iterations: int | None = None,
    seed: int | None = None,
    device: str | None = None,
    log_root: Path = Path("logs"),
    run_name: str | None = None,
    resume: bool = False,
    checkpoint: str | None = None,
    run: str = "latest",
    progress: TrainingProgress | None = None,
    profile: bool = False,
    run_dir: Path | None = None,
) -> TrainResult:
    """Train ``task_id`` with the backend its agent config selects; return the run.

    ``max_iterations`` is the number of iterations to run now, also when resuming
    (additional to the checkpoint's). ``checkpoint`` (a path, "latest" or an iteration)
    or ``resume`` (latest checkpoint of the latest run) restores a previous run.
    ``profile`` (or ``GENELAB_PROFILE=1``) writes ``torch.profiler`` traces of a window
    of env steps to ``<run>/profiler/`` (see :mod:`genelab.profiling`).

    Under torchrun (``WORLD_SIZE`` > 1, see :mod:`genelab.rl.launch`) every rank trains
    ``num_envs`` envs seeded with ``seed + rank`` in the shared ``run_dir``; rank 0 alone
    writes params, progress and (through the backend) events and checkpoints.
    """
    from genelab.profiling import profile_request

    rank, world_size = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))

    task = TASKS.get(task_id)
    agent_cfg = task.agent_cfg(preset)
    info = select_backend(agent_cfg)
    apply_overrides({"env": task.env, "agent": agent_cfg}, list(overrides))
    if num_envs is not None:
        task.env.num_envs = num_envs
    if max_iterations is not None:
        agent_cfg.max_iterations = max_iterations
    if seed is not None:
        agent_cfg.seed = seed
    task.env.seed = agent_cfg.seed + rank
    backend = info.backend
    check_launch(backend, agent_cfg, task.env.num_envs)
    if world_size > 1 and run_dir is None:
        raise GenelabError("a multi-process run needs one shared run directory: start it "
                           "with genelab train TASK --gpus N")
    resume_from = None
    if resume or checkpoint:
        parent = experiment_dir(log_root, backend.name, agent_cfg.experiment_name)
        resume_from = find_checkpoint(checkpoint or "latest", parent, run,
                                      backend.checkpoint_pattern)
    profiling = profile_request(profile)
    device = resolve_device(device)
    if world_size > 1 and device == "cuda":
        device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
    seed_everything(agent_cfg.seed + rank)
    from genelab.envs import ManagerBasedRlEnv

    env = ManagerBasedRlEnv(task.env, device=device)
    try:
        backend.validate(agent_cfg, env)
        if run_dir is None:
            run_dir = new_run_dir(log_root, backend.name, agent_cfg.experiment_name,
                                  run_name if run_name is not None else agent_cfg.run_name)
        if rank == 0:
            extra = {"device": device, "num_envs": env.num_envs * world_size,
                     "world_size": world_size, "num_envs_per_rank": env.num_envs,
                     "preset": preset, "resumed_from": str(resume_from) if resume_from else None,
                     "launched_by": os.environ.get("GENELAB_LAUNCHED_BY")}
            write_params(run_dir, task.env, agent_cfg, run_info(
                task_id, agent_cfg.seed, backend.name, [info.distribution], extra))
        if profiling is not None:
            env.add_bridge(profiling.bridge(run_dir))
        progress = progress or TrainingProgress(enabled=rank == 0)
        ctx = TrainContext(task_id=task_id, env=env, env_cfg=task.env, agent_cfg=agent_cfg,
                           run_dir=run_dir, device=device, progress=progress,
                           resume_from=resume_from, rank=rank, world_size=world_size)
        try:
            backend.train(ctx)
        except GenelabError:
            if progress.last is None and rank == 0:  # refused before training: leave no run
                shutil.rmtree(run_dir, ignore_errors=True)
            raise
        finally:
            seconds = progress.finish()
    finally:
        env.close()
    last = progress.last
    return TrainResult(
        task_id=task_id, backend=backend.name, run_dir=run_dir,
        iterations=(last.iteration + 1) if last else 0, seconds=seconds,
        mean_reward=last.mean_reward if last else None,
        mean_episode_length=last.mean_episode_length if last else None,
    )


def check_launch(backend: Any, agent_cfg: Any, num_envs: int) -> None:
    """Checks the dispatcher makes for every backend before anything is built: the budget
    fields every :class:`BackendConfig` has, and no multi-process launch (torchrun's
    ``WORLD_SIZE``) of a backend that is not ``distributed``."""
    if num_envs < 1:
        raise GenelabError(f"--num-envs must be at least 1 (got {num_envs})")
    if agent_cfg.max_iterations < 1:
        raise GenelabError(f"--max-iterations must be at least 1 (got {agent_cfg.max_iterations})")
    for field in ("steps_per_iteration", "save_interval"):
        if getattr(agent_cfg, field) < 1:
            raise GenelabError(f"agent.{field} must be at least 1 "
                               f"(got {getattr(agent_cfg, field)})")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1 and not backend.distributed:
        raise GenelabError(f"the {backend.name} backend trains in one process (its library has "
                           f"no distributed mode here), not {world_size}; drop --gpus")


@dataclass
class Playback:
    """A built play env, the policy to drive it and the checkpoint it came from."""

    env: Any
    policy: Any
    checkpoint: Path | None


def prepare_playback(
    task_id: str,
    *,
    kind: PolicyKind = "zero",
    preset: str | None = None,
    overrides: list[Override] = (),  # type: ignore[assignment]
    checkpoint: str | None = None,
    run: str = "latest",
    num_envs: int | None = None,
    seed: int | None = None,
    device: str | None = None,
    deterministic: bool = True,
    log_root: Path = Path("logs"),
) -> Playback:
    """Build the task's play env and a zero, random or trained policy for it.

    Uses the task's ``play_env`` when it has one. 'trained' resolves ``checkpoint`` (a
    path, a run directory, "latest" or an iteration) among the runs of the agent
    config's experiment, before the env is built. The caller closes ``env``.
    """
    if kind not in ("zero", "random", "trained"):
        raise GenelabError(f"unknown agent '{kind}': use zero, random or trained")
    task = TASKS.get(task_id)
    env_cfg = task.play_env if task.play_env is not None else task.env
    env_overrides, agent_overrides = _split_overrides(list(overrides))
    targets: dict[str, Any] = {"env": env_cfg}
    info: BackendInfo | None = None
    agent_cfg = None
    if kind == "trained" or agent_overrides:
        agent_cfg = task.agent_cfg(preset)
        info = select_backend(agent_cfg)
        targets["agent"] = agent_cfg
    apply_overrides(targets, env_overrides + agent_overrides)
    if num_envs is not None:
        env_cfg.num_envs = num_envs
    if seed is not None:
        env_cfg.seed = seed
    resolved = None
    if kind == "trained":
        assert info is not None and agent_cfg is not None
        parent = experiment_dir(log_root, info.backend.name, agent_cfg.experiment_name)
        resolved = find_checkpoint(checkpoint or "latest", parent, run,
                                   info.backend.checkpoint_pattern)
        # play what was trained: the run's saved agent config, then this command's overrides
        agent_cfg = saved_agent_cfg(resolved, agent_cfg)
        apply_overrides({"agent": agent_cfg}, agent_overrides)
    device = resolve_device(device)
    if env_cfg.seed is not None:
        seed_everything(env_cfg.seed)
    from genelab.envs import ManagerBasedRlEnv
    from genelab.rl.play import random_policy, zero_policy

    env = ManagerBasedRlEnv(env_cfg, device=device)
    try:
        if kind == "trained":
            assert info is not None and resolved is not None
            policy = info.backend.inference_policy(PlayContext(
                task_id=task_id, env=env, env_cfg=env_cfg, agent_cfg=agent_cfg,
                checkpoint=resolved, device=device, deterministic=deterministic))
        elif kind == "random":
            policy = random_policy(env)
        else:
            policy = zero_policy(env)
    except BaseException:
        env.close()
        raise
    return Playback(env, policy, resolved)


def play_task(task_id: str, *, steps: int = 240, max_steps: int | None = None,
              vis: bool = False, video: Path | None = None, **playback: Any) -> int:
    """Play ``task_id`` (see :func:`prepare_playback` for the policy options).

    Headless it stops after ``steps``; with a viewer it runs until the window closes;
    ``max_steps`` caps both. Returns the number of env steps run.
    """
    from genelab.rl.play import play_loop

    loaded = prepare_playback(task_id, **playback)
    try:
        return play_loop(loaded.env, loaded.policy, steps=steps, max_steps=max_steps,
                         vis=vis, video=video)
    finally:
        loaded.env.close()


def evaluate_task(task_id: str, *, episodes_per_env: int = 1, output: Path | None = None,
                  **playback: Any) -> tuple[dict[str, float], Path | None]:
    """Evaluate a policy on ``task_id``; write ``eval.json`` beside the checkpoint.

    Returns the metrics and the path written (``output``, or the checkpoint's run
    directory for a trained policy, or nothing for zero/random without ``output``).
    """
    from genelab.rl.evaluate import evaluate
    from genelab.runs import write_json

    loaded = prepare_playback(task_id, **playback)
    try:
        metrics = evaluate(loaded.env, loaded.policy, episodes_per_env)
    finally:
        loaded.env.close()
    target = output
    if target is None and loaded.checkpoint is not None:
        target = loaded.checkpoint.parent / f"eval_{loaded.checkpoint.stem}.json"
    if target is not None:
        write_json(target, {"task": task_id, "checkpoint": str(loaded.checkpoint), **metrics})
    return metrics, target


def export_task(task_id: str, *, output: Path | None = None, **playback: Any) -> Path:
    """Export the trained policy of ``task_id`` to TorchScript (default: beside the checkpoint)."""
    from genelab.rl.export import export_torchscript

    loaded = prepare_playback(task_id, kind="trained", **playback)
    assert loaded.checkpoint is not None
    target = output or loaded.checkpoint.with_name(f"policy_{loaded.checkpoint.stem}.pt")
    try:
        return export_torchscript(loaded.env, loaded.policy, target,
                                  {"task": task_id, "checkpoint": str(loaded.checkpoint)})
    finally:
        loaded.env.close()
