"""Image grids as uint8 arrays and PNG files (Pillow), for run folders and front ends alike; and the one way image
files from a user's disk are opened (:func:`open_image`)."""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from vision_lab.core.atomic import atomic_write_bytes
from vision_lab.core.errors import DataError, VisionLabError
from vision_lab.core.safe_io import MAX_IMAGE_FILE, open_file, shown

IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
"""What Vision Lab reads. Pillow would otherwise detect formats by content, EPS among them, which it renders by
running Ghostscript on the file: a PostScript program named ``cat.png`` would run."""
FORMAT_NAMES = "PNG, JPEG, BMP, GIF, TIFF or WebP"
MAX_IMAGE_PIXELS = 50_000_000
"""A 50-megapixel photo is the most a picture here may have. Checked from the header, before decoding: a 300 KB PNG
can claim 13000×13000 16-bit pixels (3.7 GB decoded). Below Pillow's own warning threshold (89 megapixels), whose
warning a loader that silences Pillow's chatter would never see."""


class ImageTooLarge(DataError):
    """A picture whose header claims more than :data:`MAX_IMAGE_PIXELS` pixels; it was not decoded."""


@contextlib.contextmanager
def open_image(
    path: str | Path,
    what: str = "Image",
    formats: Sequence[str] = IMAGE_FORMATS,
    error: type[VisionLabError] = DataError,
) -> Iterator[Image.Image]:
    """``path`` as a lazily decoded Pillow image of one of ``formats``, at most :data:`MAX_IMAGE_PIXELS` pixels.

    A special file, an oversized file, another format or a picture over the pixel bound is ``error`` in one sentence
    naming the file; nothing is decoded until the caller touches the pixels.
    """
    names = FORMAT_NAMES if tuple(formats) == IMAGE_FORMATS else " or ".join(formats)
    with open_file(path, what, MAX_IMAGE_FILE, error) as fh:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # odd chunks and EXIF quirks; the size is checked below
                img = Image.open(fh, formats=list(formats))
        except UnidentifiedImageError:
            raise error(f"{what} '{shown(path)}' is not a {names} image.") from None
        except Image.DecompressionBombError:
            raise error(f"{what} '{shown(path)}' claims more pixels than any picture here may have.") from None
        except Exception as err:  # Pillow's plugins raise many types (SyntaxError, struct.error...) for bad files
            raise error(f"{what} '{shown(path)}' cannot be read as an image ({_brief(err)}).") from None
        with img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageTooLarge(
                    f"{what} '{shown(path)}' is {width}×{height} pixels ({width * height / 1e6:,.0f} megapixels), "
                    f"more than the {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels a picture here may have, so it is not "
                    "decoded."
                )
            yield img


def read_image_rgb(path: str | Path, what: str = "Image", formats: Sequence[str] = ("PNG",)) -> np.ndarray:
    """An image file as uint8 H×W×3 (front ends showing a run's saved previews); errors as :func:`open_image`."""
    with open_image(path, what, formats) as img:
        try:
            return np.asarray(img.convert("RGB"))
        except Exception as err:  # a truncated or corrupt body shows only when decoding
            raise DataError(f"{what} '{shown(path)}' cannot be read as an image ({_brief(err)}).") from None


def _brief(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else err.__class__.__name__
    return text[:160]


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
