"""rsl_rl's ``OnPolicyRunner`` with GeneLab's progress, atomic checkpoints and resume.

Differences from the stock runner, each at one seam:

* :class:`ProgressLogger` replaces rsl_rl's console report with one
  :class:`~genelab.rl.progress.IterationStats` per iteration; its scalars go to core's
  metrics (``TrainContext.metrics``) under the schema's names (:func:`schema_name`).
* Time-outs bootstrap from the critic's value of the true final observation
  (:func:`bootstrap_from_final_observations`), not from the state the last action was
  taken in as rsl_rl's PPO does.
* The algorithm's act / store and update calls are timed as the ``acting`` and
  ``learning`` phases of the run's ``WallTime``, checkpoints as ``checkpoints``.
* :meth:`GenelabOnPolicyRunner.save` writes atomically and adds what an exact
  continuation needs: the env-step counter, the logger's episode buffers and GeneLab's
  snapshot (random-number and env state).
* :meth:`GenelabOnPolicyRunner.resume` restores all of it from a checkpoint read with
  ``weights_only=True`` (rsl_rl's own ``load`` unpickles anything) and continues *after*
  the checkpoint's iteration.
* :meth:`GenelabOnPolicyRunner.learn` also saves after the first iteration of every
  call (as the other backends do, so a resumed run has a checkpoint early), saves
  ``model_<it>.pt`` before re-raising ``KeyboardInterrupt`` or an error (unless that
  iteration is saved already).
* Multi-process training (torchrun's ``WORLD_SIZE`` > 1) on CPU uses the gloo backend:
  rsl_rl only knows NCCL with one GPU per rank. Its parameter broadcast, gradient
  all-reduce and normalizer synchronisation are plain ``torch.distributed`` calls and
  work unchanged over gloo.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from genelab.rl import IterationStats, TrainingProgress, deferred_interrupts, save_checkpoint_file
from genelab.rl.timing import WallTime
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.logger import Logger


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Swallow rsl_rl's console prints (the progress display replaces them)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _mean(values: Any) -> float | None:
    return statistics.mean(values) if len(values) else None


#: rsl_rl's loss names -> the metrics schema's.
_LOSSES = {"surrogate": "policy", "value_function": "value"}


def schema_name(tag: str) -> str | None:
    """The metrics-schema name of an rsl_rl scalar tag, or ``None`` for the episode and
    speed statistics (``Train/*``, ``Perf/*``, ``Episode*``) that core measures itself."""
    category, _, name = tag.partition("/")
    if tag == "Loss/learning_rate":
        return "Train/learning_rate"
    if category == "Loss":
        return f"Loss/{_LOSSES.get(name, name)}"
    if category in ("Policy", "Rnd"):
        return tag
    return None


def bootstrap_from_final_observations(alg: Any) -> None:
    """Make ``alg`` (rsl_rl's PPO) bootstrap time-outs from the pre-reset final observation.

    rsl_rl adds ``gamma * V(s_t)`` to the reward of a truncated step, the value of the
    state the last action was taken in (exact only when the episode ends where it
    started). This wraps ``alg.process_env_step`` to add ``gamma * V(s_T)`` instead, the
    critic's value of the final observation ``extras["final_obs"]`` (the env's, before its
    auto-reset), and to hand rsl_rl the extras without ``time_outs`` so it adds nothing.
    The critic is evaluated only on steps with a time-out; a recurrent critic's hidden
    state is restored afterwards, as rsl_rl does for the last value of a rollout.
    """
    process_env_step = alg.process_env_step

    def process_with_final_values(obs: Any, rewards: torch.Tensor, dones: torch.Tensor,
                                  extras: dict) -> None:
        if "final_obs" not in extras:
            process_env_step(obs, rewards, dones, extras)
            return
        passed = {k: v for k, v in extras.items() if k not in ("time_outs", "final_obs")}
        time_outs = extras["time_outs"].to(alg.device)
        if bool(time_outs.any()):
            hidden_state = alg.critic.get_hidden_state()
            final_values = alg.critic(extras["final_obs"].to(alg.device)).detach().squeeze(1)
            alg.critic.reset(hidden_state=hidden_state)
            rewards = rewards + alg.gamma * final_values * time_outs
        process_env_step(obs, rewards, dones, passed)

    alg.process_env_step = process_with_final_values


class ProgressLogger(Logger):
    """rsl_rl's logger, reporting each iteration to a :class:`TrainingProgress`.

    rsl_rl's own ``log`` writes its scalars into ``writer``, core's
    ``TrainContext.metrics.library_writer(schema_name)`` (``None`` on ranks that write
    nothing); only its console text is dropped. ``last_iteration`` is the last iteration whose
    update finished; ``after_log(it)`` is called once it is reported.
    """

    def __init__(self, *args: Any, writer: Any = None, progress: TrainingProgress | None = None,
                 after_log: Callable[[int], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared_writer = writer
        self.progress = progress
        self.after_log = after_log
        self.last_iteration: int | None = None

    def init_logging_writer(self) -> None:
        """Use the run's writer instead of opening one (rsl_rl's code-state files are
        not written: ``params/run.json`` records the git revision)."""
        writing = self.log_dir is not None and not self.disable_logs
        self.writer = self.shared_writer if writing else None

    def log(self, it: int, *args: Any, **kwargs: Any) -> None:
        """Write TensorBoard scalars for iteration ``it`` and update the progress."""
        self.last_iteration = it
        with _quiet():
            super().log(it, *args, **kwargs)
        if self.progress is not None and self.writer is not None:
            self.progress.update(IterationStats(
                iteration=it,
                env_steps=self.tot_timesteps,
                mean_reward=_mean(self.rewbuffer),
                mean_episode_length=_mean(self.lenbuffer),
            ))
        if self.after_log is not None:
            self.after_log(it)


class GenelabOnPolicyRunner(OnPolicyRunner):
    """``OnPolicyRunner`` for GeneLab runs (see the module docstring).

    Args:
        env: An rsl_rl ``VecEnv`` (normally :class:`RslRlVecEnvWrapper`).
        train_cfg: rsl_rl's config dict (it is mutated; pass a copy).
        log_dir: Run directory for checkpoints.
        device: Torch device of the learner.
        writer: Where rsl_rl's scalars go (``TrainContext.metrics.library_writer``);
            rsl_rl writes checkpoints only where it has one.
        progress: Receives ``start``/``update``/``finish``; ``None`` reports nothing.
        snapshot: Called at every save for GeneLab's random-number and env state
            (``TrainContext.snapshot``); ``None`` stores none.
        wall_time: The run's ``WallTime`` (``TrainContext.wall_time``); ``None`` times
            nothing.
    """

    def __init__(self, env: Any, train_cfg: dict, log_dir: str | None, device: str,
                 writer: Any = None, progress: TrainingProgress | None = None,
                 snapshot: Callable[[], dict[str, Any]] | None = None,
                 wall_time: WallTime | None = None) -> None:
        with _quiet():
            super().__init__(env, train_cfg, log_dir=log_dir, device=device)
        self.logger = ProgressLogger(
            log_dir=log_dir, cfg=self.cfg, env_cfg=env.cfg, num_envs=env.num_envs,
            is_distributed=self.is_distributed, gpu_world_size=self.gpu_world_size,
            gpu_global_rank=self.gpu_global_rank, device=self.device, writer=writer,
            progress=progress, after_log=self._after_log,
        )
        self.snapshot = snapshot
        self.wall_time = wall_time
        bootstrap_from_final_observations(self.alg)
        if wall_time is not None:
            alg = self.alg
            alg.act, alg.process_env_step = (wall_time.wrap("acting", alg.act),
                                             wall_time.wrap("acting", alg.process_env_step))
            alg.compute_returns, alg.update = (wall_time.wrap("learning", alg.compute_returns),
                                               wall_time.wrap("learning", alg.update))
        self._saved_iteration: int | None = None
        self._first_iteration = 0

    def _configure_multi_gpu(self) -> None:
        """rsl_rl's multi-GPU setup, or the same over gloo when the learner is on the CPU."""
        if int(os.getenv("WORLD_SIZE", "1")) == 1 or str(self.device).startswith("cuda"):
            super()._configure_multi_gpu()
            return
        self.gpu_world_size = int(os.environ["WORLD_SIZE"])
        self.is_distributed = True
        self.gpu_local_rank = int(os.getenv("LOCAL_RANK", "0"))
        self.gpu_global_rank = int(os.getenv("RANK", "0"))
        self.cfg["multi_gpu"] = {"global_rank": self.gpu_global_rank,
                                 "local_rank": self.gpu_local_rank,
                                 "world_size": self.gpu_world_size}
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend="gloo", rank=self.gpu_global_rank,
                                                 world_size=self.gpu_world_size)

    def close(self) -> None:
        """Leave the process group of a multi-process run (else gloo aborts at exit)."""
        if self.is_distributed and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()

    @property
    def progress(self) -> TrainingProgress | None:
        """The progress display this runner reports to."""
        return self.logger.progress

    def save(self, path: str, infos: dict | None = None) -> None:
        """Write a checkpoint atomically: rsl_rl's state (weights, optimizer, iteration),
        ``infos`` with ``env_steps`` and ``wall_time``, and under ``"genelab"`` the
        logger's episode buffers and the snapshot."""
        timing = (self.wall_time.phase("checkpoints") if self.wall_time is not None
                  else contextlib.nullcontext())
        with deferred_interrupts(), timing:  # Ctrl-C waits until the checkpoint is written
            state = self.alg.save()
            state["iter"] = self.current_learning_iteration
            state["infos"] = {"env_steps": self.logger.tot_timesteps,
                              "wall_time": self.logger.tot_time, **(infos or {})}
            logger = self.logger
            state["genelab"] = {
                "logger": {"rewards": list(logger.rewbuffer), "lengths": list(logger.lenbuffer),
                           "reward_sum": logger.cur_reward_sum.clone(),
                           "episode_length": logger.cur_episode_length.clone()},
                "snapshot": self.snapshot() if self.snapshot is not None else None,
            }
            save_checkpoint_file(state, Path(path))
            self._saved_iteration = self.current_learning_iteration
        self.logger.save_model(path, self.current_learning_iteration)

    def resume(self, state: dict[str, Any]) -> int:
        """Restore a loaded checkpoint: weights, optimizer (and learning rate), normalizers,
        counters and the logger's episode buffers; return the next iteration.

        A checkpoint saved after iteration ``k`` resumes at ``k + 1``, so iteration
        numbers, TensorBoard steps and checkpoint names continue where they stopped.
        """
        self.alg.load(state, None, strict=True)
        self.current_learning_iteration = int(state["iter"]) + 1
        infos = state.get("infos") or {}
        logger = self.logger
        logger.tot_timesteps = int(infos.get("env_steps", 0))
        logger.tot_time = float(infos.get("wall_time", 0.0))
        saved = (state.get("genelab") or {}).get("logger")
        if isinstance(saved, dict) and {"rewards", "lengths", "reward_sum", "episode_length"} <= \
                set(saved) and saved["reward_sum"].shape == logger.cur_reward_sum.shape:
            logger.rewbuffer.extend(saved["rewards"])
            logger.lenbuffer.extend(saved["lengths"])
            logger.cur_reward_sum.copy_(saved["reward_sum"])
            logger.cur_episode_length.copy_(saved["episode_length"])
        return self.current_learning_iteration

    def learn(self, num_learning_iterations: int, init_at_random_ep_len: bool = False) -> None:
        """Run ``num_learning_iterations`` more iterations; save a checkpoint if stopped."""
        first = self._first_iteration = self.current_learning_iteration
        if self.progress is not None:
            self.progress.start(first, first + num_learning_iterations, self.logger.tot_timesteps)
        try:
            # rsl_rl prints one line per rank when it synchronises the first parameters
            with _quiet() if self.is_distributed else contextlib.nullcontext():
                super().learn(num_learning_iterations, init_at_random_ep_len)
        except BaseException:
            self._save_interrupted()
            raise
        finally:
            if self.progress is not None:
                self.progress.finish()

    def _after_log(self, it: int) -> None:
        """Save the first iteration of this ``learn`` call when rsl_rl will not (it saves
        every ``save_interval``-th iteration, counted from 0)."""
        if (it == self._first_iteration and it % self.cfg["save_interval"]
                and self.logger.writer is not None):
            self.save(os.path.join(self.logger.log_dir, f"model_{it}.pt"))

    def _save_interrupted(self) -> None:
        if (self.logger.writer is None or self.logger.last_iteration is None
                or self._saved_iteration == self.current_learning_iteration):
            return  # not the writing rank, nothing trained yet, or saved already
        path = Path(self.logger.log_dir) / f"model_{self.current_learning_iteration}.pt"
        self.save(str(path))
