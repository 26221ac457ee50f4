"""Semantic segmentation: the segmenter's step (cross-entropy per pixel, plus a weight of soft Dice), its
evaluation (mIoU and pixel accuracy from one pixel confusion matrix over the whole validation set) and its preview
(image, prediction and truth masks).

The metric functions take a K×K confusion (rows: the true class, columns: the predicted one, counts of pixels):
IoU_k = TP / (TP + FP + FN), and the mean runs over the classes present in the truth or the prediction (a class
neither has is not a success or a failure, so it is left out rather than counted as 0 or 1).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vision_lab.core.events import Preview
from vision_lab.core.scene_scores import mean_iou, per_class_iou, pixel_accuracy
from vision_lab.core.tasks import Task, _images_uint8

EVAL_BATCH = 200
"""Validation scenes per forward pass: 200 64×64 maps of 11 logits are 36 MB of float32."""
DICE_SMOOTH = 1.0
"""Added to the Dice numerator and denominator: a class absent from a batch and not predicted scores 1, not 0/0."""


def confusion_matrix(truth: torch.Tensor, pred: torch.Tensor, k: int) -> torch.Tensor:
    """K×K pixel counts (int64, on the tensors' device): rows the true class, columns the predicted one."""
    return torch.bincount(truth.reshape(-1).long() * k + pred.reshape(-1).long(), minlength=k * k).reshape(k, k)


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - the soft Dice score, averaged over the classes (each class counts alike, whatever its pixel share)."""
    inter, sums = dice_sums(logits, target)
    return 1.0 - ((2 * inter + DICE_SMOOTH) / (sums + DICE_SMOOTH)).mean()


def dice_sums(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per class: sum of probability × truth, and sum of probability + truth (over the batch and the pixels)."""
    probs = logits.float().softmax(1)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).to(probs.dtype)
    return (probs * onehot).sum((0, 2, 3)), probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))


class SegmenterTask(Task):
    """``y`` is the masks (uint8 N×H×W, class index per pixel, 0 the background), widened per batch."""

    loss_names = ("train_loss",)
    eval_names = ("val_loss", "val_miou", "val_pixel_accuracy")
    preview_count = 8

    @property
    def dice(self) -> float:
        return float(self.cfg.section(self.cfg.model).dice)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        model, opt = self.modules["model"], self.optimizers["model"]
        target = y.long()
        logits = model(x)
        loss = F.cross_entropy(logits.float(), target)
        if self.dice > 0:
            loss = loss + self.dice * dice_loss(logits, target)
        self._update(loss, opt)
        return loss.detach().reshape(1)

    @torch.inference_mode()
    def predict_masks(self, x: torch.Tensor) -> torch.Tensor:
        """Each pixel's class (uint8 N×H×W), the model in eval mode."""
        model = self.modules["model"]
        was = model.training
        model.eval()
        try:
            return torch.cat(
                [model(x[i : i + EVAL_BATCH]).argmax(1).to(torch.uint8) for i in range(0, len(x), EVAL_BATCH)]
            )
        finally:
            model.train(was)

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        """val_loss (the training objective over the whole validation set), val_miou, val_pixel_accuracy, and each
        class's IoU as ``val_iou_<k>`` (k its index in the class names; classes neither in the truth nor in the
        prediction have none). The K×K pixel confusion goes with them."""
        if not len(x):
            return {}, None
        model = self.modules["model"]
        was = model.training
        model.eval()
        k = self.num_classes
        ce_sum = torch.zeros((), device=self.device, dtype=torch.float64)
        confusion = torch.zeros(k, k, dtype=torch.int64, device=self.device)
        inter = torch.zeros(k, device=self.device, dtype=torch.float64)
        sums = torch.zeros(k, device=self.device, dtype=torch.float64)
        for i in range(0, len(x), EVAL_BATCH):
            target = y[i : i + EVAL_BATCH].long()
            logits = model(x[i : i + EVAL_BATCH]).float()
            ce_sum += F.cross_entropy(logits, target, reduction="sum")
            confusion += confusion_matrix(target, logits.argmax(1), k)
            if self.dice > 0:
                a, b = dice_sums(logits, target)
                inter += a
                sums += b
        model.train(was)
        loss = float(ce_sum) / y.numel()
        if self.dice > 0:
            loss += self.dice * float(1.0 - ((2 * inter + DICE_SMOOTH) / (sums + DICE_SMOOTH)).mean())
        matrix = confusion.cpu().numpy()
        values = {"val_loss": loss, "val_miou": mean_iou(matrix), "val_pixel_accuracy": pixel_accuracy(matrix)}
        values.update({f"val_iou_{c}": float(v) for c, v in enumerate(per_class_iou(matrix)) if not np.isnan(v)})
        return values, matrix

    def preview(self, step: int, epoch: int) -> Preview:
        assert self.preview_x is not None and self.preview_y is not None
        return Preview(
            step=step,
            epoch=epoch,
            kind="segmentation",
            images=_images_uint8(self.preview_x, *self.value_range),
            masks=self.preview_y.to(torch.uint8).cpu().numpy(),
            predicted_masks=self.predict_masks(self.preview_x).cpu().numpy(),
            class_names=self.class_names,
            from_training=self.preview_from_training,
        )
