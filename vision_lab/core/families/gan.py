"""The GAN (DCGAN): a generator that makes images from noise and a discriminator that tells them from real ones
(vision_lab/core/models/gan.py, vision_lab/core/tasks.py's GANTask, the judge in vision_lab/core/judge.py).

Exported: the generator, its moving average when the run kept one (what previews and samples use). Input N×latent
standard normal noise; output N×C×H×W images in [-1, 1] (tanh: ``(x + 1) / 2`` gives [0, 1]).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.errors import ConfigError
from vision_lab.core.families.base import ExportSpec, Family, Knob, Metric, ScriptParts
from vision_lab.core.i18n import N_
from vision_lab.core.validate import check_choice, check_lr, check_range

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep

GAN_UPDATES = ("alternating", "simultaneous")


@dataclass(frozen=True)
class GANConfig:
    latent_dim: int = 100
    g_width: int = 256
    """Channels of the generator's first 7×7 (8×8 at 32 px) map; halved by each transposed conv."""
    d_width: int = 64
    """Channels of the discriminator's first convolution; doubled by the second."""
    d_dropout: float = 0.3
    d_lr: float | None = None
    """Discriminator learning rate; None uses the optimizer's (the generator's) rate."""
    d_steps: int = 1
    """Discriminator updates per generator update."""
    label_smoothing: float = 0.0
    """One-sided: real images are labelled ``1 - label_smoothing`` for the discriminator."""
    judge_samples: int = 300
    ema: float = 0.995
    """Decay of the moving average of generator weights that samples come from; 0 turns it off."""
    update: str = "alternating"
    """How a step updates the pair. ``alternating``: D steps first, then G trains against the updated D
    (PyTorch's DCGAN example; three D passes). ``simultaneous``: both gradients come from one pass through D
    on the same fakes, then both step (the TensorFlow DCGAN tutorial the article follows; two D passes)."""

    def validate(self) -> None:
        check_range("gan.latent_dim", self.latent_dim, 1, 4096)
        check_range("gan.g_width", self.g_width, 4, 4096)
        if self.g_width % 4:
            raise ConfigError(f"gan.g_width must be a multiple of 4, got {self.g_width}.")
        check_range("gan.d_width", self.d_width, 1, 4096)
        check_range("gan.d_dropout", self.d_dropout, 0.0, 0.95)
        if self.d_lr is not None:
            check_lr("gan.d_lr", self.d_lr)
        check_range("gan.d_steps", self.d_steps, 1, 100)
        check_range("gan.label_smoothing", self.label_smoothing, 0.0, 0.5)
        check_range("gan.judge_samples", self.judge_samples, 10, 100000)
        check_range("gan.ema", self.ema, 0.0, 0.9999)
        check_choice("gan.update", self.update, GAN_UPDATES)


def _build(cfg: GANConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.gan import Discriminator, Generator

    return {"generator": Generator(cfg, image_shape), "discriminator": Discriminator(cfg, image_shape)}


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    """DCGAN's: Adam 2e-4 with betas 0.5/0.999, a constant rate; one-sided label smoothing."""
    optim = type(cfg.optim)(name="adam", lr=2e-4, beta1=0.5, beta2=0.999)  # the rest at OptimConfig's defaults
    return cfg.replace(
        optim=optim,
        gan=dataclasses.replace(cfg.gan, label_smoothing=0.1),
        train=dataclasses.replace(cfg.train, epochs=20, batch_size=32, lr_schedule="constant"),
    )


def _article(cfg: ExperimentConfig) -> ExperimentConfig:
    """The article's simultaneous updates, without the weight averaging it does not have."""
    return cfg.replace(gan=dataclasses.replace(cfg.gan, ema=0.0, update="simultaneous"))


def _check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    h, w = image_shape[0], image_shape[1]
    if h != w or h % 4:
        raise ConfigError(
            f"The GAN needs square images whose side is a multiple of 4, but this dataset's are {h}×{w}; "
            "set the image size to 28 or 32.",
            key="data.image_size",
        )


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    return 1, "the GAN's generator", False  # its first layer: BatchNorm1d over the projected noise


def _layer_inputs(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> dict[str, tuple[int, ...]]:
    h, w, c = image_shape
    return {"generator": (cfg.gan.latent_dim,), "discriminator": (c, h, w)}


_SCRIPT = """class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.project = {project}
        self.upsample = {upsample}

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z))


def build_model() -> nn.Module:
    return Generator()
"""

_DEMO = """
def demo_batch(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, LATENT_DIM, generator=torch.Generator().manual_seed(seed))


def run(model: nn.Module, z: torch.Tensor) -> torch.Tensor:
    out = model(z)
    print(f"generated {len(out)} images of {tuple(out.shape[1:])} in [-1, 1]")
    return out
"""


def _script(module: nn.Module, chw: tuple[int, int, int], class_names: tuple[str, ...]) -> ScriptParts:
    from vision_lab.core.script_code import layer_code

    c, h, w = chw
    return ScriptParts(
        body=_SCRIPT.format(
            project=layer_code(module.project, "        "), upsample=layer_code(module.upsample, "        ")
        ),
        doc=(
            f"Input: N×{module.latent_dim} standard normal noise. Output: N×{c}×{h}×{w} images in [-1, 1] "
            "((x + 1) / 2 gives [0, 1])."
        ),
        demo=_DEMO,
        constants={"LATENT_DIM": module.latent_dim},
    )


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    """The article's DCGAN in plain PyTorch; ``gan.update`` says how a step updates the pair (see GANConfig)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    c, h, w = x01.shape[1:]
    s, latent = h // 4, cfg.gan.latent_dim
    g = nn.Sequential(
        nn.Linear(latent, s * s * 256, bias=False), nn.BatchNorm1d(s * s * 256), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (256, s, s)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, c, 5, 2, 2, 1), nn.Tanh(),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Conv2d(c, 64, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(128 * ((h + 3) // 4) * ((w + 3) // 4), 1), nn.Flatten(0),
    )  # fmt: skip
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = F.binary_cross_entropy_with_logits

    def simultaneous(x: torch.Tensor, _y: torch.Tensor) -> torch.Tensor:
        # The TensorFlow tutorial's step: one pass over the fakes, each loss differentiated for its model.
        fake = g(torch.randn(len(x), latent))
        d_fake = d(fake)
        d_loss = bce(d(x), torch.ones(len(x))) + bce(d_fake, torch.zeros(len(x)))
        g_loss = bce(d_fake, torch.ones(len(x)))
        d_grads = torch.autograd.grad(d_loss, list(d.parameters()), retain_graph=True)
        g_grads = torch.autograd.grad(g_loss, list(g.parameters()))
        for p, grad in zip([*d.parameters(), *g.parameters()], [*d_grads, *g_grads], strict=True):
            p.grad = grad
        opt_d.step()
        opt_g.step()
        return g_loss

    def alternating(x: torch.Tensor, _y: torch.Tensor) -> torch.Tensor:
        # PyTorch's DCGAN example: D first, then G against the updated D.
        fake = g(torch.randn(len(x), latent))
        d_loss = bce(d(x), torch.ones(len(x))) + bce(d(fake.detach()), torch.zeros(len(x)))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = bce(d(fake), torch.ones(len(x)))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return g_loss

    return x01 * 2 - 1, simultaneous if cfg.gan.update == "simultaneous" else alternating


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    # d_steps 2: the steps between generator updates carry its last loss (a resume must restore it).
    return cfg.replace(
        gan=dataclasses.replace(cfg.gan, latent_dim=8, g_width=8, d_width=4, judge_samples=20, d_steps=2)
    )


FAMILY = Family(
    key="gan",
    title=N_("family.gan.title", "GAN"),
    config=GANConfig,
    build=_build,
    task="vision_lab.core.tasks:GANTask",
    target="none",
    preview="samples",
    metrics=(
        Metric("d_loss", N_("metric.d_loss", "D loss"), loss=True, color="#e8590c"),
        Metric("g_loss", N_("metric.g_loss", "G loss"), loss=True, color="#3d8bfd"),
        Metric(
            "judge_confidence",
            N_("metric.judge_confidence", "judge confidence"),
            epoch_only=True,
            percent=True,
            higher_is_better=True,
            color="#2fb344",
            right=True,
        ),
        Metric("judge_coverage", N_("metric.judge_coverage", "judge coverage"), epoch_only=True, higher_is_better=True),
    ),
    plotted=("d_loss", "g_loss", "judge_confidence"),
    headline="judge_confidence",
    capabilities=frozenset({"filters", "generate", "health"}),
    export=ExportSpec(
        modules=("generator_ema", "generator"),
        input_name="noise",
        output_name="images",
        noise_input=True,
        script=_script,
    ),
    knobs=(
        Knob("gan.latent_dim", N_("knob.gan.latent_dim", "Noise size z"), N_("knob.gan.latent_dim.short", "z size")),
        Knob(
            "gan.d_steps",
            N_("knob.gan.d_steps", "Discriminator steps per generator step"),
            N_("knob.gan.d_steps.short", "D steps"),
        ),
        Knob(
            "gan.label_smoothing",
            N_("knob.gan.label_smoothing", "Label smoothing"),
            N_("knob.gan.label_smoothing.short", "smoothing"),
        ),
        Knob("gan.g_width", N_("knob.gan.g_width", "Generator width"), N_("knob.gan.g_width.short", "G width")),
        Knob("gan.d_width", N_("knob.gan.d_width", "Discriminator width"), N_("knob.gan.d_width.short", "D width")),
        Knob(
            "gan.d_dropout",
            N_("knob.gan.d_dropout", "Discriminator dropout"),
            N_("knob.gan.d_dropout.short", "D dropout"),
        ),
        Knob("gan.ema", N_("knob.gan.ema", "Generator weight averaging (EMA)"), N_("knob.gan.ema.short", "EMA")),
    ),
    loss_axis=N_("family.gan.loss_axis", "losses (D and G)"),
    defaults=_defaults,
    article=_article,
    tiny=_tiny,
    check_fit=_check_fit,
    batch_norm_need=_batch_norm_need,
    optimizer_keys=("gan.d_lr",),
    loss_descends=False,
    filters_module="discriminator",
    module_prefixes={"generator": "G · ", "discriminator": "D · "},
    layer_inputs=_layer_inputs,
    bench=_bench,
)
