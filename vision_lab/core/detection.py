"""The detector's maths: CenterNet targets from boxes, its losses, decoding peaks into boxes, and its Task.

Boxes arrive as the data carries them: float32 N×K×5 rows ``(class, x0, y0, x1, y1)`` in pixels, x1/y1 exclusive,
padded with rows of class -1; class ``k`` is ``class_names[k]`` and 0 is the background (never a box), so heatmap
channel ``c`` stands for class ``c + 1``. Everything here is tensor maths on the batch: no loop over boxes, and no
scatter (whose accumulation order could differ between runs): a box reaches its cell through a one-hot product.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vision_lab.core.detection_metrics import mean_average_precision
from vision_lab.core.events import Preview
from vision_lab.core.tasks import EVAL_BATCH, Task, _images_uint8

MIN_OVERLAP = 0.7
"""CenterNet's radius rule: a centre moved by the radius still leaves a box overlapping the truth by this IoU."""
SIZE_WEIGHT = 0.1
OFFSET_WEIGHT = 1.0
"""CenterNet's loss weights: focal + 0.1 × size L1 + 1 × offset L1."""
PREVIEW_SCENES = 8


def gaussian_radius(w: torch.Tensor, h: torch.Tensor, min_overlap: float = MIN_OVERLAP) -> torch.Tensor:
    """CenterNet's ``gaussian_radius`` (cells), elementwise: the smallest of its three cases' roots, as written
    there (its ``/ 2`` where the quadratic formula has ``/ 2a`` kept, so radii match the paper's code)."""
    b1 = h + w
    c1 = w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + torch.sqrt((b1**2 - 4 * c1).clamp_min(0))) / 2
    b2 = 2 * (h + w)
    c2 = (1 - min_overlap) * w * h
    r2 = (b2 + torch.sqrt((b2**2 - 16 * c2).clamp_min(0))) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (h + w)
    c3 = (min_overlap - 1) * w * h
    r3 = (b3 + torch.sqrt((b3**2 - 4 * a3 * c3).clamp_min(0))) / 2
    return torch.minimum(torch.minimum(r1, r2), r3)


def encode(boxes: torch.Tensor, classes: int, stride: int, out_hw: tuple[int, int]) -> dict[str, torch.Tensor]:
    """Targets for one batch of N×K×5 boxes: ``heatmap`` N×classes×h×w (a gaussian at each centre cell, 1 exactly
    there, the max where a class's gaussians overlap), ``cells`` N×K×(h·w) one-hot centre cells (zero rows for
    padding), ``size`` N×K×2 (w, h in cells), ``offset`` N×K×2 (centre minus its cell), ``valid`` N×K."""
    h, w = out_hw
    cls = boxes[..., 0]
    valid = cls >= 1
    x0, y0, x1, y1 = (boxes[..., i] / stride for i in range(1, 5))
    bw, bh = (x1 - x0).clamp_min(0), (y1 - y0).clamp_min(0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ix = cx.floor().clamp(0, w - 1)
    iy = cy.floor().clamp(0, h - 1)
    radius = gaussian_radius(bw, bh).floor().clamp_min(0)
    sigma = (2 * radius + 1) / 6
    gx = torch.arange(w, device=boxes.device, dtype=boxes.dtype)
    gy = torch.arange(h, device=boxes.device, dtype=boxes.dtype)
    dx = gx.view(1, 1, 1, w) - ix[..., None, None]  # N×K×1×w
    dy = gy.view(1, 1, h, 1) - iy[..., None, None]  # N×K×h×1
    r = radius[..., None, None]
    s = sigma[..., None, None]
    inside = (dx.abs() <= r) & (dy.abs() <= r) & valid[..., None, None]
    gauss = torch.exp(-(dx**2 + dy**2) / (2 * s**2)) * inside  # N×K×h×w
    onehot = F.one_hot((cls.long() - 1).clamp(0, classes - 1), classes).to(boxes.dtype) * valid[..., None]
    heatmap = (onehot[..., None, None] * gauss[:, :, None]).amax(1)  # N×classes×h×w
    cell = (iy * w + ix).long()
    cells = (torch.arange(h * w, device=boxes.device) == cell[..., None]).to(boxes.dtype) * valid[..., None]
    return {
        "heatmap": heatmap,
        "cells": cells,
        "size": torch.stack((bw, bh), -1),
        "offset": torch.stack((cx - ix, cy - iy), -1),
        "valid": valid.to(boxes.dtype),
    }


def focal_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss (α 2, β 4), summed and divided by the number of centres (at least 1);
    ``pred`` probabilities clamped away from 0 and 1 by the model."""
    pos = target.eq(1).to(pred.dtype)
    neg = 1 - pos
    pos_loss = torch.log(pred) * (1 - pred) ** 2 * pos
    neg_loss = torch.log(1 - pred) * pred**2 * (1 - target) ** 4 * neg
    return -(pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp_min(1)


def losses(out: torch.Tensor, boxes: torch.Tensor, classes: int, stride: int) -> tuple[torch.Tensor, ...]:
    """(total, heatmap, size, offset) for the model's output N×(classes + 4)×h×w and the batch's boxes."""
    out = out.float()  # under mixed precision too: the focal loss's logarithms and the centres need fp32
    n, _, h, w = out.shape
    target = encode(boxes.float(), classes, stride, (h, w))
    heat = focal_loss(out[:, :classes], target["heatmap"])
    # Each box's size and offset predictions, read at its centre cell: N×K×4.
    at = torch.einsum("nkp,ncp->nkc", target["cells"], out[:, classes:].reshape(n, 4, h * w))
    valid = target["valid"][..., None]
    count = target["valid"].sum().clamp_min(1)
    size = (F.l1_loss(at[..., :2], target["size"], reduction="none") * valid).sum() / count
    offset = (F.l1_loss(at[..., 2:], target["offset"], reduction="none") * valid).sum() / count
    total = heat + SIZE_WEIGHT * size + OFFSET_WEIGHT * offset
    return total, heat, size, offset


def decode(out: torch.Tensor, classes: int, stride: int, max_boxes: int) -> torch.Tensor:
    """The ``max_boxes`` best peaks of each image as N×M×6 rows ``(class, score, x0, y0, x1, y1)`` in pixels, best
    first; class ``c + 1`` for heatmap channel ``c``. A peak is a cell no lower than its 3×3 neighbours (CenterNet's
    max-pool in place of non-maximum suppression); fewer peaks than ``max_boxes`` leave rows of class -1."""
    n, _, h, w = out.shape
    heat = out[:, :classes]
    peaks = heat * (F.max_pool2d(heat, 3, stride=1, padding=1) == heat)
    k = min(max_boxes, classes * h * w)
    scores, idx = peaks.reshape(n, -1).topk(k, 1)
    cls = idx // (h * w)
    cell = idx % (h * w)
    ys, xs = (cell // w).to(out.dtype), (cell % w).to(out.dtype)
    rest = out[:, classes:].reshape(n, 4, h * w)
    bw, bh, ox, oy = rest.gather(2, cell[:, None, :].expand(n, 4, k)).unbind(1)
    cx, cy = xs + ox, ys + oy
    boxes = torch.stack((cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2), -1) * stride
    label = torch.where(scores > 0, cls.to(out.dtype) + 1, torch.full_like(scores, -1.0))
    return torch.cat((label[..., None], scores[..., None], boxes), -1)


def shift_scenes(x: torch.Tensor, boxes: torch.Tensor, shift: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each scene moved by its own random offset of up to ``shift`` pixels each way, its boxes with it (clipped to
    the canvas; one moved off it entirely becomes padding). One gather from a zero-padded batch; the offsets are
    drawn on the CPU from torch's global generator, which checkpoints keep, so a resumed run draws the same."""
    n, _, h, w = x.shape
    dy = torch.randint(0, 2 * shift + 1, (n,)).to(x.device)
    dx = torch.randint(0, 2 * shift + 1, (n,)).to(x.device)
    pad = F.pad(x, (shift, shift, shift, shift))
    rows = dy[:, None, None] + torch.arange(h, device=x.device)[None, :, None]
    cols = dx[:, None, None] + torch.arange(w, device=x.device)[None, None, :]
    moved = pad[torch.arange(n, device=x.device)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)
    # Output pixel (r, c) is input pixel (r + dy - shift, c + dx - shift): a box moves by shift - d.
    mx = (shift - dx).to(boxes.dtype)[:, None]
    my = (shift - dy).to(boxes.dtype)[:, None]
    x0, x1 = (boxes[..., 1] + mx).clamp(0, w), (boxes[..., 3] + mx).clamp(0, w)
    y0, y1 = (boxes[..., 2] + my).clamp(0, h), (boxes[..., 4] + my).clamp(0, h)
    keep = (boxes[..., 0] >= 1) & (x1 > x0) & (y1 > y0)
    out = torch.stack((boxes[..., 0], x0, y0, x1, y1), -1)
    return moved, torch.where(keep[..., None], out, torch.full_like(out, -1.0))


class DetectorTask(Task):
    """CenterNet on scenes: a step is the focal, size and offset losses on a batch of boxes; an evaluation is the
    validation loss and mAP (:mod:`vision_lab.core.detection_metrics`); a preview, validation scenes with every
    top-k box and its score (the window filters by ``detector.score_threshold``) over the truth."""

    loss_names = ("train_loss", "heatmap_loss", "size_loss", "offset_loss")
    eval_names = ("val_loss", "val_map50", "val_map")
    preview_count = PREVIEW_SCENES

    @property
    def classes(self) -> int:
        """Foreground classes: the heatmap's channels (class_names[0] is the background)."""
        return max(1, self.num_classes - 1)

    @property
    def stride(self) -> int:
        return 2 ** int(self.cfg.section(self.cfg.model).depth)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        model, opt = self.modules["model"], self.optimizers["model"]
        shift = int(self.cfg.section(self.cfg.model).shift)
        if shift:
            x, y = shift_scenes(x, y, shift)
        total, heat, size, offset = losses(model(x), y, self.classes, self.stride)
        self._update(total, opt)
        return torch.stack((total, heat, size, offset)).detach().float()

    @torch.inference_mode()
    def detect(self, x: torch.Tensor) -> torch.Tensor:
        """N×max_boxes×6 detections of images ``x`` (eval mode)."""
        model = self.modules["model"]
        was = model.training
        model.eval()
        try:
            m = int(self.cfg.section(self.cfg.model).max_boxes)
            return torch.cat(
                [
                    decode(model(x[i : i + EVAL_BATCH]), self.classes, self.stride, m)
                    for i in range(0, len(x), EVAL_BATCH)
                ]
            )
        finally:
            model.train(was)

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        if not len(x):
            return {}, None
        model = self.modules["model"]
        was = model.training
        model.eval()
        m = int(self.cfg.section(self.cfg.model).max_boxes)
        loss_sum = torch.zeros((), device=self.device)
        found = []
        for i in range(0, len(x), EVAL_BATCH):
            out = model(x[i : i + EVAL_BATCH])
            loss_sum += losses(out, y[i : i + EVAL_BATCH], self.classes, self.stride)[0] * len(out)
            found.append(decode(out, self.classes, self.stride, m))
        model.train(was)
        pred = torch.cat(found).float().cpu().numpy()
        truth = y.float().cpu().numpy()
        return (
            {
                "val_loss": float(loss_sum) / len(x),
                "val_map50": mean_average_precision(pred, truth, (0.5,)),
                "val_map": mean_average_precision(pred, truth),
            },
            None,
        )

    def preview(self, step: int, epoch: int) -> Preview:
        assert self.preview_x is not None and self.preview_y is not None
        return Preview(
            step=step,
            epoch=epoch,
            kind="detections",
            images=_images_uint8(self.preview_x, *self.value_range),
            boxes=self.preview_y.float().cpu().numpy(),
            predicted_boxes=self.detect(self.preview_x).float().cpu().numpy(),
            class_names=self.class_names,
            from_training=self.preview_from_training,
        )
