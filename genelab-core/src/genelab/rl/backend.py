"""The backend contract: what a plugin implements to add an RL library."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from genelab.rl.config import BackendConfig

if TYPE_CHECKING:
    from genelab.rl.progress import TrainingProgress

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
        progress: Live progress display; call ``update`` once per iteration.
        rank: This process's rank in distributed training (0 alone writes files).
        world_size: Number of training processes.
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
    :meth:`inference_policy`. Import the RL library inside those methods, never at
    module level: plugins are loaded by ``genelab --help``.

    Attributes:
        name: Short name, also the log folder (``logs/<name>/``).
        config_type: The :class:`BackendConfig` subclass this backend trains.
        algorithms: Algorithm names this backend offers.
        checkpoint_pattern: Regex matching checkpoint file names inside a run directory;
            its first group is the iteration (or timestep) number.
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

    @abstractmethod
    def train(self, ctx: TrainContext) -> None:
        """Train in ``ctx.run_dir``; save a final checkpoint even on Ctrl-C or error."""

    @abstractmethod
    def inference_policy(self, ctx: PlayContext) -> Policy:
        """Load ``ctx.checkpoint`` and return the policy used by play, eval and export.

        The policy includes observation normalization and is deterministic when
        ``ctx.deterministic`` is set. A checkpoint that does not fit the env raises
        :class:`genelab.errors.GenelabError` naming both shapes.
        """


@dataclass
class BackendInfo:
    """A registered backend and the distribution that provided it."""

    backend: Backend
    distribution: str
    version: str
    libraries: dict[str, str] = field(default_factory=dict)
