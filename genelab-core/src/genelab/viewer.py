"""A minimal live viewer: a tkinter window showing ``env.render()`` after every step."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from genelab.envs.bridge import Bridge, StepResult
from genelab.errors import GenelabError

if TYPE_CHECKING:
    from genelab.envs.rl_env import ManagerBasedRlEnv

NO_DISPLAY = "no display available for --vis; run with --headless or write a --video PATH"


def _ppm(frame: np.ndarray) -> bytes:
    height, width, _ = frame.shape
    return f"P6 {width} {height} 255\n".encode() + np.ascontiguousarray(frame).tobytes()


class Viewer(Bridge):
    """Opens a window on :meth:`on_build`; :attr:`is_open` turns false when it is closed.

    Raises :class:`GenelabError` when tkinter is missing or there is no display.
    """

    def __init__(self, title: str = "GeneLab") -> None:
        self.title = title
        self.is_open = False
        self._root: Any = None
        self._label: Any = None
        self._image: Any = None

    def on_build(self, env: ManagerBasedRlEnv) -> None:
        """Open the window and show the current frame."""
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            raise GenelabError(NO_DISPLAY)
        try:
            import tkinter
        except ImportError:
            raise GenelabError(
                "the --vis viewer needs tkinter (e.g. apt install python3-tk); "
                "or run with --headless / --video PATH"
            ) from None
        try:
            self._root = tkinter.Tk()
        except tkinter.TclError:
            raise GenelabError(NO_DISPLAY) from None
        self._root.title(self.title)
        self._root.protocol("WM_DELETE_WINDOW", self.close)
        self._label = tkinter.Label(self._root)
        self._label.pack()
        self.is_open = True
        self._show(env.render())

    def post_step(self, env: ManagerBasedRlEnv, result: StepResult) -> None:
        """Show the frame after this step and process window events."""
        if self.is_open:
            self._show(env.render())

    def _show(self, frame: np.ndarray) -> None:
        import tkinter

        self._image = tkinter.PhotoImage(data=_ppm(frame), format="PPM")
        self._label.configure(image=self._image)
        self._root.update()

    def close(self) -> None:
        """Destroy the window (safe to call twice)."""
        if self._root is not None:
            self.is_open = False
            root, self._root = self._root, None
            root.destroy()
