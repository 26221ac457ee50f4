"""The segmenter's own parts: its metrics against hand-computed cases, its U-Net's shapes, its one-sentence refusals,
and a short training on mnist-scenes that learns. (Training, resuming, forking and exporting are tested for every
family in tests/core/test_every_family.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vision_lab.core.config import apply_overrides, default_config, with_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.families import segmenter
from vision_lab.core.models.unet import UNet
from vision_lab.core.run_data import RunData, prepare_dataset
from vision_lab.core.segmentation import (
    SegmenterTask,
    confusion_matrix,
    dice_loss,
    mean_iou,
    per_class_iou,
    pixel_accuracy,
)
from vision_lab.core.tasks import make_task

CPU = torch.device("cpu")


def _confusion(truth: list[int], pred: list[int], k: int) -> np.ndarray:
    return confusion_matrix(torch.tensor(truth), torch.tensor(pred), k).numpy()


def test_two_classes_by_hand() -> None:
    # truth 0 0 1 1, prediction 0 1 1 1: class 0 has TP 1, FN 1 (its pixel called 1), FP 0 -> 1/2;
    # class 1 has TP 2, FP 1, FN 0 -> 2/3.
    m = _confusion([0, 0, 1, 1], [0, 1, 1, 1], 2)
    assert m.tolist() == [[1, 1], [0, 2]]
    np.testing.assert_allclose(per_class_iou(m), [1 / 2, 2 / 3])
    assert mean_iou(m) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert pixel_accuracy(m) == pytest.approx(3 / 4)


def test_three_classes_by_hand() -> None:
    # class 0: TP 2, FN 1 (called 2), FP 1 (a 1 called 0)  -> 2/4
    # class 1: TP 1, FN 1 (called 0), FP 1 (a 2 called 1)  -> 1/3
    # class 2: TP 2, FN 1 (called 1), FP 1 (a 0 called 2)  -> 2/4
    m = _confusion([0, 0, 0, 1, 1, 2, 2, 2], [0, 0, 2, 1, 0, 2, 2, 1], 3)
    np.testing.assert_allclose(per_class_iou(m), [1 / 2, 1 / 3, 1 / 2])
    assert mean_iou(m) == pytest.approx(4 / 9)
    assert pixel_accuracy(m) == pytest.approx(5 / 8)


def test_a_class_in_neither_truth_nor_prediction_is_left_out_and_a_predicted_one_counts() -> None:
    # Class 1 appears nowhere: no IoU. Class 2 is predicted but never true: IoU 0, and it pulls the mean down.
    m = _confusion([0, 0], [0, 2], 3)
    iou = per_class_iou(m)
    assert iou[0] == pytest.approx(1 / 2) and np.isnan(iou[1]) and iou[2] == 0.0
    assert mean_iou(m) == pytest.approx(1 / 4)
    assert mean_iou(np.zeros((3, 3))) == 0.0 and pixel_accuracy(np.zeros((3, 3))) == 0.0


def test_dice_loss_is_zero_for_a_sure_right_answer_and_high_for_a_sure_wrong_one() -> None:
    target = torch.tensor([[[0, 1], [2, 2]]])
    right = 50.0 * torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float()
    assert float(dice_loss(right, target)) == pytest.approx(0.0, abs=1e-6)
    wrong = right.roll(1, dims=1)
    assert float(dice_loss(wrong, target)) > 0.5


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("depth", "h", "w"), [(2, 64, 64), (3, 64, 64), (4, 64, 64), (5, 64, 64), (4, 32, 48)])
def test_the_unet_gives_logits_per_pixel(depth: int, h: int, w: int) -> None:
    for batch_norm, dilation in ((True, True), (False, False)):
        net = UNet(1, 11, depth, 4, batch_norm, dilation).eval()
        assert net(torch.rand(2, 1, h, w)).shape == (2, 11, h, w)
    scripted = torch.jit.script(net)
    x = torch.rand(1, 1, h, w)
    torch.testing.assert_close(scripted(x), net(x))


def test_images_that_do_not_halve_often_enough_get_one_sentence() -> None:
    cfg = default_config("segmenter")
    fit = segmenter.FAMILY.check_fit
    assert fit is not None
    fit(cfg, (64, 64, 1))
    with pytest.raises(ConfigError, match=r"depth 4 halves the images 4 times.*multiples of 16.*36×36.*depth 2") as e:
        fit(cfg, (36, 36, 1))
    assert e.value.key == "segmenter.depth" and "\n" not in str(e.value)
    with pytest.raises(ConfigError, match=r"are 30×30: use images whose sides are multiples of 4"):
        fit(with_overrides(cfg, **{"segmenter.depth": 2}), (30, 30, 1))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("segmenter.depth", 6, r"segmenter\.depth must be between 2 and 5, got 6\."),
        ("segmenter.depth", 1, r"segmenter\.depth must be between 2 and 5, got 1\."),
        ("segmenter.width", 1, r"segmenter\.width must be between 2 and 256, got 1\."),
        ("segmenter.dice", -0.5, r"segmenter\.dice must be between 0 and 10, got -0\.5\."),
    ],
)
def test_settings_out_of_range_get_one_sentence_naming_them(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_overrides(default_config("segmenter"), {key: value})


def test_defaults_train_on_scenes_and_tiny_stays_tiny() -> None:
    cfg = default_config("segmenter")
    assert cfg.data.name == "mnist-scenes" and cfg.train.augment_shift == 0
    tiny = segmenter.FAMILY.tiny(cfg)  # type: ignore[misc]
    assert tiny.data.count is not None and tiny.data.count <= 128 and tiny.segmenter.width <= 8


def _scenes_task(**dotted: object) -> tuple[SegmenterTask, RunData]:
    cfg = with_overrides(
        default_config("segmenter"),
        **{"data.count": 160, "data.image_size": 32, "segmenter.depth": 3, "segmenter.width": 8, **dotted},
    )
    ds = prepare_dataset(cfg)
    torch.manual_seed(0)
    task = make_task(cfg, ds.image_shape, ds.class_names, CPU)
    assert isinstance(task, SegmenterTask)
    return task, RunData(ds, task.value_range, CPU, seed=0, target="mask")


def test_a_few_dozen_steps_on_mnist_scenes_lower_the_loss() -> None:
    task, data = _scenes_task()
    assert data.train_y.dtype == torch.uint8 and data.train_y.shape[1:] == (32, 32)
    losses = []
    for epoch in range(3):
        order = data.epoch_order(epoch)
        for i in range(0, len(order) - 15, 16):
            x, y = data.batch(order[i : i + 16])
            losses.append(float(task.train_step(x, y, len(losses))[0]))
    assert len(losses) == 30
    assert np.mean(losses[-5:]) < 0.85 * np.mean(losses[:5]), losses
    values, confusion = task.evaluate(data.val_x, data.val_y)
    assert confusion is not None and confusion.shape == (11, 11) and confusion.sum() == data.val_y.numel()
    assert values["val_miou"] == pytest.approx(mean_iou(confusion))
    assert values["val_pixel_accuracy"] == pytest.approx(pixel_accuracy(confusion))
    iou = per_class_iou(confusion)
    assert {k for k in values if k.startswith("val_iou_")} == {f"val_iou_{c}" for c in np.flatnonzero(~np.isnan(iou))}


def test_the_preview_shows_image_prediction_and_truth() -> None:
    task, data = _scenes_task()
    x, y, _ = data.preview_batch(task.preview_count or 8)
    task.set_preview_batch(x, y)
    p = task.preview(step=0, epoch=0)
    assert p.kind == "segmentation" and p.images.shape == (8, 32, 32, 1)
    assert p.masks is not None and p.predicted_masks is not None
    assert p.masks.dtype == p.predicted_masks.dtype == np.uint8 and p.masks.shape == p.predicted_masks.shape == (
        8,
        32,
        32,
    )
    assert np.array_equal(p.masks, y.numpy()) and len(p.class_names) == 11
