"""What a family declares: everything the rest of the program asks about it, in one frozen object.

A family is one module (``vision_lab/core/families/<key>.py``) that builds a :class:`Family` and hands it to the
registry (:mod:`vision_lab.core.families`). Nothing outside the family's own modules names it: the trainer, the
CLI, export, the bench and the window ask the registry ("which families?", "what does this one plot?", "can it
draw a latent map?").

The declaration is torch-free, so the window can list families before PyTorch has loaded: the model builder, the
Task class, the export script and the bench recipe are functions that import what they need when called.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import N_

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.tasks import Task

TARGETS = ("class", "none", "mask", "boxes")
"""What a family learns from besides the images: a class per image, nothing, a class per pixel (scenes' masks), or
boxes with their classes (scenes' boxes). See :meth:`vision_lab.core.data.ImageDataset.target_arrays`."""
PREVIEWS = ("predictions", "reconstructions", "samples", "segmentation", "detections")
"""What a family's preview grid shows (the window titles each kind)."""
CAPABILITIES = frozenset(
    {
        "probabilities",  # class probabilities of any image (Draw's bars, Confusion's cells)
        "saliency",  # |d score / d pixel| of one image
        "confusion",  # a confusion matrix at each epoch's end
        "filters",  # first-layer kernels and feature maps of ``Family.filters_module``
        "reconstruct",  # the image through the model and back (Draw's second canvas)
        "latent",  # images to codes and codes to images (the latent map, interpolation)
        "generate",  # images from noise vectors of ``task.latent_dim`` (noise walks, the judge's view)
        "health",  # gradient norms, update ratios, dead ReLUs
        "attention",  # each head's attention over the image's patches, and its rollout over the layers
        "segment",  # class probabilities of every pixel (``model`` gives N×K×H×W logits): the Scenes view
        "detect",  # every box an image holds, by ``task.detect(x)`` -> N×M×6 (class, score, box): the Scenes view
        "layers",  # ``model`` is a plain nn.Sequential of conv/norm/pool/activation/dense layers: Overview, unit view
        "attribute",  # ``model`` maps images to class logits: Captum's attributions and the deletion test
        "features",  # activation maximisation: what a class output (and, with "filters", a conv channel) wants
    }
)
"""What the Inspect views may do with a family's model; each view declares the capabilities it needs."""
RESERVED = frozenset({"model", "data", "optim", "train", "name", "version", "sections"})
"""Config keys a family's key may not take: its settings live under its key in the config."""


@dataclass(frozen=True)
class Metric:
    """A figure a family's runs report: a loss or an evaluation, as metrics.csv and the plots name it."""

    key: str
    title: str
    """For people: "val accuracy"."""
    loss: bool = False
    """A loss (the plot's left axis; Compare's losses); otherwise an evaluation figure."""
    epoch_only: bool = False
    """Measured at epoch ends (drawn with markers), not at every report."""
    percent: bool = False
    higher_is_better: bool = False
    color: str = "#868e96"
    """Its curve: a mid-tone that reads on light and dark backgrounds."""
    right: bool = False
    """Drawn on the plot's right (0-1) axis."""


@dataclass(frozen=True)
class Knob:
    """A setting a twin run may change: a dotted config key, or a family's own name for part of its section."""

    key: str
    label: str
    """For people: "Hidden layer widths"."""
    short: str
    """For captions and titles: "hidden"."""
    applies: Callable[[ExperimentConfig], bool] | None = None
    """Offered only where this says so (a dense autoencoder has no conv channels to change)."""
    get: Callable[[ExperimentConfig], Any] | None = None
    """A key of the family's own (``cnn.channels``): its value as people see it, as in a config file."""
    set: Callable[[ExperimentConfig, Any], ExperimentConfig] | None = None
    """...and the config with it set (raises ConfigError)."""
    covers: tuple[str, ...] = ()
    """The config keys such a key stands for (``cnn.blocks``): a difference there is shown as this knob."""


@dataclass(frozen=True)
class ScriptParts:
    """A family's part of the standalone script export (:func:`vision_lab.core.export.script_source`)."""

    body: str
    """The module's class(es) and ``build_model()``."""
    doc: str
    """What goes in and what comes out, for the script's docstring."""
    demo: str
    """``demo_batch(n, seed)`` and ``run(model, x)``, what ``python script.py`` does."""
    constants: Mapping[str, Any] = field(default_factory=dict)
    """Constants the body or demo use beyond IMAGE_SHAPE, VALUE_RANGE and CLASS_NAMES."""


@dataclass(frozen=True)
class ExportSpec:
    """How a family's model leaves Vision Lab (TorchScript, ONNX, the script, the weights)."""

    modules: tuple[str, ...] = ("model",)
    """The first of the task's modules found here is exported (the GAN: its averaged generator, if kept)."""
    input_name: str = "images"
    output_name: str = "logits"
    noise_input: bool = False
    """The exported module takes N×``task.latent_dim`` standard normal noise, not images."""
    methods: Callable[[nn.Module, torch.Tensor], dict[str, torch.Tensor]] | None = None
    """Methods TorchScript keeps besides ``forward``, each with its example input (the autoencoder's halves)."""
    script: Callable[[nn.Module, tuple[int, int, int], tuple[str, ...]], ScriptParts] | None = None
    """The module as plain PyTorch source: (module, C×H×W, class names) -> parts. None: no script export."""


BareStep = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]
"""One bare-PyTorch training step on a batch (images, labels) -> its loss."""


@dataclass(frozen=True)
class Family:
    """One family's declaration. See the module docstring; the built-in ones are in this package."""

    key: str
    """Its name in configs, folders and on the command line: ``--model KEY``."""
    title: str
    """For people: "CNN classifier". Mark it ``N_("family.<key>.title", ...)``: its value stays the English, and
    :func:`vision_lab.core.i18n.text` gives it in the current language where shown."""
    config: type
    """Its section's frozen dataclass (``cfg.<key>``): defaults, ``validate()``."""
    build: Callable[[Any, tuple[int, int, int], int], dict[str, nn.Module]]
    """(its section, image shape H×W×C, classes) -> the named modules."""
    task: str
    """Where its Task class is, as ``"module:Class"``: what a step, an evaluation and a preview are. A name, not the
    class, as a plugin manifest names its contributions: it is imported when a run needs it (it needs torch), and
    the declaration stays below everything that asks the registry, tasks included."""
    target: str
    """One of :data:`TARGETS`."""
    preview: str
    """One of :data:`PREVIEWS`."""
    metrics: tuple[Metric, ...]
    """Every figure its runs report, losses first."""
    plotted: tuple[str, ...]
    """The metrics the live plot draws, in legend order."""
    headline: str
    """The metric a run is judged by (twin verdicts, the runs list's result)."""
    capabilities: frozenset[str]
    export: ExportSpec = field(default_factory=ExportSpec)
    knobs: tuple[Knob, ...] = ()
    """Its settings a twin run may change (the optimizer's and the schedule's are everyone's)."""
    loss_axis: str = N_("family.loss_axis", "loss")
    """The plot's left axis title."""
    defaults: Callable[[ExperimentConfig], ExperimentConfig] | None = None
    """``default_config(key)``: the experiment's defaults changed as this family trains best."""
    article: Callable[[ExperimentConfig], ExperimentConfig] | None = None
    """``article_config(key)``: the reference article's model at its exact shape, from ``default_config(key)``."""
    tiny: Callable[[ExperimentConfig], ExperimentConfig] | None = None
    """The family at toy size (a few units per layer), from ``default_config(key)``: what the tests every family
    gets (train, resume, export, open in the window) train in a second or two."""
    check_fit: Callable[[ExperimentConfig, tuple[int, int, int]], None] | None = None
    """ConfigError (with the setting's key) when its layers cannot run on images of this H×W×C."""
    batch_norm_need: Callable[[ExperimentConfig, tuple[int, int, int]], tuple[int, str, bool] | None] | None = None
    """(values per image its smallest batch norm sees, what that layer is, whether batch norm can be turned off)."""
    optimizer_keys: tuple[str, ...] = ()
    """Its settings that the optimizers' state depends on, besides ``optim.*`` (the GAN's ``gan.d_lr``)."""
    shift_augment: bool = False
    """Training images are moved by up to ``train.augment_shift`` pixels (labels stay true under a shift)."""
    loss_descends: bool = True
    """Its loss should fall: a rising one means divergence (a GAN's losses are a contest, not a descent)."""
    filters_module: str = "model"
    """The module whose convolutions the Filters view shows."""
    module_prefixes: Mapping[str, str] = field(default_factory=dict)
    """Short prefixes naming a module's layers in tables and charts when there are several ("G · ")."""
    layer_inputs: Callable[[ExperimentConfig, tuple[int, int, int]], dict[str, tuple[int, ...]]] | None = None
    """Each module's input shape (no batch) for the layer table; default: the image, C×H×W, for every module."""
    bench: Callable[[ExperimentConfig, torch.Tensor, torch.Tensor], tuple[torch.Tensor, BareStep]] | None = None
    """The bench's bare-PyTorch reference: (article config, images in [0, 1] N×C×H×W, labels) -> (the images as
    its step takes them, a step ``(x, y) -> loss`` written as a careful person would by hand). None: the family
    has no bench row (vision_lab/bench/bare.py batches the step)."""

    # --- questions ---------------------------------------------------------------------------------------------
    def load_task(self) -> type[Task]:
        """The Task class named by :attr:`task`."""
        module, _, name = self.task.partition(":")
        return getattr(importlib.import_module(module), name)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def metric(self, key: str) -> Metric:
        for m in self.metrics:
            if m.key == key:
                return m
        raise KeyError(key)

    @property
    def losses(self) -> tuple[str, ...]:
        """The training losses, as ``Task.loss_names`` reports them (one value per step)."""
        return tuple(m.key for m in self.metrics if m.loss and not m.epoch_only)

    def section(self, cfg: ExperimentConfig) -> Any:
        """This family's settings in ``cfg`` (its defaults when ``cfg`` carries none)."""
        return cfg.section(self.key)

    def knobs_for(self, cfg: ExperimentConfig) -> tuple[Knob, ...]:
        return tuple(k for k in self.knobs if k.applies is None or k.applies(cfg))

    def check(self) -> None:
        """The declaration is coherent; raises ConfigError (registering refuses such a family)."""
        what = f"The family '{self.key}'"
        if not self.key.isidentifier() or self.key != self.key.lower() or self.key in RESERVED:
            raise ConfigError(f"{what} needs a lower-case identifier as its key, not one of {sorted(RESERVED)}.")
        if ":" not in self.task:
            raise ConfigError(f"{what} needs its Task class named as 'module:Class', not {self.task!r}.")
        if not dataclasses.is_dataclass(self.config) or not hasattr(self.config, "validate"):
            raise ConfigError(f"{what} needs a dataclass with validate() as its config.")
        if self.target not in TARGETS:
            raise ConfigError(f"{what} has target {self.target!r}; targets are {', '.join(TARGETS)}.")
        if self.preview not in PREVIEWS:
            raise ConfigError(f"{what} has preview {self.preview!r}; previews are {', '.join(PREVIEWS)}.")
        unknown = self.capabilities - CAPABILITIES
        if unknown:
            raise ConfigError(f"{what} claims unknown capabilities: {', '.join(sorted(unknown))}.")
        keys = [m.key for m in self.metrics]
        missing = [k for k in (*self.plotted, self.headline) if k not in keys]
        if missing or not self.losses:
            raise ConfigError(f"{what} plots or is judged by metrics it does not declare ({missing}), or has no loss.")
        for knob in self.knobs:
            if knob.key.partition(".")[0] != self.key:
                raise ConfigError(f"{what} offers the twin knob {knob.key!r}, which is not one of its settings.")


__all__ = ["CAPABILITIES", "PREVIEWS", "TARGETS", "ExportSpec", "Family", "Knob", "Metric", "ScriptParts"]
