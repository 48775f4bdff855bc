"""A tiny numpy rasterizer for RGB frames of the built-in tasks (no plotting library)."""

from __future__ import annotations

import numpy as np

Color = tuple[int, int, int]


class Canvas:
    """An ``(height, width, 3)`` uint8 image with a world-coordinate window.

    World point ``(x, y)`` maps to pixels with ``y`` pointing up; ``center`` is the world
    point at the image centre and ``scale`` the pixels per world unit.
    """

    def __init__(self, width: int = 320, height: int = 240, scale: float = 60.0,
                 center: tuple[float, float] = (0.0, 0.0),
                 background: Color = (245, 245, 245)) -> None:
        self.width, self.height, self.scale = width, height, scale
        self.center = center
        self.image = np.empty((height, width, 3), dtype=np.uint8)
        self.image[:] = background
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        self._x = (cols + 0.5 - width / 2) / scale + center[0]
        self._y = (height / 2 - rows - 0.5) / scale + center[1]

    def _paint(self, mask: np.ndarray, color: Color) -> None:
        self.image[mask] = color

    def line(self, start: tuple[float, float], end: tuple[float, float], width: float,
             color: Color) -> None:
        """A segment of ``width`` world units with round caps."""
        (x0, y0), (x1, y1) = start, end
        dx, dy = x1 - x0, y1 - y0
        length_sq = max(dx * dx + dy * dy, 1e-12)
        t = np.clip(((self._x - x0) * dx + (self._y - y0) * dy) / length_sq, 0.0, 1.0)
        dist_sq = (self._x - x0 - t * dx) ** 2 + (self._y - y0 - t * dy) ** 2
        self._paint(dist_sq <= (width / 2) ** 2, color)

    def circle(self, center: tuple[float, float], radius: float, color: Color) -> None:
        """A filled disc."""
        dist_sq = (self._x - center[0]) ** 2 + (self._y - center[1]) ** 2
        self._paint(dist_sq <= radius**2, color)

    def rect(self, center: tuple[float, float], size: tuple[float, float], color: Color) -> None:
        """A filled axis-aligned rectangle."""
        mask = (np.abs(self._x - center[0]) <= size[0] / 2) & (
            np.abs(self._y - center[1]) <= size[1] / 2
        )
        self._paint(mask, color)
