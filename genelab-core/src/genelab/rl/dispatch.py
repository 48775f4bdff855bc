"""Backend-agnostic dispatchers behind ``genelab train``, ``play``, ``eval`` and ``export``.

Everything that can fail because of user input (task id, preset, overrides, missing
backend, checkpoint) is checked by :mod:`genelab.rl.setup` before an environment is
built or a run directory is created. A training run that ends without a checkpoint
(refused, interrupted or failed before its first iteration ended) leaves no run
directory behind.
"""

from __future__ import annotations

import functools
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genelab.devices import resolve_device
from genelab.errors import GenelabError
from genelab.files import check_writable_file, existing_ancestor, remove_tree
from genelab.interrupts import deferred_interrupts, stop_at_iteration_end
from genelab.memory import check_memory
from genelab.overrides import Override
from genelab.rl.backend import PlayContext, PolicyKind, TrainContext
from genelab.rl.progress import TrainingProgress
from genelab.rl.setup import PlaySetup, resolve_play, resolve_train
from genelab.runs import Run, list_checkpoints, new_run_dir, run_info, write_params


@dataclass
class TrainResult:
    """What a finished (or interrupted) training run left behind.

    Attributes:
        status: ``complete`` or ``interrupted`` (Ctrl-C / SIGTERM).
        run_dir: The run directory (``None`` when nothing was saved and it was removed).
        checkpoint: Its latest checkpoint, if any.
        iterations: Iterations trained in all, earlier runs it continues included.
        remaining: Iterations of this command's budget left undone (interrupted runs).
        env_steps: Total env transitions trained (earlier runs it continues included).
        timings: Wall seconds per phase (:meth:`genelab.rl.timing.WallTime.breakdown`).
        ranks_digest: SHA-256 of the learner state every rank ended with, when the backend
            checked that they agree (:meth:`TrainContext.check_ranks_agree`).
    """

    task_id: str
    backend: str
    status: str
    run_dir: Path | None
    checkpoint: Path | None
    iterations: int
    remaining: int
    seconds: float
    mean_reward: float | None
    mean_episode_length: float | None
    env_steps: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    ranks_digest: str | None = None

    def summary(self) -> dict[str, Any]:
        """What ``params/run.json`` records under ``result`` when the run ends."""
        summary = {"iterations": self.iterations, "env_steps": self.env_steps,
                   "mean_reward": self.mean_reward,
                   "mean_episode_length": self.mean_episode_length,
                   "seconds": round(self.seconds, 3),
                   "timings": {name: round(value, 3) for name, value in self.timings.items()}}
        if self.ranks_digest is not None:
            summary["ranks_agree_sha256"] = self.ranks_digest
        return summary


def seed_everything(seed: int) -> None:
    """Seed ``random``, numpy and torch (before any env or network is built)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


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
    video_every: int | None = None,
    video_length: int | None = None,
) -> TrainResult:
    """Train ``task_id`` with the backend its agent config selects; return the run.

    ``max_iterations`` is the number of iterations to run now, also when resuming
    (additional to the checkpoint's). ``checkpoint`` (a path, a run directory, "latest"
    or a number) or ``resume`` (the latest checkpoint of this task's newest run) continues
    a run: its saved env and agent configs, then this call's flags and overrides (the
    differences are printed). ``profile`` (or ``GENELAB_PROFILE=1``) writes
    ``torch.profiler`` traces of a window of env steps to ``<run>/profiler/``.
    ``video_every`` records clips of ``video_length`` env steps into ``<run>/videos/``
    (see :mod:`genelab.rl.clips`).

    Ctrl-C or SIGTERM stops training when the running iteration ends; the backend saves
    it and the result's ``status`` is ``interrupted``. A second signal, or one before the
    first iteration ended, stops at once.

    Under torchrun (``WORLD_SIZE`` > 1, see :mod:`genelab.rl.launch`) every rank trains
    ``num_envs`` envs seeded with ``seed + rank`` in the shared ``run_dir``; rank 0 alone
    writes params, progress and (through the backend) events and checkpoints.
    """
    rank, world_size = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    setup = resolve_train(task_id, preset=preset, overrides=list(overrides), num_envs=num_envs,
                          max_iterations=max_iterations, seed=seed, run_name=run_name,
                          log_root=log_root, resume=resume, checkpoint=checkpoint, run=run)
    env_cfg, agent_cfg, backend = setup.env_cfg, setup.agent_cfg, setup.info.backend
    env_cfg.seed = agent_cfg.seed + rank
    check_launch(backend)
    if world_size > 1 and run_dir is None:
        raise GenelabError("a multi-process run needs one shared run directory: start it "
                           "with genelab train TASK --gpus N")
    device = resolve_device(device)
    if world_size > 1 and device == "cuda":
        device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
    check_memory(env_cfg, device, functools.partial(backend.memory_bytes, agent_cfg))
    from genelab.profiling import profile_request
    from genelab.rl.clips import clip_request

    profiling = profile_request(profile)
    clips = clip_request(video_every, video_length) if rank == 0 else None
    keep = run_dir.parent if run_dir is not None else existing_ancestor(
        Path(log_root) / backend.name / agent_cfg.experiment_name)
    progress = progress or TrainingProgress(enabled=rank == 0)
    saved: Run | None = None
    seconds = 0.0
    timings: dict[str, float] = {}
    ranks_digest: str | None = None
    try:
        with stop_at_iteration_end(progress.request_stop, immediate=world_size > 1):
            seed_everything(agent_cfg.seed + rank)
            from genelab.envs import ManagerBasedRlEnv

            env = ManagerBasedRlEnv(env_cfg, device=device)
            try:
                backend.validate(agent_cfg, env)
                info = run_info(task_id, agent_cfg.seed, backend.name, setup.info.distribution,
                                _run_extra(setup, device, env.num_envs, world_size))
                if run_dir is None:
                    run_dir = new_run_dir(log_root, backend.name, agent_cfg.experiment_name,
                                          agent_cfg.run_name)
                if rank == 0:
                    saved = write_params(run_dir, env_cfg, agent_cfg, info)
                    for line in setup.report():  # stdout: stderr is for errors
                        print(line, flush=True)
                if profiling is not None:
                    env.add_bridge(profiling.bridge(run_dir))
                if clips is not None:
                    env.add_bridge(clips.bridge(run_dir, progress))
                ctx = TrainContext(task_id=task_id, env=env, env_cfg=env_cfg,
                                   agent_cfg=agent_cfg, run_dir=run_dir, device=device,
                                   progress=progress, resume_from=setup.resume_from, rank=rank,
                                   world_size=world_size)
                try:
                    backend.train(ctx)
                finally:
                    ctx.close()
                    seconds = progress.finish()
                    timings = ctx.wall_time.breakdown()
                    ranks_digest = ctx.ranks_digest
            finally:
                env.close()
    except BaseException as error:
        status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        result = _result(task_id, backend, status, run_dir, progress, agent_cfg, seconds,
                         timings)
        with deferred_interrupts():
            settled = _settle(run_dir, keep, rank, saved, backend, result)
        if status == "failed":
            if isinstance(error, OSError) and error.filename is None and run_dir is not None:
                # a writer that does not say which file (TensorBoard's): name the run
                raise OSError(error.errno, error.strerror or str(error), str(run_dir)) from error
            raise
        run_dir = settled
    else:
        result = _result(task_id, backend, "complete", run_dir, progress, agent_cfg, seconds,
                         timings)
        result.ranks_digest = ranks_digest
        with deferred_interrupts():
            run_dir = _settle(run_dir, keep, rank, saved, backend, result)
    result.run_dir = run_dir
    checkpoints = list_checkpoints(run_dir, backend.checkpoint_pattern) if run_dir else []
    result.checkpoint = checkpoints[-1][1] if checkpoints else None
    return result


def _result(task_id: str, backend: Any, status: str, run_dir: Path | None,
            progress: TrainingProgress, agent_cfg: Any, seconds: float,
            timings: dict[str, float]) -> TrainResult:
    """The :class:`TrainResult` of a run that ended with ``status`` (checkpoint unset)."""
    last = progress.last
    done_now = last.iteration + 1 - progress.first_iteration if last else 0
    return TrainResult(
        task_id=task_id, backend=backend.name, status=status, run_dir=run_dir, checkpoint=None,
        iterations=(last.iteration + 1) if last else 0,
        remaining=max(agent_cfg.max_iterations - done_now, 0), seconds=seconds,
        mean_reward=last.mean_reward if last else None,
        mean_episode_length=last.mean_episode_length if last else None,
        env_steps=last.env_steps if last else 0,
        timings=timings,
    )


def _run_extra(setup: Any, device: str, num_envs: int, world_size: int) -> dict[str, Any]:
    """What ``run.json`` records about this launch beyond :func:`genelab.runs.run_info`."""
    source = setup.source
    return {"device": device, "num_envs": num_envs * world_size, "world_size": world_size,
            "num_envs_per_rank": num_envs, "preset": setup.preset,
            "resumed_from": str(source.path.resolve()) if source else None,
            "resumed_run": str(source.run.path.resolve()) if source and source.run else None,
            "changes": [str(change) for change in setup.changes],
            "launched_by": os.environ.get("GENELAB_LAUNCHED_BY")}


def _settle(run_dir: Path | None, keep: Path, rank: int, saved: Run | None, backend: Any,
            result: TrainResult) -> Path | None:
    """Record how the run ended (its status and :meth:`TrainResult.summary`); a run without
    any checkpoint is removed (``None``), with the folders made for it below ``keep``.

    Only rank 0, the process that writes the run, touches the directory.
    """
    if rank != 0 or run_dir is None:
        return run_dir
    if not list_checkpoints(run_dir, backend.checkpoint_pattern):
        remove_tree(run_dir, keep)
        return None
    if saved is not None:
        saved.mark(result.status, result.summary())
    return run_dir


def check_launch(backend: Any) -> None:
    """No multi-process launch (torchrun's ``WORLD_SIZE``) of a backend that is not
    ``distributed``."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1 and not backend.distributed:
        raise GenelabError(f"the {backend.name} backend trains in one process (its library has "
                           f"no distributed mode here), not {world_size}; drop --gpus")


@dataclass
class Playback:
    """A built play env, the policy to drive it, the checkpoint it came from and (for a
    trained policy) the resolved command behind it."""

    env: Any
    policy: Any
    checkpoint: Path | None
    setup: PlaySetup | None = None


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
    """Build the play env and a zero, random or trained policy for it; the caller closes
    ``env``.

    A trained policy comes with its run's saved env and agent configs (see
    :func:`genelab.rl.setup.resolve_play`); ``checkpoint`` is a path, a run directory,
    "latest" or a number among this task's runs. Notes about the run's settings are
    printed once the policy is loaded.
    """
    setup = resolve_play(task_id, kind=kind, preset=preset, overrides=list(overrides),
                         checkpoint=checkpoint, run=run, num_envs=num_envs, seed=seed,
                         log_root=log_root)
    device = resolve_device(device)
    check_memory(setup.env_cfg, device)
    if setup.env_cfg.seed is not None:
        seed_everything(setup.env_cfg.seed)
    from genelab.envs import ManagerBasedRlEnv
    from genelab.rl.play import random_policy, zero_policy

    env = ManagerBasedRlEnv(setup.env_cfg, device=device)
    try:
        if kind == "trained":
            assert setup.info is not None and setup.checkpoint is not None
            policy = setup.info.backend.inference_policy(PlayContext(
                task_id=task_id, env=env, env_cfg=setup.env_cfg, agent_cfg=setup.agent_cfg,
                checkpoint=setup.checkpoint, device=device, deterministic=deterministic))
        elif kind == "random":
            policy = random_policy(env)
        else:
            policy = zero_policy(env)
    except BaseException:
        env.close()
        raise
    for note in setup.notes:
        print(f"note: {note}", file=sys.stderr)
    return Playback(env, policy, setup.checkpoint, setup)


def play_task(task_id: str, *, steps: int = 240, max_steps: int | None = None,
              vis: bool = False, video: Path | None = None, **playback: Any) -> int:
    """Play ``task_id`` (see :func:`prepare_playback` for the policy options).

    Headless it stops after ``steps``; with a viewer it runs until the window closes;
    ``max_steps`` caps both. Returns the number of env steps run.
    """
    from genelab.rl.play import play_loop

    if video is not None:
        from genelab.envs.video import check_video_path

        check_video_path(Path(video))
    loaded = prepare_playback(task_id, **playback)
    try:
        return play_loop(loaded.env, loaded.policy, steps=steps, max_steps=max_steps,
                         vis=vis, video=video)
    finally:
        loaded.env.close()


def evaluate_task(task_id: str, *, episodes: int | None = None, output: Path | None = None,
                  **playback: Any) -> tuple[dict[str, Any], Path | None]:
    """Evaluate a policy on ``task_id`` over exactly ``episodes`` complete episodes
    (default :data:`~genelab.rl.evaluate.DEFAULT_EPISODES`, spread evenly over the envs);
    write the metrics as JSON beside the checkpoint.

    Without a ``seed`` (and no ``--env.seed`` override) the evaluation is seeded with
    :data:`~genelab.rl.evaluate.DEFAULT_SEED`, never with the run's training seed nor
    unseeded: two evaluations of one checkpoint give the same numbers. The metrics
    record the seed, ``num_envs`` and whether the actions were ``deterministic``.
    Returns the metrics and the path written (``output``, or the checkpoint's run
    directory for a trained policy, or nothing for zero/random without ``output``).
    """
    from genelab.files import write_json
    from genelab.rl.evaluate import DEFAULT_EPISODES, DEFAULT_SEED, evaluate

    episodes = DEFAULT_EPISODES if episodes is None else episodes
    if episodes < 1:
        raise GenelabError(f"--episodes must be at least 1 (got {episodes})")
    if output is not None:
        check_writable_file(output, "--output")
    if playback.get("seed") is None and not any(
            override.path == "env.seed" for override in playback.get("overrides", ())):
        playback["seed"] = DEFAULT_SEED
    loaded = prepare_playback(task_id, **playback)
    try:
        metrics = evaluate(loaded.env, loaded.policy, episodes)
        num_envs = loaded.env.num_envs
    finally:
        loaded.env.close()
    assert loaded.setup is not None
    kind = playback.get("kind", "zero")
    metrics.update(seed=loaded.setup.env_cfg.seed, num_envs=num_envs,
                   deterministic=kind == "zero" or (kind == "trained"
                                                    and playback.get("deterministic", True)))
    target = output
    if target is None and loaded.checkpoint is not None:
        target = loaded.checkpoint.parent / f"eval_{loaded.checkpoint.stem}.json"
    if target is not None:
        checkpoint = None if loaded.checkpoint is None else str(loaded.checkpoint)
        write_json(target, {"task": task_id, "checkpoint": checkpoint, **metrics})
    return metrics, target


def export_task(task_id: str, *, output: Path | None = None, fmt: str = "torchscript",
                **playback: Any) -> Path:
    """Export the trained policy of ``task_id`` to ``fmt`` (``onnx`` or ``torchscript``),
    by default ``policy_<checkpoint>.onnx|.pt`` beside the checkpoint, with its metadata
    (see :func:`genelab.rl.export.export_policy`)."""
    from genelab.rl.export import FORMATS, check_format, export_policy
    from genelab.runs import package_versions

    check_format(fmt, output)
    if output is not None:
        check_writable_file(output, "--output")
    loaded = prepare_playback(task_id, kind="trained", **playback)
    assert loaded.checkpoint is not None and loaded.setup is not None
    info, agent_cfg = loaded.setup.info, loaded.setup.agent_cfg
    assert info is not None
    target = output or loaded.checkpoint.with_name(
        f"policy_{loaded.checkpoint.stem}{FORMATS[fmt]}")
    try:
        return export_policy(loaded.env, loaded.policy, target, fmt, {
            "task": task_id, "checkpoint": str(loaded.checkpoint.resolve()),
            "backend": info.backend.name, "algorithm": algorithm_name(agent_cfg, info),
            "versions": package_versions(["genelab-core", info.distribution])})
    finally:
        loaded.env.close()


def algorithm_name(agent_cfg: Any, info: Any) -> str | None:
    """The algorithm an agent config trains: its ``algorithm`` (a name, or a config with a
    ``class_name``), else the backend's only algorithm."""
    algorithm = getattr(agent_cfg, "algorithm", None)
    if isinstance(algorithm, str):
        return algorithm
    if isinstance(getattr(algorithm, "class_name", None), str):
        return algorithm.class_name
    algorithms = list(info.backend.algorithms)
    return algorithms[0] if len(algorithms) == 1 else None
