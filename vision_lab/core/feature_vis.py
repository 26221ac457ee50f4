"""What does a unit want? Feature visualisation by activation maximisation: start from a faint random picture and
change its pixels, by gradient ascent, until one unit of the model responds as strongly as it can.

Units: a class output, a channel of a convolution layer (the mean of its map), and each first-layer filter (the
channels of convolution 1). The picture shows what excites the unit, not a training image and not what the model
has "seen".

Objectives, and why:

- A class: its logit minus the mean of the other logits. The bare logit also rises when every logit rises
  together (a brighter picture lifts them all), and the picture then shows "more ink" for every class alike; the
  margin over the others rises only for what tells this class apart, which is the question a learner asks.
- A channel: the mean over its map of the channel's value before pooling and activation (after batch norm when
  the layer has one), passed through a leaky ReLU (slope ``LEAK``). The rectifier rewards the places where the
  pattern is found, as the next layer sees them, rather than the map's plain sum: for the first layer, which is
  linear, the plain mean is maximised by an all-white or all-black picture. The leak keeps a gradient where the
  unit is off, which a ReLU would not. Some channels still want a dark (or light) picture: they answer to the
  absence of ink.

Regularisation (plain gradient ascent on pixels tends to high-frequency noise that no digit resembles), chosen
by looking at the class pictures of the default CNN trained two epochs on mnist-5k:

- Fourier parameterisation: the free parameters are the picture's spectrum, each frequency scaled by 1/f^1.5
  for a class and 1/f for a channel, so a step of gradient ascent changes coarse shapes as readily as single
  pixels (in pixel space the gradient of a small net is dominated by checkerboard detail). For classes, 1/f
  (natural photographs' spectrum) filled the strokes of the default CNN's pictures with speckle, 1/f² smeared
  them into blobs, and 1/f^1.5 gave strokes one reads as the digit. A channel's pattern is finer than a stroke:
  with 1/f^1.5 some first-layer channels of a small CNN ended below their response to random noise, with 1/f
  every one ended above it. Two small FFTs a step.
- Random jitter: the picture is rolled by up to ``JITTER`` pixels each step, so it must excite the unit wherever
  it sits a little; patterns that work at one exact position only (adversarial noise) do not survive.
- A sigmoid keeps every pixel inside the model's value range (clamping stops the gradient at the bounds).
- Small penalties: total variation (neighbours alike: smooth strokes) and L2 on the [0, 1] picture, which pulls
  pixels that do not help toward black, the background of digit datasets, so the strokes stand out.

Every target is one picture of one batch, optimised together (one forward and backward a step for the gallery).
Seeded: the same seed, targets and weights give the same pictures.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from vision_lab.core import families
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import t, text

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.inspect import Inspector

STEPS = 128
"""Default optimisation steps: the default CNN's class margins rise little after about 100 (mean 15.3 at 96
steps, 15.9 at 128, 17.2 at 256), and 128 steps of ten class pictures take about 0.5 s on the CPU."""
LR = 0.05
JITTER = 2
"""Pixels the picture is rolled by, at most, in each direction at each step."""
TV_WEIGHT = 0.05
L2_WEIGHT = 0.5
INIT_SCALE = 0.01
LEAK = 0.05
MAX_STEPS = 5000
DECAY = {"class": 1.5, "channel": 1.0}
"""The spectrum's scaling for each kind of unit, 1/f^DECAY (see the module's docstring)."""

Progress = Callable[[int, int], bool]


@dataclass(frozen=True)
class Target:
    """A unit to visualise: a class output (``index`` = the class) or a channel (``index``) of convolution
    ``layer`` (0 = the first convolution, as :func:`conv_layers` counts them)."""

    kind: Literal["class", "channel"]
    index: int
    layer: int = 0


@dataclass(frozen=True)
class Visualisation:
    images: np.ndarray
    """uint8 N×H×W×C, one picture per target, in the dataset's pixel scale."""
    values: np.ndarray
    """float32 N: each target's objective on its final picture (for a class: logit minus the others' mean)."""
    steps: int
    """The steps run: fewer than asked when ``progress`` said stop."""


def _model(inspector: Inspector) -> nn.Module:
    mine = families.get(inspector.family)
    if not mine.has("features"):
        able = ", ".join(text(f.title) for f in families.with_capability("features"))
        raise ConfigError(
            t(
                "features.family",
                "Feature visualisation works on classifiers ({able}), not on this model ({title}).",
                able=able,
                title=text(mine.title),
            )
        )
    return inspector.task.modules["model"]


def _convs(model: nn.Module) -> list[tuple[nn.Module, nn.Module]]:
    """Each convolution and the module whose output is its channel's value: the batch norm right after it, if any."""
    from torch import nn

    leaves = [m for m in model.modules() if not list(m.children())]
    found = []
    for i, m in enumerate(leaves):
        if isinstance(m, nn.Conv2d):
            nxt = leaves[i + 1] if i + 1 < len(leaves) else None
            found.append((m, nxt if isinstance(nxt, nn.BatchNorm2d) else m))
    return found


def conv_layers(inspector: Inspector) -> list[tuple[int, str, int]]:
    """``[(layer, name, channels)]`` of the model's convolutions, ``layer`` counting from 0; empty for a family
    without the ``filters`` capability (an MLP, a transformer's patch embedding is not offered)."""
    model = _model(inspector)
    if not families.get(inspector.family).has("filters"):
        return []
    return [
        (k, t("features.conv_name", "conv {n}", n=k + 1), int(conv.out_channels))  # type: ignore[arg-type]
        for k, (conv, _tap) in enumerate(_convs(model))
    ]


def class_targets(inspector: Inspector) -> list[Target]:
    _model(inspector)
    return [Target("class", k) for k in range(len(inspector.class_names))]


def channel_targets(inspector: Inspector, layer: int, limit: int | None = None) -> list[Target]:
    """The channels of convolution ``layer`` (the first ``limit`` of them)."""
    layers = conv_layers(inspector)
    _check_layer(inspector, layer, layers)
    channels = layers[layer][2]
    return [Target("channel", c, layer) for c in range(min(channels, limit) if limit is not None else channels)]


def first_layer_targets(inspector: Inspector, limit: int | None = None) -> list[Target]:
    """Each filter of the first convolution: what pattern its channel answers to most."""
    return channel_targets(inspector, 0, limit)


def _check_layer(inspector: Inspector, layer: int, layers: list[tuple[int, str, int]]) -> None:
    if not layers:
        raise ConfigError(
            t(
                "features.no_conv",
                "This model ({title}) has no convolution layers, so only its class outputs can be visualised.",
                title=text(families.get(inspector.family).title),
            )
        )
    if not 0 <= layer < len(layers):
        raise ConfigError(
            t(
                "features.bad_layer",
                "This model has convolution layers 0 to {last}, not {layer}.",
                last=len(layers) - 1,
                layer=layer,
            )
        )


def _check_targets(inspector: Inspector, targets: Sequence[Target]) -> None:
    if not targets:
        raise ConfigError(t("features.no_targets", "Choose at least one unit to visualise."))
    classes = len(inspector.class_names)
    layers: list[tuple[int, str, int]] | None = None
    for target in targets:
        if target.kind == "class":
            if not 0 <= target.index < classes:
                raise ConfigError(
                    t(
                        "features.bad_class",
                        "The class index must be between 0 and {last}, got {index}.",
                        last=classes - 1,
                        index=target.index,
                    )
                )
        elif target.kind == "channel":
            layers = conv_layers(inspector) if layers is None else layers
            _check_layer(inspector, target.layer, layers)
            channels = layers[target.layer][2]
            if not 0 <= target.index < channels:
                raise ConfigError(
                    t(
                        "features.bad_channel",
                        "Convolution {n} has channels 0 to {last}, not {index}.",
                        n=target.layer + 1,
                        last=channels - 1,
                        index=target.index,
                    )
                )
        else:
            raise ConfigError(t("features.bad_kind", "A unit is a class or a channel, not {kind!r}.", kind=target.kind))


class _Objective:
    """Each target's value on its own picture of the batch (a forward hook records the conv taps it needs)."""

    def __init__(self, model: nn.Module, targets: Sequence[Target]) -> None:
        import torch

        self.model = model
        self.targets = list(targets)
        convs = _convs(model)
        self.layers = sorted({tg.layer for tg in targets if tg.kind == "channel"})
        self._taps = {layer: convs[layer][1] for layer in self.layers}
        self._seen: dict[int, torch.Tensor] = {}
        classes = [i for i, tg in enumerate(targets) if tg.kind == "class"]
        self.class_rows = torch.tensor(classes, dtype=torch.long)
        self.class_cols = torch.tensor([targets[i].index for i in classes], dtype=torch.long)
        self.channel_rows = {
            layer: torch.tensor([i for i, tg in enumerate(targets) if tg.kind == "channel" and tg.layer == layer])
            for layer in self.layers
        }
        self.channel_cols = {
            layer: torch.tensor(
                [tg.index for tg in targets if tg.kind == "channel" and tg.layer == layer], dtype=torch.long
            )
            for layer in self.layers
        }

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        import torch

        hooks = [
            tap.register_forward_hook(lambda _m, _i, out, layer=layer: self._seen.__setitem__(layer, out))
            for layer, tap in self._taps.items()
        ]
        try:
            logits = self.model(x)
        finally:
            for h in hooks:
                h.remove()
        values = torch.zeros(len(x), dtype=logits.dtype)
        if len(self.class_rows):
            rows = logits[self.class_rows]
            own = rows.gather(1, self.class_cols[:, None])[:, 0]
            others = (rows.sum(1) - own) / max(1, rows.shape[1] - 1)
            values = values.index_put((self.class_rows,), own - others)
        for layer in self.layers:
            rows, cols = self.channel_rows[layer], self.channel_cols[layer]
            # The mean of every map, then the chosen one: gathering the maps first is slow on channels-last maps.
            means = torch.nn.functional.leaky_relu(self._seen.pop(layer)[rows], LEAK).mean((2, 3))
            values = values.index_put((rows,), means.gather(1, cols[:, None])[:, 0])
        return values


def _spectrum_scale(h: int, w: int, decay: float) -> torch.Tensor:
    """1/f^decay for each frequency of an h×w real FFT (the constant term as the lowest non-zero frequency),
    scaled so that the constant term's unit step moves every pixel by one (the FFT is orthonormal)."""
    import torch

    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    scale = torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / max(h, w)) ** -decay
    return scale / scale.max() * math.sqrt(h * w)


def snapshot(inspector: Inspector) -> Inspector:
    """An inspector over a copy of ``inspector``'s model, to hand to another thread: the window loads new weights
    into its inspector while training, and a copy taken there could catch them half loaded. Take it on the thread
    that loads weights."""
    _model(inspector)
    snap = copy.copy(inspector)
    snap.task = copy.copy(inspector.task)
    snap.task.modules = {"model": copy.deepcopy(inspector.task.modules["model"])}
    return snap


def visualise(
    inspector: Inspector,
    targets: Sequence[Target],
    *,
    steps: int = STEPS,
    seed: int = 0,
    progress: Progress | None = None,
) -> Visualisation:
    """One picture per target that excites it as much as the optimisation manages in ``steps`` steps.

    Works on a deep copy of the inspector's model (the window loads new weights into the inspector meanwhile).
    ``progress(done, total)`` is called after each step; False stops early with the pictures so far.
    """
    import torch

    model = copy.deepcopy(_model(inspector)).eval()
    if not 1 <= steps <= MAX_STEPS:
        raise ConfigError(
            t("features.steps", "Steps must be between 1 and {max}, got {steps}.", max=MAX_STEPS, steps=steps)
        )
    _check_targets(inspector, targets)
    for p in model.parameters():
        p.requires_grad_(False)
    objective = _Objective(model, targets)
    h, w, c = inspector.image_shape
    lo, hi = (float(v) for v in inspector.task.value_range)
    n = len(targets)
    gen = torch.Generator().manual_seed(int(seed))
    scale = torch.stack([_spectrum_scale(h, w, DECAY[tg.kind]) for tg in targets])[:, None]  # N×1×H×(W/2+1)
    spectrum = (torch.randn(n, c, h, w // 2 + 1, 2, generator=gen) * INIT_SCALE).requires_grad_(True)
    shifts = torch.randint(-JITTER, JITTER + 1, (steps, 2), generator=gen).tolist()
    opt = torch.optim.Adam([spectrum], lr=LR)

    def picture() -> torch.Tensor:
        """The [0, 1] picture, N×C×H×W."""
        freq = torch.view_as_complex(spectrum) * scale
        return torch.sigmoid(torch.fft.irfft2(freq, s=(h, w), norm="ortho"))

    done = 0
    with torch.enable_grad():
        for step in range(steps):
            img = picture()
            dy, dx = shifts[step]
            x = lo + (hi - lo) * torch.roll(img, (dy, dx), (2, 3))
            values = objective(x.contiguous())
            tv = (img[..., 1:, :] - img[..., :-1, :]).abs().mean((1, 2, 3)) + (
                img[..., :, 1:] - img[..., :, :-1]
            ).abs().mean((1, 2, 3))
            l2 = (img * img).mean((1, 2, 3))
            loss = (-values + TV_WEIGHT * tv + L2_WEIGHT * l2).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            done = step + 1
            if progress is not None and progress(done, steps) is False:
                break
    with torch.no_grad():
        images = (picture().permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
        # The values of the pictures as shown (uint8, scaled as the trainer scales images), not of the floats.
        final = objective(inspector._batch(images)).float().numpy()
    return Visualisation(images=images, values=final.astype(np.float32), steps=done)


def activations(inspector: Inspector, targets: Sequence[Target], images: np.ndarray) -> np.ndarray:
    """Each target's objective on the image of the same row (uint8 N×H×W×C): what :func:`visualise` reports, for
    any pictures (a blank one, a validation image)."""
    import torch

    model = copy.deepcopy(_model(inspector)).eval()
    _check_targets(inspector, targets)
    if len(images) != len(targets):
        raise ConfigError(
            t(
                "features.rows",
                "Expected one image per unit ({targets}), got {images}.",
                targets=len(targets),
                images=len(images),
            )
        )
    x = inspector._batch(images)
    with torch.no_grad():
        return _Objective(model, targets)(x).float().numpy().astype(np.float32)


__all__ = [
    "Target",
    "Visualisation",
    "activations",
    "channel_targets",
    "class_targets",
    "conv_layers",
    "first_layer_targets",
    "snapshot",
    "visualise",
]
