"""Image grids as uint8 arrays and PNG files (Pillow), for run folders and front ends alike."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from vision_lab.core.atomic import atomic_write_bytes


def to_uint8(x: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Float images in ``[lo, hi]`` to uint8, clipped."""
    scaled = (np.asarray(x, dtype=np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def make_grid(images: np.ndarray, ncols: int | None = None, pad: int = 2, pad_value: int = 0) -> np.ndarray:
    """Tile N×H×W×C uint8 images into one (rows·H)×(cols·W)×C image."""
    n, h, w, c = images.shape
    ncols = ncols or max(1, math.ceil(math.sqrt(n)))
    nrows = max(1, math.ceil(n / ncols))
    grid = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), pad_value, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + col * (w + pad)
        grid[y : y + h, x : x + w] = images[i]
    return grid


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    arr = image[..., 0] if image.shape[-1] == 1 else image
    pil = Image.fromarray(arr)
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return buf.getvalue()


def save_png(image: np.ndarray, path: Path, scale: int = 1) -> None:
    atomic_write_bytes(path, png_bytes(image, scale))


def save_gif(frames: Sequence[np.ndarray], path: str | Path, duration_ms: int = 250) -> Path:
    """An animated GIF that loops forever, written atomically; frames are uint8 H×W or H×W×C (C = 1 or 3).

    GIF keeps at most 256 colours per frame, so colour frames are quantised. Pillow merges identical
    consecutive frames into one longer frame.
    """
    if len(frames) == 0:
        raise ValueError("A GIF needs at least one frame.")
    pictures = []
    for i, frame in enumerate(frames):
        a = np.asarray(frame)
        if a.dtype != np.uint8:
            raise ValueError(f"GIF frames must be uint8 images; frame {i} is {a.dtype}.")
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[..., 0]
        if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
            raise ValueError(f"GIF frames must be H×W or H×W×C images; frame {i} has shape {a.shape}.")
        if pictures and a.shape != pictures[0].shape:
            raise ValueError(f"All GIF frames must have one size; frame {i} is {a.shape}, frame 0 {pictures[0].shape}.")
        pictures.append(a)
    images = [Image.fromarray(a) for a in pictures]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=max(1, duration_ms), loop=0)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
