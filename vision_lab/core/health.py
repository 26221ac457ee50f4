"""Is training healthy? Per-layer figures measured at each preview, and plain-language warnings from them.

Measuring is cheap (a few norms; dead ReLUs are counted during the preview's own eval-mode forward pass)
and never touches the training RNG, so a run's numbers stay a function of its config alone.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import torch
from torch import nn

from vision_lab.core import families
from vision_lab.core.i18n import Message, t
from vision_lab.core.tasks import Task

D_LOSS_FLOOR = 0.05
"""A GAN discriminator loss below this in each of the last ``D_LOSS_REPORTS`` reports: D wins outright."""
D_LOSS_REPORTS = 3
DIVERGE_REPORTS = 5
"""Divergence: the train loss rose over this many recent reports (at least all but one step up)..."""
DIVERGE_FACTOR = 3.0
"""...and their mean is this many times the lowest mean of any such run of reports."""
DEAD_RELU_FRACTION = 0.5
"""A ReLU layer with more than this share of units silent on every preview image."""
VANISHED_GRADIENT = 1e-7
"""Every layer's gradient norm below this: nothing is learning any more."""
COLLAPSE_SHARE = 0.3
"""Mode collapse: the judge finds at most ``max(COLLAPSE_MIN_CLASSES, COLLAPSE_SHARE * classes)`` classes
after having found more than that earlier in the run..."""
COLLAPSE_MIN_CLASSES = 2
"""...or at most this many at any time, of a dataset with at least COLLAPSE_MIN_DATASET classes: samples that
all look alike, however confident the judge is about them (a collapsed GAN once scored "judge 100%")."""
COLLAPSE_MIN_DATASET = 4
MODE_COLLAPSE = "health.mode_collapse"
"""The mode-collapse warning's id: a view that singles it out compares ``warning.id``, not its words."""


def _weights(task: Task) -> list[tuple[str, str, torch.Tensor]]:
    """(module, layer name, weight) for every weight matrix or kernel of the trained modules."""
    out = []
    for module_name, module in task.modules.items():
        if module_name.endswith("_ema"):  # an average of another module, never trained itself
            continue
        for name, p in module.named_parameters():
            if p.ndim >= 2:
                out.append((module_name, f"{module_name}.{name.removesuffix('.weight')}", p))
    return out


class HealthTracker:
    """One per run: remembers the weights of the previous measurement to tell how fast each layer moves."""

    def __init__(self, task: Task) -> None:
        from vision_lab.core.models.common import layer_labels

        self.task = task
        # The Model tab's names for the layers, so a learner finds the layer a chart or a warning talks about.
        self.labels: dict[str, str] = {}
        self.after: dict[str, str] = {}
        prefixes = families.get(task.cfg.model).module_prefixes
        for module_name, module in task.modules.items():
            if module_name.endswith("_ema"):
                continue
            labels, after = layer_labels(module, f"{module_name}.")
            side = prefixes.get(module_name, "")
            self.labels.update({k: side + v for k, v in labels.items()})
            self.after.update({k: side + v for k, v in after.items()})
        self._previous: dict[str, torch.Tensor] = {}
        self._previous_step: int | None = None
        self._ratios: dict[str, float] = {}

    def measure(self, task: Task, step: int, dead_relu: dict[str, float] | None = None) -> dict[str, Any]:
        """``{"step", "layers": [{"module", "name", "grad_norm", "weight_norm", "update_ratio"}], "dead_relu"}``.

        ``grad_norm`` is from the gradients the last train step left (nan where there are none);
        ``update_ratio`` is ‖w − w_previous‖ / ‖w‖ per step since the previous measurement (nan on the
        first); ``dead_relu`` maps each ReLU module (e.g. ``model.2``) to the share of its units (channels
        for convolutions) that output 0 for every preview image. Pass ``dead_relu`` when a
        :func:`preview_probe` already counted them during the preview; otherwise one eval-mode forward pass
        counts them here.
        """
        entries = _weights(task)
        steps = None if self._previous_step is None else step - self._previous_step
        with torch.no_grad():
            rows = [
                torch.stack(
                    [
                        torch.linalg.vector_norm(p.grad) if p.grad is not None else p.new_full((), math.nan),
                        torch.linalg.vector_norm(p),
                        torch.linalg.vector_norm(p - self._previous[name])
                        if steps and name in self._previous and self._previous[name].shape == p.shape
                        else p.new_full((), math.nan),
                    ]
                )
                for _, name, p in entries
            ]
            # One transfer for all figures (one sync on a GPU).
            figures = torch.stack(rows).float().cpu().tolist() if rows else []
        layers = []
        for (module_name, name, _), (grad, weight, move) in zip(entries, figures, strict=True):
            if steps == 0:  # measured twice at one step (a report, then the epoch end): nothing new moved
                ratio = self._ratios.get(name, math.nan)
            else:
                ratio = move / weight / steps if steps and weight > 0 else math.nan
            self._ratios[name] = ratio
            layers.append(
                {
                    "module": module_name,
                    "name": name,
                    "label": self.labels.get(name, name),
                    "grad_norm": grad,
                    "weight_norm": weight,
                    "update_ratio": ratio,
                }
            )
        if steps != 0:
            with torch.no_grad():
                self._previous = {name: p.detach().clone() for _, name, p in entries}
            self._previous_step = step
        dead = dead_relu if dead_relu is not None else dead_relu_fractions(task)
        after = {name: self.after.get(name, name) for name in dead}
        return {"step": step, "layers": layers, "dead_relu": dead, "relu_after": after}


class ReluProbe:
    """Forward hooks on every ReLU of some modules that note which units fired; removed on exit.

    A unit is a feature (dense layers) or a whole channel (convolutions): alive if it fires anywhere, ever.
    """

    def __init__(self, modules: list[tuple[str, nn.Module]]) -> None:
        self.relus = [
            (f"{prefix}.{n}", m) for prefix, mod in modules for n, m in mod.named_modules() if type(m) is nn.ReLU
        ]
        self._fired: dict[str, torch.Tensor] = {}
        self._hooks: list[Any] = []

    def __enter__(self) -> ReluProbe:
        for name, relu in self.relus:

            def hook(_m: nn.Module, _inp: object, out: torch.Tensor, name: str = name) -> None:
                alive = (out > 0).any(0)
                alive = alive.flatten(1).any(1) if alive.ndim > 1 else alive
                self._fired[name] = alive if name not in self._fired else self._fired[name] | alive

            self._hooks.append(relu.register_forward_hook(hook))
        return self

    def __exit__(self, *_exc: object) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks.clear()

    def fractions(self) -> dict[str, float] | None:
        """Dead share per ReLU, or None when some ReLU never ran (nothing complete to report)."""
        if len(self._fired) < len(self.relus):
            return None
        names = [n for n, _ in self.relus]
        if not names:
            return {}
        shares = torch.stack([1.0 - self._fired[n].float().mean() for n in names]).cpu().tolist()
        return dict(zip(names, shares, strict=True))


def preview_probe(task: Task) -> ReluProbe:
    """A probe to wrap around ``task.preview()``: a classifier's or autoencoder's preview is exactly the eval-mode
    pass over the preview batch that dead-ReLU counting needs, so the trainer does not pay for a second one.
    The task says which modules its preview runs (:meth:`~vision_lab.core.tasks.Task.probe_modules`)."""
    return ReluProbe(task.probe_modules())


def dead_relu_fractions(task: Task) -> dict[str, float]:
    """Share of each ReLU's units that stay at 0 for every image of the preview batch, in eval mode.

    Classifier and autoencoder: the model on the preview batch. GAN: the generator on the fixed noise and
    the discriminator on what it made. LeakyReLU is left out: it always passes a gradient, so its units
    cannot die.
    """
    runs, first_input = task.relu_chain()
    probe = ReluProbe(runs)
    if first_input is None or not probe.relus:
        return {}
    modes = {m: m.training for _, mod in runs for m in mod.modules()}
    try:
        with probe, torch.inference_mode():
            x = first_input
            for _, module in runs:
                module.eval()
                x = module(x)  # the GAN: D sees what G made of the fixed noise
    finally:
        for m, was in modes.items():
            m.train(was)
    return probe.fractions() or {}


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and math.isfinite(v)]


def health_warnings(
    values: list[dict[str, float]], health: dict[str, Any] | None, family: str, num_classes: int
) -> list[Message]:
    """One-sentence warnings from recent ``Metrics.values`` (oldest first) and the latest health figures, in the
    current language, each with its id (``warning.id``).

    Pass the run's whole history (or at least every epoch-end report): mode collapse compares the judge's
    latest coverage with earlier epochs.
    """
    warnings: list[Message] = []
    declared = families.get(family)
    loss_keys = declared.losses
    with_loss = [v for v in values if any(k in v for k in loss_keys)]
    if with_loss and not all(math.isfinite(with_loss[-1].get(k, 0.0)) for k in loss_keys):
        warnings.append(t("health.nan", "Loss is NaN: run stopped, last good weights kept."))
    elif declared.loss_descends:
        # A GAN's losses are a contest, not a descent: G's loss rising is D getting better, not divergence.
        losses = _finite([v[loss_keys[0]] for v in with_loss if loss_keys[0] in v])
        recent = losses[-DIVERGE_REPORTS:]
        ups = sum(b > a for a, b in itertools.pairwise(recent))
        # Compared as means of DIVERGE_REPORTS reports: one lucky low batch must not make ordinary noise
        # look like a threefold rise.
        n = DIVERGE_REPORTS
        means = [sum(losses[i : i + n]) / n for i in range(len(losses) - n + 1)]
        if (
            len(means) > 1
            and recent[-1] > recent[0]
            and ups >= DIVERGE_REPORTS - 2
            and means[-1] > DIVERGE_FACTOR * min(means)
        ):
            warnings.append(t("health.diverging", "Loss diverging: the learning rate is probably too high."))
    # Figures named by what they are, whichever family reports them: a discriminator's loss, a judge's coverage.
    if "d_loss" in loss_keys:
        d = [v["d_loss"] for v in values if "d_loss" in v][-D_LOSS_REPORTS:]
        if len(d) == D_LOSS_REPORTS and all(math.isfinite(x) and x < D_LOSS_FLOOR for x in d):
            warnings.append(t("health.d_wins", "Discriminator loss near 0: D is overpowering G."))
    if any(m.key == "judge_coverage" for m in declared.metrics):
        coverage = _finite([v["judge_coverage"] for v in values if "judge_coverage" in v])
        floor = max(COLLAPSE_MIN_CLASSES, COLLAPSE_SHARE * num_classes)
        few = num_classes >= COLLAPSE_MIN_DATASET and bool(coverage) and coverage[-1] <= COLLAPSE_MIN_CLASSES
        if coverage and (few or (coverage[-1] <= floor and any(c > floor for c in coverage[:-1]))):
            made = int(coverage[-1])
            warnings.append(
                t(
                    "health.mode_collapse",  # MODE_COLLAPSE (literal: the catalogue tool reads it)
                    "Mode collapse: the generator makes only {made} of {classes} classes, so its samples look "
                    "alike; try label smoothing, a lower learning rate or another seed.",
                    made=made,
                    classes=num_classes,
                )
            )
    if health:
        after = health.get("relu_after", {})
        for layer, share in health.get("dead_relu", {}).items():
            if share > DEAD_RELU_FRACTION:
                warnings.append(
                    t(
                        "health.dead_relu",
                        "{percent}% of the units after {layer} output 0 for every image "
                        "(dead ReLUs), so they no longer learn: lower the learning rate, or try leaky relu.",
                        percent=round(100 * share),
                        layer=after.get(layer, layer),
                    )
                )
        grads = _finite([layer["grad_norm"] for layer in health.get("layers", [])])
        if grads and all(g < VANISHED_GRADIENT for g in grads):
            warnings.append(t("health.vanished", "Gradients vanished: the model has stopped learning."))
    return warnings
