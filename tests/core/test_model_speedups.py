"""The engine's speed-ups compute what the plain formulation computes (vision_lab/bench/PERFORMANCE.md, section 6)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vision_lab.core.config import default_config
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.inspect import ACTIVATIONS, Inspector, _normalise
from vision_lab.core.models.cnn import build_cnn
from vision_lab.core.models.spectral import SpectralConvTranspose2d
from vision_lab.core.models.thin import ThinConv2d, ThinConvTranspose2d
from vision_lab.core.tasks import make_task


def _plain_order(net: nn.Sequential) -> nn.Sequential:
    """The same layers (shared weights), each pool moved back behind the activation that follows it."""
    layers = list(net)
    for i in range(len(layers) - 1):
        if isinstance(layers[i], nn.MaxPool2d) and isinstance(layers[i + 1], ACTIVATIONS):
            layers[i], layers[i + 1] = layers[i + 1], layers[i]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_pool_before_a_monotone_activation_gives_the_same_outputs_and_gradients(act: str) -> None:
    torch.manual_seed(0)
    cfg = CNNConfig(
        blocks=(ConvBlock(8, kernel=3, batch_norm=True), ConvBlock(6, kernel=3)),
        dense=(16,),
        activation=act,
        dropout=0.0,
    )
    net = build_cnn(cfg, (28, 28, 1), 10)
    kinds = [type(m).__name__ for m in net]
    assert kinds[:4] == ["Conv2d", "BatchNorm2d", "MaxPool2d", type(net[3]).__name__] and kinds[3] != "MaxPool2d"
    plain = _plain_order(copy.deepcopy(net))
    x = torch.randn(16, 1, 28, 28)
    y = torch.randint(0, 10, (16,))
    out, ref = net(x), plain(x)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-6)
    F.cross_entropy(out, y).backward()
    F.cross_entropy(ref, y).backward()
    for (name, p), q in zip(net.named_parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-6, msg=name)
    # Old runs' weights load: the reorder moves no parameter or buffer.
    assert list(net.state_dict()) == list(plain.state_dict())


def test_gelu_is_not_reordered() -> None:
    """GELU is not monotone (it dips below zero), so max-pooling first would change the outputs."""
    net = build_cnn(CNNConfig(blocks=(ConvBlock(4, kernel=3),), dense=(), activation="gelu"), (28, 28, 1), 10)
    assert [type(m).__name__ for m in net][:3] == ["Conv2d", "GELU", "MaxPool2d"]


def test_feature_maps_still_show_the_activation_at_full_size() -> None:
    cfg = dataclasses.replace(default_config("cnn"), cnn=CNNConfig(blocks=(ConvBlock(4, kernel=3, padding="valid"),)))
    inspector = Inspector(cfg, (28, 28, 1), tuple("0123456789"))
    model = inspector.task.modules["model"]
    assert any(
        isinstance(a, nn.MaxPool2d) and isinstance(b, nn.ReLU) for a, b in zip(model, list(model)[1:], strict=False)
    )
    image = np.random.default_rng(0).integers(0, 256, (28, 28, 1), dtype=np.uint8)
    ((_, maps),) = inspector.feature_maps(image)
    with torch.no_grad():
        expected = torch.relu(model[0](inspector._single(image)))[0].numpy()
    np.testing.assert_allclose(maps, _normalise(expected, (1, 2)), atol=1e-6)
    assert maps.shape == (4, 26, 26)


def _gan_task(update: str):  # type: ignore[no-untyped-def]
    cfg = dataclasses.replace(
        default_config("gan"), gan=GANConfig(g_width=16, d_width=8, ema=0.0, d_dropout=0.0, update=update)
    )
    return make_task(cfg, (28, 28, 1), tuple("0123456789"), torch.device("cpu"))


def test_simultaneous_update_is_each_loss_differentiated_for_its_own_model() -> None:
    torch.manual_seed(1)
    task = _gan_task("simultaneous")
    g, d = task.modules["generator"], task.modules["discriminator"]
    g0, d0 = copy.deepcopy(g), copy.deepcopy(d)
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    torch.manual_seed(5)
    losses = task.train_step(x, torch.zeros(8, dtype=torch.long), 0)

    # The reference, written out: both gradients at the same (pre-step) weights, then one Adam step each.
    torch.manual_seed(5)
    fake = g0(torch.randn(8, task.cfg.gan.latent_dim))
    d_fake = d0(fake)
    d_loss = F.binary_cross_entropy_with_logits(d0(x), torch.ones(8)) + F.binary_cross_entropy_with_logits(
        d_fake, torch.zeros(8)
    )
    g_loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones(8))
    d_grads = torch.autograd.grad(d_loss, list(d0.parameters()), retain_graph=True)
    g_grads = torch.autograd.grad(g_loss, list(g0.parameters()))
    for module, grads in ((d0, d_grads), (g0, g_grads)):
        params = list(module.parameters())
        for p, grad in zip(params, grads, strict=True):
            p.grad = grad
        torch.optim.Adam(params, task.cfg.optim.lr, betas=(task.cfg.optim.beta1, task.cfg.optim.beta2)).step()
    torch.testing.assert_close(losses, torch.stack((d_loss, g_loss)).detach(), rtol=1e-6, atol=1e-6)
    for a, b in ((d, d0), (g, g0)):
        for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=name)


def test_the_two_updates_differ_only_in_what_g_trains_against() -> None:
    """Same seed, same batch: D's step is the same either way; G's differs (it saw D before or after its step)."""
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    after = {}
    for update in ("alternating", "simultaneous"):
        torch.manual_seed(1)
        task = _gan_task(update)
        torch.manual_seed(5)
        task.train_step(x, torch.zeros(8, dtype=torch.long), 0)
        after[update] = task
    for name in ("discriminator", "generator"):
        pairs = zip(
            after["alternating"].modules[name].parameters(),
            after["simultaneous"].modules[name].parameters(),
            strict=True,
        )
        same = all(torch.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in pairs)
        assert same == (name == "discriminator"), name


def test_cnn_maps_are_channels_last_and_its_weights_save_and_load(tmp_path) -> None:
    from safetensors.torch import load_file

    from vision_lab.core.runs import save_weights

    torch.manual_seed(0)
    cfg = CNNConfig(blocks=(ConvBlock(8), ConvBlock(8)), dense=(16,), dropout=0.0)
    net = build_cnn(cfg, (32, 32, 3), 10)
    x = torch.rand(4, 3, 32, 32)
    assert net[0](x).is_contiguous(memory_format=torch.channels_last)
    assert not net[0].weight.is_contiguous()  # three input channels: NHWC weights are not NCHW-contiguous
    save_weights(tmp_path / "w.safetensors", {"model": net})
    fresh = build_cnn(cfg, (32, 32, 3), 10)
    fresh.load_state_dict({k.removeprefix("model."): v for k, v in load_file(tmp_path / "w.safetensors").items()})
    torch.testing.assert_close(fresh.eval()(x), net.eval()(x), rtol=0, atol=0)


@pytest.mark.parametrize(
    ("make", "shape", "own_op"),
    [
        (lambda: SpectralConvTranspose2d(16, 8, 5, 1, 2), (2, 16, 7, 7), "aten::bmm"),
        (lambda: ThinConvTranspose2d(8, 1, 5, 2, 2, 1), (2, 8, 14, 14), "col2im"),
        (lambda: ThinConv2d(1, 8, 5, 2, 2), (2, 1, 28, 28), "im2col"),
    ],
    ids=["spectral", "thin-transposed", "thin"],
)
def test_tracing_records_pytorchs_convolution_for_torchscript_and_onnx(make, shape, own_op: str) -> None:
    """Exports trace the model: they must record PyTorch's convolution, not our formulation of it."""
    torch.manual_seed(0)
    layer = make()
    plain = (nn.ConvTranspose2d if isinstance(layer, nn.ConvTranspose2d) else nn.Conv2d)(
        layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
        *((layer.output_padding,) if isinstance(layer, nn.ConvTranspose2d) else ()),
    )  # fmt: skip
    plain.load_state_dict(layer.state_dict())
    x = torch.randn(*shape, requires_grad=True)  # an input gradient: the case ThinConv2d takes over
    traced = torch.jit.trace(layer, x)
    graph = str(traced.graph)
    assert "aten::_convolution" in graph and own_op not in graph
    torch.testing.assert_close(traced(x), plain(x))


def test_layer_tables_name_the_layers_the_user_built() -> None:
    from vision_lab.core.config import default_config
    from vision_lab.core.models import build_models, layer_table

    cfg = default_config("gan")
    models = build_models(cfg, (28, 28, 1), 10)
    kinds = {r.kind for r in layer_table(models["generator"], (cfg.gan.latent_dim,))}
    kinds |= {r.kind for r in layer_table(models["discriminator"], (1, 28, 28))}
    assert "ConvTranspose2d" in kinds and "Conv2d" in kinds
    assert not any(k.startswith(("Spectral", "Thin")) for k in kinds), kinds
