"""Procedural shapes: an instant, offline, seeded dataset of six classes of coloured figures.

Each figure is drawn with Pillow at twice the target size and box-downscaled, which antialiases its
edges; background gradients and noise are added to all images at once with numpy.
"""

from __future__ import annotations

import colorsys
import math

import numpy as np
from PIL import Image, ImageDraw

from vision_lab.core.data.arrays import to_grey
from vision_lab.core.data.base import ImageDataset, stratified_split
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import N_, t

CLASS_NAMES = ("circle", "square", "triangle", "star", "cross", "hexagon")
DEFAULT_COUNT = 6000
DEFAULT_SIZE = 32
MAX_COUNT = 1_000_000
SOURCE = N_("data.shapes.source", "Generated procedurally by Vision Lab (no external data).")
DESCRIPTION = N_(
    "data.shapes.description",
    "Six kinds of coloured shapes at random sizes, positions and angles, generated instantly.",
)

# Circumradius factors that make the six figures look about equally big.
_SCALE = {"circle": 0.78, "square": 0.85, "triangle": 1.0, "star": 1.0, "cross": 0.9, "hexagon": 0.85}


def _outline(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if kind == "star":
        polar = [(r if k % 2 == 0 else 0.45 * r, k * math.pi / 5) for k in range(10)]
    elif kind == "cross":
        w = 0.34 * r  # half the arm width
        local = [
            (w, r),
            (w, w),
            (r, w),
            (r, -w),
            (w, -w),
            (w, -r),
            (-w, -r),
            (-w, -w),
            (-r, -w),
            (-r, w),
            (-w, w),
            (-w, r),
        ]
        polar = [(math.hypot(x, y), math.atan2(y, x)) for x, y in local]
    else:
        sides = {"square": 4, "triangle": 3, "hexagon": 6}[kind]
        polar = [(r, k * 2 * math.pi / sides) for k in range(sides)]
    return [(cx + rad * math.cos(a + angle), cy + rad * math.sin(a + angle)) for rad, a in polar]


def _hsv_to_rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def generate(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` RGB images (``size``×``size``) and balanced labels, fully determined by ``seed``."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % len(CLASS_NAMES)).astype(np.int64)
    big = 2 * size
    radius = rng.uniform(0.2, 0.44, count) * big
    margin = radius + 1
    cx = margin + rng.random(count) * (big - 2 * margin)
    cy = margin + rng.random(count) * (big - 2 * margin)
    angle = rng.uniform(0, 2 * math.pi, count)
    fg_hsv = np.column_stack([rng.random(count), rng.uniform(0.45, 1, count), rng.uniform(0.75, 1, count)])
    bg_hsv = np.column_stack([rng.random(count), rng.uniform(0.2, 0.8, count), rng.uniform(0.05, 0.3, count)])

    images = np.empty((count, size, size, 3), dtype=np.uint8)
    for i in range(count):
        kind = CLASS_NAMES[labels[i]]
        canvas = Image.new("RGB", (big, big), _hsv_to_rgb(*bg_hsv[i]))
        draw = ImageDraw.Draw(canvas)
        fill = _hsv_to_rgb(*fg_hsv[i])
        r = radius[i] * _SCALE[kind]
        if kind == "circle":
            draw.ellipse((cx[i] - r, cy[i] - r, cx[i] + r, cy[i] + r), fill=fill)
        else:
            draw.polygon(_outline(kind, cx[i], cy[i], r, angle[i]), fill=fill)
        images[i] = np.asarray(canvas.reduce(2))

    # A soft lighting gradient and a little sensor noise, so backgrounds are not flat colours.
    ramp = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    direction = rng.uniform(0, 2 * math.pi, count).astype(np.float32)
    strength = rng.uniform(0, 28, count).astype(np.float32)
    cos, sin = np.cos(direction)[:, None, None], np.sin(direction)[:, None, None]
    grad = cos * ramp[None, None, :] + sin * ramp[None, :, None]
    out = images.astype(np.int16)
    out += np.rint(grad * strength[:, None, None]).astype(np.int16)[..., None]
    out += rng.integers(-6, 7, images.shape, dtype=np.int8)
    np.clip(out, 0, 255, out=out)
    images = out.astype(np.uint8)
    return images, labels


def load_shapes(
    count: int | None, image_size: int | None, channels: int | None, val_fraction: float, seed: int
) -> ImageDataset:
    count = DEFAULT_COUNT if count is None else count
    size = DEFAULT_SIZE if image_size is None else image_size
    if not 1 <= count <= MAX_COUNT:
        raise DataError(
            t(
                "data.shapes_dataset_needs",
                "The shapes dataset needs a count between 1 and {max_count}, got {count}.",
                max_count=f"{MAX_COUNT:,}",
                count=count,
            )
        )
    x, y = generate(count, size, seed)
    if channels == 1:
        x = to_grey(x)
    train_x, train_y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
    return ImageDataset(
        name="shapes",
        train_images=train_x,
        train_labels=train_y,
        val_images=val_x,
        val_labels=val_y,
        class_names=CLASS_NAMES,
        source=f"{SOURCE} Seed {seed}.",
        notes=(
            t(
                "data.note.shapes",
                "{count} images of {size}×{size}, seed {seed}",
                count=f"{count:,}",
                size=size,
                seed=seed,
            ),
            t(
                "data.note.hold_out_unseeded",
                "validation = seeded stratified {fraction} hold-out",
                fraction=f"{val_fraction:.0%}",
            ),
        ),
    )
