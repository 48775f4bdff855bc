"""The backend contract: what a plugin implements to add an RL library."""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from genelab.errors import GenelabError
from genelab.rl.config import BackendConfig

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

    from genelab.rl.metrics import TrainingMetrics
    from genelab.rl.progress import TrainingProgress
    from genelab.rl.timing import WallTime

#: A batched policy: observation groups in, actions ``(num_envs, action_dim)`` out.
Policy = Callable[[dict[str, Any]], Any]
PolicyKind = Literal["zero", "random", "trained"]


@dataclass
class TrainContext:
    """Everything a backend needs to train one run.

    Attributes:
        task_id: The task being trained.
        env: The built ``ManagerBasedRlEnv`` (already seeded).
        env_cfg: Its config (after overrides).
        agent_cfg: The agent config (after overrides and CLI budget flags).
        run_dir: The run directory; params are already written. Checkpoints and
            TensorBoard events go here.
        device: Torch device string of the env and the learner.
        resume_from: A resolved checkpoint to restore before training, or ``None``.
        progress: Live progress display: call ``start`` once, ``update`` after every
            iteration.
        rank: This process's rank in distributed training (0 alone writes files).
        world_size: Number of training processes.
        ranks_digest: SHA-256 of the learner state all ranks agreed on at the end of a
            multi-process run (:meth:`check_ranks_agree`); ``None`` otherwise.

    For an exact resume a backend stores :meth:`snapshot` in every checkpoint and, when
    resuming, passes it to :meth:`restore_snapshot` once everything is built.

    Core builds two more attributes: ``metrics`` (:class:`genelab.rl.metrics.TrainingMetrics`)
    writes the run's scalars in one schema for every backend at each iteration end (the
    episode statistics are core's own; a backend adds its losses and learning rate
    there, never its own copies of episode or speed statistics), and ``wall_time``
    (:class:`genelab.rl.timing.WallTime`), where a backend times its ``acting``,
    ``learning`` and ``checkpoints`` phases (core times ``env`` and ``logging``) for the
    end-of-run table.
    """

    task_id: str
    env: Any
    env_cfg: Any
    agent_cfg: BackendConfig
    run_dir: Path
    device: str
    progress: TrainingProgress
    resume_from: Path | None = None
    rank: int = 0
    world_size: int = 1
    wall_time: WallTime = field(init=False, repr=False)
    metrics: TrainingMetrics = field(init=False, repr=False)
    ranks_digest: str | None = field(default=None, init=False)
    _iteration_end: tuple[Any, ...] | None = field(default=None, init=False, repr=False)
    _writer: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from genelab.rl.metrics import TrainingMetrics
        from genelab.rl.timing import WallTime

        self.wall_time = WallTime()
        self.metrics = TrainingMetrics(self.tensorboard, self.env, self.wall_time)
        progress = self.progress  # one context per run: drop an earlier one's listeners
        for listeners, listener in ((progress.on_start, self._training_started),
                                    (progress.on_iteration, self._iteration_ended)):
            listeners[:] = [f for f in listeners if not isinstance(
                getattr(f, "__self__", None), TrainContext)]
            listeners.append(listener)

    def tensorboard(self) -> SummaryWriter | None:
        """The run's TensorBoard writer (a ``torch.utils.tensorboard.SummaryWriter`` in
        ``run_dir``), or ``None`` on every rank but 0. Opened on first call and closed by
        core when :meth:`Backend.train` returns or raises; hand it to the RL library
        instead of letting the library open its own."""
        if self.rank != 0:
            return None
        if self._writer is None:
            from genelab.rl.tensorboard import open_summary_writer

            self._writer = open_summary_writer(self.run_dir)
        return self._writer

    def check_ranks_agree(self, state: Any, what: str) -> None:
        """After training on several processes, check that every rank holds the same
        ``state`` (the learner's parameters, normalizers and optimizer state, nested dicts
        of tensors); raise a :class:`~genelab.errors.GenelabError` naming the ranks that
        differ. The agreed digest is kept in :attr:`ranks_digest` and recorded in
        ``params/run.json``. Every rank must call it; one process does nothing.
        """
        if self.world_size > 1:
            from genelab.rl.ranks import agree_across_ranks

            self.ranks_digest = agree_across_ranks(state, what)

    def close(self) -> None:
        """Flush and close the TensorBoard writer (core calls it after training)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def _training_started(self, env_steps: int) -> None:
        self.wall_time.start()
        self.metrics.start(env_steps)

    def _iteration_ended(self, stats: Any) -> None:
        self._iteration_end = self._position()
        self.metrics.write(stats)

    def _position(self) -> tuple[Any, ...]:
        """Where the run stands: env steps and the generators' states."""
        from genelab.rl.snapshot import fingerprint

        return (self.env.common_step_counter, hash(self.env.generator.get_state().numpy().tobytes()),
                fingerprint())

    def snapshot(self) -> dict[str, Any]:
        """The random-number and env state to store in the checkpoint being saved.

        Taken at an iteration end (where the progress display was last updated, with no
        env step and no random number drawn since) it makes the continuation exact; taken
        elsewhere (a forced stop, an error) it is marked inexact. Tensors, numbers and
        strings only. It also carries the training seconds so far, so ``Time/elapsed_s``
        continues across a resume.
        """
        from genelab.rl.snapshot import capture

        return {**capture(self.env, seed=self.agent_cfg.seed, world_size=self.world_size,
                          exact=self._iteration_end == self._position()),
                "elapsed_s": self.metrics.elapsed()}

    def restore_snapshot(self, snapshot: dict[str, Any] | None) -> bool:
        """Resume the random-number and env state of ``snapshot`` (a checkpoint's).

        Call it once when resuming, after models, wrappers and buffers are built (they
        draw random numbers) and before the first env step; then read observations from
        the env (``env.obs_buf``), not from an earlier reset. Returns whether the env
        continues where the checkpoint left it (else it was reset). When the continuation
        is not exact, says why on stderr: no snapshot, another seed or env count than the
        checkpoint's, a multi-process run, or a snapshot taken mid-iteration.
        """
        from genelab.rl.snapshot import is_snapshot, restore_rng

        name = self.resume_from.name if self.resume_from else "the checkpoint"
        reasons, restored = [], False
        if is_snapshot(snapshot):
            self.metrics.elapsed_before = float(snapshot.get("elapsed_s", 0.0))
        if not is_snapshot(snapshot):
            reasons.append("it holds no random-number and env state")
        elif self.world_size > 1 or snapshot["world_size"] > 1:
            reasons.append("multi-process runs restart their envs")
        else:
            same_seed = snapshot["seed"] == self.agent_cfg.seed
            if not same_seed:
                reasons.append(f"the seed changed ({snapshot['seed']} -> {self.agent_cfg.seed})")
            else:
                try:
                    restore_rng(snapshot["rng"])
                except (KeyError, TypeError, ValueError, RuntimeError) as error:
                    reasons.append(f"its random-number state does not fit ({error})")
            try:
                self.env.load_state_dict(snapshot["env"])
                restored = True
            except (GenelabError, KeyError, TypeError, ValueError, RuntimeError) as error:
                self.env.reset()
                reasons.append(f"its env state does not fit ({error})")
            if restored and not same_seed and self.env.cfg.seed is not None:
                self.env.generator.manual_seed(self.env.cfg.seed)
            if not snapshot["exact"]:
                reasons.append("it was saved mid-iteration (a forced stop or an error)")
        if reasons and self.rank == 0:
            print(f"note: continuing from {name} is not exact: {'; '.join(reasons)}",
                  file=sys.stderr)
        return restored


@dataclass
class PlayContext:
    """Everything needed to load a trained policy for playback, eval or export.

    Attributes:
        task_id: The task being played.
        env: The built ``ManagerBasedRlEnv``.
        env_cfg: Its config.
        agent_cfg: The agent config the checkpoint was trained with.
        checkpoint: The resolved checkpoint file.
        device: Torch device string.
        deterministic: Use the mean action (no exploration noise).
    """

    task_id: str
    env: Any
    env_cfg: Any
    agent_cfg: BackendConfig
    checkpoint: Path
    device: str
    deterministic: bool = True


class Backend(ABC):
    """An RL library plugged into GeneLab.

    Subclasses set the class attributes and implement :meth:`train` and
    :meth:`inference_policy`. Import torch and the RL library inside those methods, never
    at module level: plugin modules are imported by ``genelab list`` and ``info`` too.
    The whole contract is in ``docs/backend.md``.

    Attributes:
        name: Short name, also the log folder (``logs/<name>/``).
        config_type: The :class:`BackendConfig` subclass this backend trains.
        algorithms: Algorithm names this backend offers.
        checkpoint_pattern: Regex matching checkpoint file names inside a run directory;
            its first group is the iteration (or timestep) number.
        distributed: Whether ``train`` runs under ``--gpus N`` (one process per rank,
            :attr:`TrainContext.rank` / ``world_size`` set; rank 0 writes).
    """

    name: ClassVar[str]
    config_type: ClassVar[type[BackendConfig]]
    algorithms: ClassVar[Sequence[str]] = ()
    checkpoint_pattern: ClassVar[str] = r"model_(\d+)\.pt"
    distributed: ClassVar[bool] = False

    def validate(self, agent_cfg: BackendConfig, env: Any) -> None:
        """Check the agent config against the built env before a run directory exists.

        Raise :class:`genelab.errors.GenelabError` with the fix on a mistake.
        """

    def memory_bytes(self, agent_cfg: BackendConfig, num_envs: int, obs_dims: dict[str, int],
                     action_dim: int) -> int:
        """Bytes the learner stores for ``num_envs`` envs (the up-front memory check).

        The default counts one rollout of ``steps_per_iteration`` steps of every env
        (:func:`transition_bytes` each); backends with replay memory count that instead.
        """
        return agent_cfg.steps_per_iteration * num_envs * transition_bytes(obs_dims, action_dim)

    @abstractmethod
    def train(self, ctx: TrainContext) -> None:
        """Train ``ctx.agent_cfg`` on ``ctx.env`` for ``agent_cfg.max_iterations``
        iterations (more when resuming), writing into ``ctx.run_dir``.

        The contract (``docs/backend.md`` has it step by step):

        * call ``ctx.progress.start(first, first + max_iterations, env_steps)`` once and
          ``ctx.progress.update(IterationStats(...))`` after every iteration;
        * write a checkpoint every ``save_interval`` iterations and after the last one,
          named by :attr:`checkpoint_pattern` with the iteration number, through
          :func:`genelab.rl.save_checkpoint_file`, holding ``ctx.snapshot()``;
        * ``update`` raises :class:`genelab.rl.TrainingInterrupted` (a
          ``KeyboardInterrupt``) when Ctrl-C or SIGTERM asked to stop: save the iteration
          that just ended, then re-raise;
        * with ``ctx.resume_from`` set, load it, continue its iteration numbering and
          pass its snapshot to ``ctx.restore_snapshot``;
        * write TensorBoard scalars through ``ctx.tensorboard()``; only rank 0 writes files.
        """

    @abstractmethod
    def inference_policy(self, ctx: PlayContext) -> Policy:
        """Load ``ctx.checkpoint`` and return the policy used by play, eval and export.

        The policy includes observation normalization and is deterministic when
        ``ctx.deterministic`` is set. A checkpoint that does not fit the env raises
        :class:`genelab.errors.GenelabError` naming both shapes.
        """


def transition_bytes(obs_dims: dict[str, int], action_dim: int, next_obs: bool = False) -> int:
    """float32 bytes of one stored transition: every observation group (twice with
    ``next_obs``), the action with its mean and std, and eight scalars (reward, done,
    value, return, advantage, log-probability...)."""
    observations = sum(obs_dims.values()) * (2 if next_obs else 1)
    return 4 * (observations + 3 * action_dim + 8)


@dataclass
class BackendInfo:
    """A registered backend and the distribution that provided it."""

    backend: Backend
    distribution: str
    version: str
    libraries: dict[str, str] = field(default_factory=dict)
