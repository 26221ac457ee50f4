"""The detector's own checks: its targets are CenterNet's, decoding inverts them, its previews are what the window
draws, and settings that cannot work are refused in one sentence naming the setting. Training, resuming, forking,
exporting and opening in the window are every family's tests (tests/every_family.py); mAP's hand-computed cases are
tests/core/test_detection_metrics.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vision_lab.core.config import default_config
from vision_lab.core.detection import decode, encode, focal_loss, gaussian_radius, losses, shift_scenes
from vision_lab.core.detection_metrics import mean_average_precision
from vision_lab.core.errors import ConfigError
from vision_lab.core.families.detector import FAMILY
from vision_lab.core.tasks import make_task

CLASSES = 10
STRIDE = 4
HW = (16, 16)
NAMES = ("background", *(str(i) for i in range(10)))


def _boxes() -> torch.Tensor:
    """Two scenes: a '3' and a '7'; and one '0' with a padding row."""
    return torch.tensor(
        [
            [[4, 6.0, 8.0, 26.0, 32.0], [8, 33.0, 30.0, 51.0, 57.0]],
            [[1, 10.0, 10.0, 30.0, 38.0], [-1, -1.0, -1.0, -1.0, -1.0]],
        ]
    )


def _centernet_radius(h: float, w: float, min_overlap: float = 0.7) -> float:
    """CenterNet's own gaussian_radius (src/lib/utils/image.py), scalar, as published."""
    b1, c1 = h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1**2 - 4 * c1)) / 2
    b2, c2 = 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 + math.sqrt(b2**2 - 4 * 4 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + math.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def test_radius_is_centernets() -> None:
    w, h = torch.tensor([5.0, 1.0, 7.25]), torch.tensor([6.0, 3.0, 2.5])
    expected = [_centernet_radius(float(b), float(a)) for a, b in zip(w, h, strict=True)]
    np.testing.assert_allclose(gaussian_radius(w, h).numpy(), expected, rtol=1e-6)


def test_heatmap_targets_peak_at_each_centre_in_its_class_channel() -> None:
    t = encode(_boxes(), CLASSES, STRIDE, HW)
    heat = t["heatmap"]
    assert heat.shape == (2, CLASSES, *HW)
    # The '3' (class 4, channel 3): centre (16, 20) px -> cell x 4, y 5, offset (0, 0); 5×6 cells.
    assert heat[0, 3, 5, 4] == 1.0 and t["offset"][0, 0].tolist() == [0.0, 0.0]
    assert t["size"][0, 0].tolist() == [5.0, 6.0]
    # The '7' (class 8): centre (42, 43.5) px = (10.5, 10.875) cells -> cell (10, 10), offset (.5, .875).
    assert heat[0, 7, 10, 10] == 1.0
    np.testing.assert_allclose(t["offset"][0, 1].numpy(), [0.5, 0.875])
    # One peak of 1 per box, nothing in the other channels, nothing for the padding row.
    assert int((heat == 1).sum()) == 3
    assert heat[0, [i for i in range(CLASSES) if i not in (3, 7)]].abs().sum() == 0
    assert t["valid"].tolist() == [[1.0, 1.0], [1.0, 0.0]] and t["cells"][1, 1].abs().sum() == 0
    # Beside the centre: exp(-1 / (2 σ²)), σ = (2r + 1) / 6 with r = floor(CenterNet's radius of 5×6 cells).
    r = math.floor(_centernet_radius(6.0, 5.0))
    sigma = (2 * r + 1) / 6
    assert float(heat[0, 3, 5, 5]) == pytest.approx(math.exp(-1 / (2 * sigma**2)) if r >= 1 else 0.0)


def test_targets_are_the_same_every_time_and_batch_independent() -> None:
    boxes = _boxes()
    a, b = encode(boxes, CLASSES, STRIDE, HW), encode(boxes, CLASSES, STRIDE, HW)
    assert all(torch.equal(a[k], b[k]) for k in a)
    alone = encode(boxes[1:], CLASSES, STRIDE, HW)
    assert torch.equal(alone["heatmap"][0], a["heatmap"][1])


def _perfect_output(boxes: torch.Tensor) -> torch.Tensor:
    """The head maps a perfect model would give: the target heatmaps, each box's size and offset at its cell."""
    t = encode(boxes, CLASSES, STRIDE, HW)
    n = len(boxes)
    rest = torch.einsum("nkp,nkc->ncp", t["cells"], torch.cat((t["size"], t["offset"]), -1))
    heat = t["heatmap"].clamp(1e-4, 1 - 1e-4)
    return torch.cat((heat, rest.reshape(n, 4, *HW)), 1)


def test_decoding_a_perfect_output_gives_back_the_boxes() -> None:
    boxes = _boxes()
    found = decode(_perfect_output(boxes), CLASSES, STRIDE, max_boxes=5)
    assert found.shape == (2, 5, 6)
    assert (found[:, :-1, 1] >= found[:, 1:, 1]).all()  # best first
    for i, scene in enumerate(boxes):
        truth = scene[scene[:, 0] >= 0]
        top = found[i, : len(truth)]
        assert torch.allclose(top[:, 1], torch.full((len(truth),), 1 - 1e-4))
        got = sorted(top[:, [0, 2, 3, 4, 5]].tolist())
        np.testing.assert_allclose(got, sorted(truth.tolist()), atol=1e-4)
    assert mean_average_precision(found.numpy(), boxes.numpy()) == 1.0


def test_fewer_peaks_than_max_boxes_leave_padding_rows() -> None:
    out = torch.full((1, CLASSES + 4, 4, 4), 0.0)
    out[0, 2, 1, 1] = 0.8
    found = decode(out, CLASSES, STRIDE, max_boxes=3)
    assert found[0, 0, :2].tolist() == pytest.approx([3.0, 0.8]) and found[0, 1:, 0].tolist() == [-1.0, -1.0]


def test_focal_loss_by_hand() -> None:
    # One centre predicted at .5, one background cell at .2 whose target is .5: -(log .5 · .5²) / 1 for the centre,
    # -(log .8 · .2² · (1 - .5)⁴) for the other cell.
    pred = torch.tensor([0.5, 0.2])
    target = torch.tensor([1.0, 0.5])
    expected = -(math.log(0.5) * 0.25 + math.log(0.8) * 0.04 * 0.0625)
    assert float(focal_loss(pred, target)) == pytest.approx(expected)


def test_losses_of_a_perfect_output_are_small() -> None:
    boxes = _boxes()
    total, heat, size, offset = losses(_perfect_output(boxes), boxes, CLASSES, STRIDE)
    assert float(size) == pytest.approx(0.0, abs=1e-6) and float(offset) == pytest.approx(0.0, abs=1e-6)
    assert 0 <= float(heat) < 0.01 and float(total) == pytest.approx(float(heat), abs=1e-6)


def test_the_preview_is_eight_scenes_with_every_top_box() -> None:
    cfg = FAMILY.tiny(default_config("detector"))
    task = make_task(cfg, (64, 64, 1), NAMES, torch.device("cpu"))
    x = torch.rand(8, 1, 64, 64)
    y = torch.cat([_boxes(), torch.full((6, 2, 5), -1.0)])
    task.set_preview_batch(x, y)
    p = task.preview(step=3, epoch=0)
    assert task.preview_count == 8 and p.kind == "detections"
    assert p.images.shape == (8, 64, 64, 1) and p.boxes.shape == (8, 2, 5)
    assert p.predicted_boxes.shape == (8, cfg.detector.max_boxes, 6) and p.predicted_boxes.dtype == np.float32
    scores = p.predicted_boxes[..., 1]
    assert (np.diff(scores, axis=1) <= 0).all() and ((scores > 0) & (scores < 1)).all()
    figures, _ = task.evaluate(x, y)
    assert set(figures) == {"val_loss", "val_map50", "val_map"} and 0 <= figures["val_map"] <= figures["val_map50"]


def test_a_few_steps_lower_the_loss() -> None:
    cfg = FAMILY.tiny(default_config("detector")).apply({"detector.width": 8, "optim.lr": 3e-3})
    torch.manual_seed(0)
    task = make_task(cfg, (64, 64, 1), NAMES, torch.device("cpu"))
    x = torch.zeros(2, 1, 64, 64)
    x[0, :, 8:32, 6:26] = 1.0
    x[0, :, 30:57, 33:51] = 1.0
    x[1, :, 10:38, 10:30] = 1.0
    first = task.train_step(x, _boxes(), 0)
    for step in range(1, 30):
        last = task.train_step(x, _boxes(), step)
    assert first.shape == (4,) and float(last[0]) < 0.5 * float(first[0])


@pytest.mark.parametrize(
    ("key", "value"),
    [("width", 0), ("depth", 6), ("score_threshold", 1.5), ("max_boxes", 0)],
)
def test_settings_out_of_range_are_refused_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"detector\.{key}"):
        default_config("detector").apply({f"detector.{key}": value})


def test_images_the_stride_does_not_divide_are_refused() -> None:
    cfg = default_config("detector")
    FAMILY.check_fit(cfg, (64, 64, 1))
    with pytest.raises(ConfigError, match=r"detector\.depth") as err:
        FAMILY.check_fit(cfg, (62, 64, 1))
    assert err.value.key == "detector.depth"


@pytest.mark.parametrize(
    ("key", "value"), [("detector.width", 6), ("detector.depth", 3), ("detector.batch_norm", False)]
)
def test_each_twin_knob_makes_another_model_that_runs(key: str, value: object) -> None:
    base = FAMILY.tiny(default_config("detector"))
    assert key in {k.key for k in FAMILY.knobs_for(base)}
    cfg = base.apply({key: value})
    a = make_task(base, (64, 64, 1), NAMES, torch.device("cpu"), trainable=False).modules["model"]
    b = make_task(cfg, (64, 64, 1), NAMES, torch.device("cpu"), trainable=False).modules["model"]
    assert [p.shape for p in a.parameters()] != [p.shape for p in b.parameters()]
    stride = 2 ** cfg.section("detector").depth
    with torch.no_grad():
        assert b.eval()(torch.rand(2, 1, 64, 64)).shape == (2, CLASSES + 4, 64 // stride, 64 // stride)


def test_the_bench_has_a_hand_written_step_on_boxes() -> None:
    from vision_lab.bench.bare import BareLoop

    boxes = torch.cat([_boxes(), _boxes()])
    loop = BareLoop("detector", torch.rand(4, 1, 64, 64), boxes, batch_size=2)
    first = loop.run(1)
    assert math.isfinite(first) and math.isfinite(loop.run(3))


def test_shifted_scenes_carry_their_boxes_along() -> None:
    # Each box drawn as a filled rectangle: after the shift, the lit pixels' bounds are the moved box (clipped).
    boxes = torch.tensor([[[1, 10.0, 20.0, 30.0, 40.0]], [[2, 0.0, 0.0, 5.0, 64.0]], [[3, 60.0, 60.0, 64.0, 64.0]]])
    x = torch.zeros(3, 1, 64, 64)
    for i, (_, x0, y0, x1, y1) in enumerate(boxes[:, 0].int().tolist()):
        x[i, 0, y0:y1, x0:x1] = 1.0
    for seed in range(5):
        torch.manual_seed(seed)
        moved, moved_boxes = shift_scenes(x, boxes, 4)
        for i in range(3):
            ys, xs = torch.nonzero(moved[i, 0], as_tuple=True)
            if not len(xs):
                assert moved_boxes[i, 0, 0] == -1
                continue
            lit = [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
            assert moved_boxes[i, 0].tolist() == [float(i + 1), *map(float, lit)]
    torch.manual_seed(7)
    a = shift_scenes(x, boxes, 4)
    torch.manual_seed(7)
    b = shift_scenes(x, boxes, 4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_a_box_moved_off_the_canvas_becomes_padding() -> None:
    x = torch.zeros(64, 1, 8, 8)
    boxes = torch.tensor([[1, 7.0, 7.0, 8.0, 8.0]]).expand(64, 1, 5)
    torch.manual_seed(0)
    moved = shift_scenes(x, boxes, 2)[1]
    gone = moved[..., 0] == -1
    assert gone.any() and (moved[gone] == -1).all() and (moved[~gone][:, 1:] <= 8).all()
