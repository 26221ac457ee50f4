"""The autoencoder: images -> a small code -> images again (vision_lab/core/models/autoencoder.py).

Exported whole (N×C×H×W in [0, 1] -> its reconstruction, same shape and range); its halves are ``encoder`` (images ->
N×latent code) and ``decoder`` (code -> images): the TorchScript file has them as ``encode`` and ``decode`` methods,
the script as ``model.encode`` / ``model.decode``, the weights under ``encoder.*`` / ``decoder.*``; the ONNX graph
is the whole autoencoder only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.families.base import ExportSpec, Family, Knob, Metric, ScriptParts
from vision_lab.core.i18n import N_
from vision_lab.core.validate import ACTIVATIONS, check_choice, check_range, check_widths

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep

AE_VARIANTS = ("dense", "conv")


@dataclass(frozen=True)
class AutoencoderConfig:
    variant: str = "dense"
    latent_dim: int = 32
    hidden: tuple[int, ...] = (256,)
    """Dense variant: widths between the image and the latent code (mirrored in the decoder)."""
    conv_channels: tuple[int, ...] = (32, 64)
    """Conv variant: channels of the stride-2 convolutions."""
    activation: str = "relu"

    def validate(self) -> None:
        check_choice("autoencoder.variant", self.variant, AE_VARIANTS)
        check_range("autoencoder.latent_dim", self.latent_dim, 1, 4096)
        check_widths("autoencoder.hidden", self.hidden, allow_empty=True)
        check_widths("autoencoder.conv_channels", self.conv_channels, allow_empty=False, max_len=2)
        check_choice("autoencoder.activation", self.activation, ACTIVATIONS)


def _build(cfg: AutoencoderConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.autoencoder import build_autoencoder

    return {"model": build_autoencoder(cfg, image_shape)}


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(train=dataclasses.replace(cfg.train, epochs=10))


def _article(cfg: ExperimentConfig) -> ExperimentConfig:
    """784-64-784."""
    autoencoder = AutoencoderConfig(variant="dense", hidden=(), latent_dim=64)
    return cfg.replace(autoencoder=autoencoder, optim=dataclasses.replace(cfg.optim, lr=1e-3))


def _halves(module: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    return {"encode": x, "decode": module.encode(x)}


_SCRIPT = """class Autoencoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = {encoder}
        self.decoder = {decoder}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def build_model() -> nn.Module:
    return Autoencoder()
"""

_RUN = """

def run(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = model(x)
    print(f"reconstructed {len(x)} images; mean squared error {float(((out - x) ** 2).mean()):.4g}")
    return out
"""


def _script(module: nn.Module, chw: tuple[int, int, int], class_names: tuple[str, ...]) -> ScriptParts:
    from vision_lab.core.script_code import IMAGES_DEMO, layer_code

    c, h, w = chw
    latent = module.latent_dim
    return ScriptParts(
        body=_SCRIPT.format(
            encoder=layer_code(module.encoder, "        "), decoder=layer_code(module.decoder, "        ")
        ),
        doc=(
            f"Input: N×{c}×{h}×{w} images in [0, 1] (uint8 / 255). Output: their reconstructions, same shape and "
            f"range. model.encode(x) gives the N×{latent} code, model.decode(z) an image from a code."
        ),
        demo=IMAGES_DEMO + _RUN,
        constants={"LATENT_DIM": latent},
    )


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    import torch
    import torch.nn.functional as F
    from torch import nn

    n = x01[0].numel()
    net = nn.Sequential(nn.Flatten(), nn.Linear(n, 64), nn.Linear(64, n), nn.Sigmoid(), nn.Unflatten(1, x01.shape[1:]))
    opt = torch.optim.Adam(net.parameters(), 1e-3)

    def step(x: torch.Tensor, _y: torch.Tensor) -> torch.Tensor:
        loss = F.mse_loss(net(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return x01, step


def _dense(cfg: ExperimentConfig) -> bool:
    return cfg.autoencoder.variant == "dense"


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(autoencoder=AutoencoderConfig(latent_dim=2, hidden=(16,)))


FAMILY = Family(
    key="autoencoder",
    title=N_("family.autoencoder.title", "Autoencoder"),
    config=AutoencoderConfig,
    build=_build,
    task="vision_lab.core.tasks:AutoencoderTask",
    target="none",
    preview="reconstructions",
    metrics=(
        Metric("train_loss", N_("metric.train_loss", "train loss"), loss=True, color="#3d8bfd"),
        Metric("val_loss", N_("metric.val_loss", "val loss"), loss=True, epoch_only=True, color="#f59f00"),
        Metric("val_mse", N_("metric.val_mse", "val MSE"), epoch_only=True),
    ),
    plotted=("train_loss", "val_loss"),
    headline="val_mse",
    capabilities=frozenset({"reconstruct", "latent", "health"}),
    export=ExportSpec(
        modules=("model",), input_name="images", output_name="reconstructions", methods=_halves, script=_script
    ),
    knobs=(
        Knob(
            "autoencoder.latent_dim",
            N_("knob.autoencoder.latent_dim", "Latent size"),
            N_("knob.autoencoder.latent_dim.short", "latent"),
        ),
        Knob(
            "autoencoder.hidden",
            N_("knob.autoencoder.hidden", "Hidden layer widths"),
            N_("knob.autoencoder.hidden.short", "hidden"),
            applies=_dense,
        ),
        Knob(
            "autoencoder.conv_channels",
            N_("knob.autoencoder.conv_channels", "Conv channels"),
            N_("knob.autoencoder.conv_channels.short", "channels"),
            applies=lambda cfg: not _dense(cfg),
        ),
        Knob(
            "autoencoder.variant",
            N_("knob.autoencoder.variant", "Variant (dense or conv)"),
            N_("knob.autoencoder.variant.short", "variant"),
        ),
        Knob(
            "autoencoder.activation",
            N_("knob.autoencoder.activation", "Activation"),
            N_("knob.autoencoder.activation.short", "activation"),
        ),
    ),
    defaults=_defaults,
    article=_article,
    tiny=_tiny,
    bench=_bench,
)
