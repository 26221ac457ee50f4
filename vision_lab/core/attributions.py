"""Which pixels made the model say what it said: attributions from Captum for any family with the ``attribute``
capability (its ``model`` maps images to class logits), plus attention rollout for families with ``attention``.

Qt-free and torch-free at import: Captum (about 2 s, and matplotlib with it) and torch load when a map is asked
for. Every method gives N×H×W float32, one number per pixel, larger = more evidence for the class:

* ``gradient`` and ``noise-tunnel`` give |gradient| per channel, summed over the channels;
* ``integrated-gradients`` and ``occlusion`` are signed (negative = evidence against the class), summed over the
  channels, so a ranking by value puts the evidence *for* the class first;
* ``gradcam`` is ReLU'd (only the positive evidence, as the paper draws it) and upsampled bilinearly;
* ``attention-rollout`` is where the class token looks, the same for every class.

Black (a 0 pixel, the low end of the model's value range) is both Integrated Gradients' baseline and what
occlusion paints, the background of the digits the learner draws.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vision_lab.core import families
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import N_, Deferred, t, text

if TYPE_CHECKING:
    import torch
    from torch import nn

METHODS: tuple[str, ...] = (
    "gradient",
    "gradcam",
    "integrated-gradients",
    "occlusion",
    "noise-tunnel",
    "attention-rollout",
)
"""Every method's stable id, in the order the GUI lists them."""
CAPTUM_METHODS = METHODS[:5]
NEEDS: dict[str, str] = {m: "attribute" for m in CAPTUM_METHODS} | {"attention-rollout": "attention"}
"""The capability a family needs for each method."""

TITLES: dict[str, Deferred] = {
    "gradient": N_("attributions.title.gradient", "Gradient"),
    "gradcam": N_("attributions.title.gradcam", "Grad-CAM"),
    "integrated-gradients": N_("attributions.title.integrated_gradients", "Integrated gradients"),
    "occlusion": N_("attributions.title.occlusion", "Occlusion"),
    "noise-tunnel": N_("attributions.title.noise_tunnel", "SmoothGrad (noise tunnel)"),
    "attention-rollout": N_("attributions.title.attention_rollout", "Attention rollout"),
}
EXPLANATIONS: dict[str, Deferred] = {
    "gradient": N_(
        "attributions.explain.gradient",
        "How much a small change of each pixel would move the class's score: the plain input gradient.",
    ),
    "gradcam": N_(
        "attributions.explain.gradcam",
        "Where the last conv layer's feature maps, weighted by their gradients, support the class (coarse).",
    ),
    "integrated-gradients": N_(
        "attributions.explain.integrated_gradients",
        "Each pixel's share of the score, adding up the gradients on the way from a black image to this one.",
    ),
    "occlusion": N_(
        "attributions.explain.occlusion",
        "How much the score drops when a small square around each pixel is painted black.",
    ),
    "noise-tunnel": N_(
        "attributions.explain.noise_tunnel",
        "The input gradient averaged over noisy copies of the image (SmoothGrad), which removes its speckle.",
    ),
    "attention-rollout": N_(
        "attributions.explain.attention_rollout",
        "Where the class token looks, through every attention block; the same map for every class.",
    ),
}

IG_STEPS = 32
SMOOTH_SAMPLES = 16
SMOOTH_STDEV = 0.15
"""SmoothGrad's noise, as a fraction of the model's value range (the paper's 10-20 %)."""
CHUNK = 64
"""Images per Captum call: IG runs CHUNK × IG_STEPS images through the model at once."""


@dataclass
class Explainable:
    """What an attribution needs: a classifier in eval mode, how pixels map to its inputs, its family."""

    model: nn.Module
    value_range: tuple[float, float]
    image_shape: tuple[int, int, int]
    """(H, W, C)."""
    family: str
    class_names: tuple[str, ...] = ()


def explainable(source: Any, *, copy_model: bool = False) -> Explainable:
    """An :class:`Explainable` from an Inspector, a Task, a LoadedRun or an Explainable. ``copy_model`` takes a deep
    copy (for work off the GUI thread while the inspector loads new weights)."""
    if isinstance(source, Explainable):
        out = source
    else:
        task = getattr(source, "task", source)
        model = task.modules.get("model") if hasattr(task, "modules") else None
        if model is None:
            raise ConfigError(t("attributions.no_model", "This model has no image classifier to explain."))
        out = Explainable(model, tuple(task.value_range), tuple(task.image_shape), task.cfg.model, task.class_names)
    if copy_model:
        out = Explainable(copy.deepcopy(out.model), out.value_range, out.image_shape, out.family, out.class_names)
    out.model.eval()  # BatchNorm's running statistics, no dropout: the model as it predicts
    return out


def methods_for(family: str) -> tuple[str, ...]:
    """The methods a family's model supports (asked of its capabilities), in :data:`METHODS` order."""
    fam = families.get(family)
    return tuple(m for m in METHODS if fam.has(NEEDS[m]))


def title(method: str) -> str:
    return text(TITLES[method])


def explanation(method: str) -> str:
    """One line for the learner: what the method's map shows."""
    return text(EXPLANATIONS[method])


def check_method(family: str, method: str) -> None:
    """ConfigError, one sentence, when ``method`` is unknown or the family's model cannot do it."""
    check_known(method)
    if method not in methods_for(family):
        raise ConfigError(
            t(
                "attributions.unsupported",
                "{method} does not apply to this model ({model}).",
                method=title(method),
                model=text(families.get(family).title),
            )
        )


def check_known(method: str) -> None:
    """ConfigError, one sentence, when ``method`` is not one of :data:`METHODS`."""
    if method not in METHODS:
        raise ConfigError(
            t(
                "attributions.unknown",
                "Unknown attribution method '{method}'; choose one of: {known}.",
                method=method,
                known=", ".join(METHODS),
            )
        )


def check_applies(source: Any, method: str) -> None:
    """:func:`check_method`, and for Grad-CAM that the model has a conv layer: ConfigError in one sentence."""
    ex = explainable(source)
    check_method(ex.family, method)
    if method == "gradcam" and last_conv(ex.model) is None:
        raise ConfigError(
            t(
                "attributions.gradcam_no_conv",
                "Grad-CAM needs a convolution layer to look at, and this model ({model}) has none.",
                model=text(families.get(ex.family).title),
            )
        )


def to_input(ex: Explainable, images: np.ndarray) -> torch.Tensor:
    """uint8 N×H×W×C (or N×H×W for one channel), or floats in [0, 1] -> the model's N×C×H×W input."""
    import torch

    h, w, c = ex.image_shape
    a = np.asarray(images)
    if a.ndim == 3 and c == 1 and a.shape[1:] == (h, w):
        a = a[..., None]
    if a.ndim != 4 or a.shape[1:] != (h, w, c):
        raise ConfigError(
            t(
                "attributions.shape",
                "Expected images of shape N×{h}×{w}×{c}, got {shape}.",
                h=h,
                w=w,
                c=c,
                shape="×".join(map(str, a.shape)),
            )
        )
    if a.dtype == np.uint8:
        a01 = a.astype(np.float32) / 255.0
    elif np.issubdtype(a.dtype, np.floating) and np.isfinite(a).all():
        a01 = np.clip(a.astype(np.float32), 0.0, 1.0)
    else:
        raise ConfigError(t("attributions.dtype", "Images must be uint8 (0 to 255) or finite floats in [0, 1]."))
    lo, hi = ex.value_range
    return (torch.from_numpy(np.ascontiguousarray(a01)).permute(0, 3, 1, 2) * (hi - lo) + lo).contiguous()


def predict(ex: Explainable, x: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities of ``x`` (N×C×H×W model input), batched, without gradients."""
    import torch

    with torch.no_grad():
        return torch.cat([torch.softmax(ex.model(x[i : i + 256]), 1) for i in range(0, len(x), 256)])


def _targets(ex: Explainable, x: torch.Tensor, target: int | None) -> torch.Tensor:
    import torch

    probs = predict(ex, x)
    classes = probs.shape[1]
    if target is None:
        return probs.argmax(1)
    if not 0 <= int(target) < classes:
        raise ConfigError(
            t(
                "attributions.target",
                "The class index must be between 0 and {most}, got {target}.",
                most=classes - 1,
                target=target,
            )
        )
    return torch.full((len(x),), int(target), dtype=torch.long)


def last_conv(model: nn.Module) -> nn.Module | None:
    from torch import nn

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1] if convs else None


def attribute(source: Any, images: np.ndarray, method: str, target: int | None = None, *, seed: int = 0) -> np.ndarray:
    """N×H×W float32 attributions of ``images`` (as Inspector takes them) for class ``target`` (None: each image's
    predicted class). ConfigError (a ValueError) in one sentence for an unknown method, one the family lacks, a
    model without a conv layer asked for Grad-CAM, or a class index out of range. ``seed`` fixes SmoothGrad's noise
    (drawn from a generator of its own: the global RNG is left alone). Safe on a worker thread with a model copy.
    """
    import torch

    ex = explainable(source)
    check_applies(ex, method)
    x = to_input(ex, images)
    targets = _targets(ex, x, target)
    # SmoothGrad's noise comes from a generator of its own: the global one may be seeding a model on another thread.
    noise = torch.Generator().manual_seed(seed)
    out = [
        _attribute_chunk(ex, x[i : i + CHUNK], targets[i : i + CHUNK], method, noise) for i in range(0, len(x), CHUNK)
    ]
    if not out:
        h, w, _ = ex.image_shape
        return np.zeros((0, h, w), np.float32)
    return np.concatenate(out).astype(np.float32)


def _attribute_chunk(
    ex: Explainable, x: torch.Tensor, target: torch.Tensor, method: str, noise: torch.Generator
) -> np.ndarray:
    import torch

    lo, hi = ex.value_range
    h, w, c = ex.image_shape
    if method == "attention-rollout":
        return _rollout(ex, x)
    from captum import attr as captum

    model = ex.model
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        if method == "gradient":
            a = captum.Saliency(model).attribute(x, target=target, abs=True)
        elif method == "gradcam":
            cam = captum.LayerGradCam(model, last_conv(model)).attribute(x, target=target, relu_attributions=True)
            a = captum.LayerAttribution.interpolate(cam, (h, w), interpolate_mode="bilinear")
        elif method == "integrated-gradients":
            a = captum.IntegratedGradients(model).attribute(
                x, baselines=lo, target=target, n_steps=IG_STEPS, internal_batch_size=CHUNK * 8
            )
        elif method == "occlusion":
            window, stride = occlusion_window(h, w)
            a = captum.Occlusion(model).attribute(
                x,
                sliding_window_shapes=(c, window, window),
                strides=(c, stride, stride),
                baselines=lo,
                target=target,
                perturbations_per_eval=16,
            )
        else:  # noise-tunnel: SmoothGrad over |gradient|, what captum.NoiseTunnel(Saliency) computes, seeded
            n = len(x)
            noisy = x.detach().repeat_interleave(SMOOTH_SAMPLES, 0)
            noisy = noisy + torch.randn(noisy.shape, generator=noise) * (SMOOTH_STDEV * (hi - lo))
            grads = captum.Saliency(model).attribute(
                noisy.requires_grad_(True), target=target.repeat_interleave(SMOOTH_SAMPLES), abs=True
            )
            a = grads.reshape(n, SMOOTH_SAMPLES, *grads.shape[1:]).mean(1)
    return a.detach().float().sum(1).numpy()


def occlusion_window(h: int, w: int) -> tuple[int, int]:
    """The occluding square's side and stride for an H×W image: 4 and 2 on 28×28, a seventh of the side."""
    window = max(2, round(min(h, w) / 7))
    return window, max(1, window // 2)


def _rollout(ex: Explainable, x: torch.Tensor) -> np.ndarray:
    import torch

    from vision_lab.core.models.vit import attention_maps, attention_rollout

    model: Any = ex.model
    with torch.no_grad():
        _logits, maps = attention_maps(model, x)
        roll = attention_rollout(maps)[:, 0, 1:].numpy()  # the class token's row, over the patches
    gh, gw = model.grid
    p = int(model.patch)
    h, w, _ = ex.image_shape
    grid = roll.reshape(len(x), gh, gw)
    full = np.kron(grid, np.ones((1, p, p), np.float32))
    return np.pad(full, ((0, 0), (0, h - full.shape[1]), (0, w - full.shape[2]))).astype(np.float32)


def normalised(heat: np.ndarray) -> np.ndarray:
    """One map scaled for display: its positive part over its maximum, in [0, 1] (an all-zero map stays 0)."""
    pos = np.clip(np.asarray(heat, np.float32), 0.0, None)
    peak = float(pos.max()) if pos.size else 0.0
    return pos / peak if peak > 0 else np.zeros_like(pos)


def overlay(image: np.ndarray, heat: np.ndarray, scale: int = 4) -> np.ndarray:
    """The image (uint8 H×W×C or H×W) in grey with ``heat`` (H×W, any scale: its positive part is drawn, scaled to
    its maximum) over it on the attention view's black-red-yellow ramp: uint8 (H·scale)×(W·scale)×3."""
    from vision_lab.core.attention import HEAT

    a = np.asarray(image, np.float32)
    grey = (a.mean(axis=2) if a.ndim == 3 else a) / 255.0
    pos = normalised(heat) * (len(HEAT) - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, len(HEAT) - 2)
    colour = HEAT[lo] + (pos - lo)[..., None] * (HEAT[lo + 1] - HEAT[lo])
    picture = 0.6 * colour + 0.4 * (grey[..., None] * 255.0)
    picture = np.kron(picture, np.ones((scale, scale, 1), np.float32))
    return np.clip(picture + 0.5, 0, 255).astype(np.uint8)
