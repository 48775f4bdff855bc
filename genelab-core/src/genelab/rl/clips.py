"""``genelab train TASK --video-every N``: short clips of env 0 recorded during training.

A :class:`TrainingClips` bridge records ``<run>/videos/iteration_<j>.mp4``: the first
``length`` env steps (one frame after each) of iteration ``j``, for the first iteration
training runs and for every iteration that follows an iteration ``k`` with
``(k + 1) % every == 0``. So ``iteration_<j>`` shows the policy of checkpoint ``j - 1``
(iteration numbers count from 0, like the checkpoints), and ``iteration_0`` the untrained
one. ``env.render()`` is called only inside a clip; a qualifying iteration end while a
clip is recording starts no second one, and a clip still recording when training ends is
closed with the frames it has. Frames play at ``1 / env.step_dt`` fps. Only rank 0
records (see :func:`genelab.rl.dispatch.train_task`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from genelab.envs.bridge import Bridge, StepResult
from genelab.envs.video import VideoRecorder, check_video_extra
from genelab.errors import GenelabError

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv
    from genelab.rl.progress import IterationStats, TrainingProgress

#: Clip length in env steps when none is given (capped at one episode).
DEFAULT_LENGTH = 200


@dataclass(frozen=True)
class ClipRequest:
    """``--video-every`` / ``--video-length``: a clip every ``every`` iterations, of
    ``length`` env steps (``None``: :data:`DEFAULT_LENGTH`, at most one episode)."""

    every: int
    length: int | None = None

    def bridge(self, run_dir: Path, progress: TrainingProgress) -> TrainingClips:
        """The bridge writing into ``run_dir / "videos"``, armed by ``progress``."""
        return TrainingClips(Path(run_dir) / "videos", self.every, self.length, progress)


def clip_request(every: int | None, length: int | None = None) -> ClipRequest | None:
    """What ``--video-every`` / ``--video-length`` ask for, or ``None``; bad values and a
    missing video extra are a :class:`GenelabError` before anything is built."""
    if every is None:
        if length is not None:
            raise GenelabError("--video-length needs --video-every N")
        return None
    if every < 1:
        raise GenelabError(f"--video-every must be at least 1 (got {every})")
    if length is not None and length < 1:
        raise GenelabError(f"--video-length must be at least 1 (got {length})")
    check_video_extra(".mp4")
    return ClipRequest(every, length)


class TrainingClips(Bridge):
    """Records a clip at the first iteration and after every ``every``-th (see the module
    docstring); ``written`` lists the files it opened."""

    def __init__(self, folder: Path, every: int, length: int | None,
                 progress: TrainingProgress) -> None:
        self.folder = Path(folder)
        self.every = every
        self.length = length
        self.written: list[Path] = []
        self._progress = progress
        self._armed: int | None = None  # the iteration the next clip is named after
        self._clip: VideoRecorder | None = None
        progress.on_start.append(self._on_start)
        progress.on_iteration.append(self._on_iteration)

    @property
    def recording(self) -> bool:
        """Whether a clip is open."""
        return self._clip is not None

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """Settle the clip length: one episode at most unless given."""
        if self.length is None:
            self.length = min(DEFAULT_LENGTH, env.max_episode_length)

    def _on_start(self, env_steps: int) -> None:
        self._arm(self._progress.first_iteration)

    def _on_iteration(self, stats: IterationStats) -> None:
        if (stats.iteration + 1) % self.every == 0:
            self._arm(stats.iteration + 1)

    def _arm(self, iteration: int) -> None:
        if self._clip is None:
            self._armed = iteration

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """Inside a clip: write this step's frame (an armed clip opens its file first)."""
        if self._clip is None:
            if self._armed is None:
                return
            path = self.folder / f"iteration_{self._armed}.mp4"
            self._armed, self._clip = None, VideoRecorder(path)
            self.written.append(path)
            self._clip.on_build(env)  # opens the file, writes the first frame
        else:
            self._clip.post_step(env, result)
        assert self.length is not None
        if self._clip.frames >= self.length:
            self.close()

    def close(self) -> None:
        """Finish the open clip, if any."""
        clip, self._clip = self._clip, None
        if clip is not None:
            clip.close()
