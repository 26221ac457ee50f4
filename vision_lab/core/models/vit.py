"""A Vision Transformer classifier small enough to train on a laptop, whose attention can be read.

image -> non-overlapping P×P patches -> linear embedding (a P×P convolution of stride P) -> [class token; patches]
+ learned positions -> depth × pre-norm encoder block -> LayerNorm -> the class token's row -> linear -> logits.

A block: x + Attention(LayerNorm(x)), then x + MLP(LayerNorm(x)). Attention is written out,
softmax(Q·Kᵀ/√d)·V per head, so that the Inspect view reads the very weights the model used: with
``keep_attention`` set, each block stores its last attention tensor (batch × heads × tokens × tokens). Training
takes PyTorch's fused ``scaled_dot_product_attention`` (the same function, without materialising the matrix).

The classes below use plain PyTorch only (no Vision Lab import): the standalone script export copies their
source as it is (vision_lab/core/families/vit.py).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head self-attention: one linear layer makes Q, K and V, another mixes the heads' outputs."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.dropout = dropout
        self.keep_attention = False
        self.attention: torch.Tensor | None = None
        """batch × heads × tokens × tokens, the softmax of the last forward pass (only with keep_attention)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each b × heads × n × head_dim
        p = self.dropout if self.training else 0.0
        if self.keep_attention or not self.training:
            # Written out: the Inspect view reads `attention`, and exported graphs need no fused op.
            attn = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim), dim=-1)
            if self.keep_attention:
                self.attention = attn.detach()
            out = F.dropout(attn, p, self.training) @ v
        else:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    """Pre-norm transformer encoder block."""

    def __init__(self, width: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        hidden = max(1, round(width * mlp_ratio))
        self.norm1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads, dropout)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, width), nn.Dropout(dropout)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int,
        patch: int = 7,
        width: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: float = 2.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        h, w, c = image_shape
        self.patch = patch
        self.grid = (h // patch, w // patch)
        tokens = self.grid[0] * self.grid[1] + 1
        self.patch_embed = nn.Conv2d(c, width, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, width))
        self.pos_drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*(Block(width, heads, mlp_ratio, dropout) for _ in range(depth)))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, num_classes)
        with torch.no_grad():  # learned, but started from 2-D sine waves: ~5 points of accuracy on 4,500 digits
            self.pos_embed[0, 1:] = sincos_2d(self.grid, width)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's input: class token and patch embeddings, positions added (batch × tokens × width)."""
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        # x.shape[0], not len(x): a traced len() is a constant, and the export would keep one batch size only.
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        return self.pos_drop(torch.cat([cls, x], dim=1) + self.pos_embed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.tokens(x))
        return self.head(self.norm(x[:, 0]))


def sincos_2d(grid: tuple[int, int], width: int) -> torch.Tensor:
    """Patch positions as sines and cosines of the row and the column at several frequencies (tokens × width).

    A learner's ViT sees a few thousand images: starting the learned positions from where each patch is, rather
    than from noise, shortens the slow first epochs in which a transformer finds out which patches are neighbours.
    """
    gh, gw = grid
    ys, xs = torch.meshgrid(torch.arange(gh, dtype=torch.float32), torch.arange(gw, dtype=torch.float32), indexing="ij")
    quarter = max(1, width // 4)
    omega = 1.0 / (100.0 ** (torch.arange(quarter, dtype=torch.float32) / quarter))
    y, x = ys.flatten()[:, None] * omega, xs.flatten()[:, None] * omega
    table = torch.cat([torch.sin(y), torch.cos(y), torch.sin(x), torch.cos(x)], dim=1)
    out = torch.zeros(gh * gw, width)
    out[:, : min(width, table.shape[1])] = table[:, :width]
    return out


# --- reading the attention (the Inspect view; not part of the exported script) ---------------------------------
@torch.no_grad()
def attention_maps(model: VisionTransformer, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(logits, per block the attention batch × heads × tokens × tokens) for ``x``, in eval mode."""
    was = model.training
    model.eval()
    layers: list[Attention] = [block.attn for block in model.blocks]  # type: ignore[union-attr]
    try:
        for layer in layers:
            layer.keep_attention = True
        logits = model(x)
        maps = [layer.attention for layer in layers]
    finally:
        for layer in layers:
            layer.keep_attention = False
            layer.attention = None
        model.train(was)
    return logits, [m for m in maps if m is not None]


def attention_rollout(maps: list[torch.Tensor]) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema, 2020): heads averaged, the residual added as identity, rows
    renormalised, multiplied through the layers. Returns batch × tokens × tokens: row 0 is how much the class
    token's output draws on each input token."""
    if not maps:
        raise ValueError("no attention maps")
    b, _, n, _ = maps[0].shape
    eye = torch.eye(n, device=maps[0].device).expand(b, n, n)
    rollout = eye
    for attn in maps:
        a = attn.mean(1) + eye
        a = a / a.sum(-1, keepdim=True)
        rollout = a @ rollout
    return rollout
