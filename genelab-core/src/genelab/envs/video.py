"""A bridge that writes ``env.render()`` frames to an MP4 or GIF file."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genelab.envs.bridge import Bridge, StepResult
from genelab.errors import GenelabError
from genelab.files import check_writable_file

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv

VIDEO_HINT = "install genelab-core[video] (pip install 'genelab-core[video]')"


def check_video_path(path: Path) -> None:
    """Fail early (:class:`GenelabError`) on a bad suffix, a missing video package or a
    path that cannot be written."""
    suffix = path.suffix.lower()
    if suffix not in (".mp4", ".gif"):
        raise GenelabError(f"video file must end in .mp4 or .gif (got '{path.name}')")
    check_video_extra(suffix)
    check_writable_file(path, "--video")


def check_video_extra(suffix: str) -> None:
    """Fail early (:class:`GenelabError`) when the packages writing ``suffix`` (``.mp4``
    or ``.gif``) video are missing."""
    needed = ("imageio", "imageio_ffmpeg") if suffix == ".mp4" else ("imageio", "PIL")
    for module in needed:
        if importlib.util.find_spec(module) is None:
            raise GenelabError(f"writing {suffix} video needs '{module}': {VIDEO_HINT}")


def open_writer(path: Path, fps: float) -> Any:
    """An imageio writer for ``path``: MP4 via imageio-ffmpeg, GIF via pillow."""
    check_video_path(path)
    import imageio.v2 as imageio

    if path.suffix.lower() == ".mp4":
        return imageio.get_writer(path, format="FFMPEG", fps=fps, macro_block_size=1)
    return imageio.get_writer(path, format="GIF", mode="I", duration=1000.0 / fps, loop=0)


class VideoRecorder(Bridge):
    """Appends one frame per env step (env 0) to ``path``; fps is ``1 / env.step_dt``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: Any = None
        self.frames = 0

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """Open the file (and its directory) and write the first frame."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = open_writer(self.path, 1.0 / env.step_dt)
        self._append(env)

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """Write the frame after this step."""
        self._append(env)

    def _append(self, env: ManagerBasedRlEnv) -> None:
        self._writer.append_data(env.render())
        self.frames += 1

    def close(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
