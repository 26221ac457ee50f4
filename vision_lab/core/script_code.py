"""Plain-PyTorch source for a standalone script export: modules as the constructor calls that rebuild them.

The families' script parts (``Family.export.script``) are written with these; :mod:`vision_lab.core.export`
puts them in its template and checks the result against PyTorch.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from vision_lab.core.errors import ExportError


def layer_code(module: nn.Module, indent: str) -> str:
    """``module`` as the constructor call that rebuilds it, with arguments PyTorch has taken for years (the
    script may meet an older PyTorch than the one that wrote it)."""
    m, kind = module, type(module).__name__
    if isinstance(m, nn.Sequential):
        inner = indent + "    "
        children = "".join(f"{inner}{layer_code(child, inner)},\n" for child in m)
        return f"nn.Sequential(\n{children}{indent})"
    if isinstance(m, nn.Linear):
        return f"nn.Linear({m.in_features}, {m.out_features}, bias={m.bias is not None})"
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d) and m.groups == 1 and set(m.dilation) == {1}:
        transposed = isinstance(m, nn.ConvTranspose2d)
        extra = f", output_padding={_pair(m.output_padding)}" if transposed else ""
        # PyTorch's own class: our subclasses compute the same layer (models/spectral.py, models/thin.py).
        kind = "ConvTranspose2d" if transposed else "Conv2d"
        return (
            f"nn.{kind}({m.in_channels}, {m.out_channels}, kernel_size={_pair(m.kernel_size)}, "
            f"stride={_pair(m.stride)}, padding={_pair(m.padding)}{extra}, bias={m.bias is not None})"
        )
    if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d) and m.affine and m.track_running_stats:
        return f"nn.{kind}({m.num_features}, eps={m.eps!r}, momentum={m.momentum!r})"
    if isinstance(m, nn.MaxPool2d) and m.dilation == 1 and not m.ceil_mode:
        return f"nn.MaxPool2d({m.kernel_size!r}, stride={m.stride!r}, padding={m.padding!r})"
    if isinstance(m, nn.Dropout | nn.Dropout2d):  # our faster training Dropout is nn.Dropout at inference
        return f"nn.{'Dropout2d' if isinstance(m, nn.Dropout2d) else 'Dropout'}(p={m.p!r})"
    if isinstance(m, nn.Flatten):
        return f"nn.Flatten({m.start_dim}, {m.end_dim})"
    if isinstance(m, nn.Unflatten):
        return f"nn.Unflatten({m.dim}, {tuple(m.unflattened_size)!r})"
    if isinstance(m, nn.LeakyReLU):
        return f"nn.LeakyReLU({m.negative_slope!r})"
    if isinstance(m, nn.GELU):
        return f"nn.GELU(approximate={m.approximate!r})"
    if type(m) in (nn.ReLU, nn.Tanh, nn.Sigmoid):
        return f"nn.{kind}()"
    raise ExportError(f"A {kind} layer cannot be written as a standalone script yet.")


def _pair(value: Any) -> str:
    """``(3, 3)`` as ``3``: shorter lines in the script."""
    return repr(value[0]) if isinstance(value, tuple) and len(set(value)) == 1 else repr(value)


IMAGES_DEMO = """
def demo_batch(n: int, seed: int) -> torch.Tensor:
    lo, hi = VALUE_RANGE
    return lo + (hi - lo) * torch.rand(n, *IMAGE_SHAPE, generator=torch.Generator().manual_seed(seed))
"""
"""A script's demo batch for a model that takes images (a family's ``ScriptParts.demo`` starts with it)."""
