"""mAP against cases worked out by hand (COCO's rules: greedy matching, precision envelope, 101 recall points).

Notation in the comments: tp/fp flags in score order, P = precision after each detection, R = recall, E = the
envelope (max of P from there to the end). AP = mean over r in {0, 0.01, ..., 1} of E at the first detection
whose R >= r (0 where none is).
"""

from __future__ import annotations

import numpy as np
import pytest

from vision_lab.core.detection_metrics import interpolated_ap, iou, mean_average_precision, pr_curves

A = [0.0, 0.0, 10.0, 10.0]
B = [20.0, 20.0, 30.0, 30.0]
PAD5 = [-1.0, -1.0, -1.0, -1.0, -1.0]
PAD6 = [-1.0, 0.0, -1.0, -1.0, -1.0, -1.0]


def det(cls: int, score: float, box: list[float]) -> list[float]:
    return [float(cls), score, *box]


def truth(cls: int, box: list[float]) -> list[float]:
    return [float(cls), *box]


def test_iou_of_boxes_with_exclusive_ends() -> None:
    # [0,10)×[0,10) and [5,15)×[0,10): overlap 5×10 = 50, union 100 + 100 - 50 = 150.
    assert iou(np.array([A]), np.array([[5.0, 0.0, 15.0, 10.0]]))[0, 0] == pytest.approx(1 / 3)
    assert iou(np.array([A]), np.array([B]))[0, 0] == 0.0


def test_perfect_detections_score_one() -> None:
    # One truth per image, each found exactly: tp=[1, 1], P=[1, 1], R=[.5, 1] -> E = 1 at every recall point.
    dets = np.array([[det(1, 0.9, A), PAD6], [det(1, 0.8, B), PAD6]])
    gts = np.array([[truth(1, A)], [truth(1, B)]])
    assert mean_average_precision(dets, gts, (0.5,)) == 1.0
    assert mean_average_precision(dets, gts) == 1.0


def test_a_false_positive_ranked_above_the_true_one_halves_ap() -> None:
    # fp (0.9, on empty space) then tp (0.8): P=[0, .5], R=[0, 1], E=[.5, .5]. Every r <= 1 reads E = .5.
    dets = [np.array([det(1, 0.9, B), det(1, 0.8, A)])]
    gts = [np.array([truth(1, A)])]
    assert mean_average_precision(dets, gts, (0.5,)) == pytest.approx(0.5)


def test_a_missed_box_stops_the_curve_at_its_recall() -> None:
    # Two truths, one found: P=[1], R=[.5]. r = 0, .01, ..., .50 (51 points) read 1; the 50 above .5 read 0.
    dets = [np.array([det(1, 0.9, A)])]
    gts = [np.array([truth(1, A), truth(1, B)])]
    assert mean_average_precision(dets, gts, (0.5,)) == pytest.approx(51 / 101)


def test_two_classes_are_averaged_and_a_class_without_truth_is_ignored() -> None:
    # Class 1 found exactly (AP 1); class 2's truth missed (AP 0); class 3 has no truth, so its detection counts
    # for nothing: mAP = (1 + 0) / 2.
    dets = [np.array([det(1, 0.9, A), det(3, 0.95, B)])]
    gts = [np.array([truth(1, A), truth(2, B)])]
    assert mean_average_precision(dets, gts, (0.5,)) == pytest.approx(0.5)
    assert set(pr_curves(dets, gts)) == {1, 2}


def test_a_duplicate_detection_is_a_false_positive() -> None:
    # Truths A and B; detections A (.9), A again (.8), B (.7): tp=[1, 0, 1], P=[1, .5, 2/3], R=[.5, .5, 1],
    # E=[1, 2/3, 2/3]. r <= .5 (51 points) read E[0] = 1; r > .5 (50 points) read E[2] = 2/3.
    dets = [np.array([det(1, 0.9, A), det(1, 0.8, A), det(1, 0.7, B)])]
    gts = [np.array([truth(1, A), truth(1, B)])]
    curve = pr_curves(dets, gts)[1]
    np.testing.assert_allclose(curve.precision, [1.0, 0.5, 2 / 3])
    np.testing.assert_allclose(curve.recall, [0.5, 0.5, 1.0])
    assert curve.ap == pytest.approx((51 + 50 * 2 / 3) / 101)


def test_a_wrong_class_is_a_miss_and_a_false_positive() -> None:
    # The right box named 2 instead of 1: class 1 has no detection (AP 0); class 2 has no truth (ignored).
    dets = [np.array([det(2, 0.9, A)])]
    gts = [np.array([truth(1, A)])]
    assert mean_average_precision(dets, gts, (0.5,)) == 0.0


def test_map_over_iou_thresholds_counts_the_thresholds_a_box_passes() -> None:
    # Truth [0,10)×[0,10), detection [0,10)×[0,6.2): IoU 62 / 100 = .62: a hit at .5, .55 and .6 (AP 1), a miss at
    # the 7 thresholds from .65 (AP 0): mAP@0.5:0.95 = 3 / 10.
    dets = [np.array([det(1, 0.9, [0.0, 0.0, 10.0, 6.2])])]
    gts = [np.array([truth(1, A)])]
    assert mean_average_precision(dets, gts) == pytest.approx(0.3)
    assert mean_average_precision(dets, gts, (0.5,)) == 1.0


def test_padding_rows_and_images_without_boxes() -> None:
    # Image 2 has no truth: its detection is a false positive ranked first. P=[0, .5], R=[0, 1] -> AP .5, as above.
    dets = np.array([[det(1, 0.8, A), PAD6], [det(1, 0.9, A), PAD6]])
    gts = np.array([[truth(1, A), PAD5], [PAD5, PAD5]])
    assert mean_average_precision(dets, gts, (0.5,)) == pytest.approx(0.5)


def test_matching_takes_the_unmatched_truth_it_overlaps_most() -> None:
    # Two overlapping truths; the best detection matches the one it overlaps most (IoU 1), the second detection
    # then takes the other (IoU 1): both hits, AP 1. Matching the first truth twice would make the second a miss.
    c = [5.0, 0.0, 15.0, 10.0]
    dets = [np.array([det(1, 0.9, c), det(1, 0.8, A)])]
    gts = [np.array([truth(1, A), truth(1, c)])]
    assert mean_average_precision(dets, gts, (0.5,)) == 1.0


def test_interpolated_ap_of_no_detections_is_zero() -> None:
    assert interpolated_ap(np.zeros(0), np.zeros(0)) == 0.0
    assert mean_average_precision([np.zeros((0, 6))], [np.array([truth(1, A)])]) == 0.0


def test_agrees_with_pycocotools_where_it_is_installed() -> None:
    """COCO's own evaluation (not a dependency: skipped without it) on jittered, duplicated, misnamed and made-up
    detections of random boxes. Checked once by hand too: equal to every printed digit on a trained detector's 400
    validation scenes."""
    import contextlib
    import io

    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(0)
    truth, dets = [], []
    for _ in range(60):
        k = int(rng.integers(1, 4))
        xy = rng.uniform(0, 40, (k, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(3, 24, (k, 2))], 1)
        cls = rng.integers(1, 4, k).astype(float)
        truth.append(np.column_stack([cls, boxes]))
        jitter = boxes + rng.normal(0, 2.0, boxes.shape)
        jitter[:, 2:] = np.maximum(jitter[:, 2:], jitter[:, :2] + 1)  # no inside-out boxes: COCO drops those
        named = np.where(rng.random(k) < 0.15, rng.integers(1, 4, k), cls)
        rows = [np.column_stack([named, rng.random(k), jitter])]
        rows.append(np.column_stack([cls, rng.random(k) * 0.5, boxes + rng.uniform(-1, 1, boxes.shape)]))
        fake = rng.uniform(0, 50, (2, 2))
        rows.append(np.column_stack([rng.integers(1, 4, 2), rng.random(2), fake, fake + 8]))
        dets.append(np.concatenate(rows))
    gt: dict = {"images": [{"id": i} for i in range(len(truth))], "categories": [{"id": c} for c in (1, 2, 3)]}
    gt["annotations"] = [
        {"id": n + 1, "image_id": i, "category_id": int(c), "bbox": [x0, y0, x1 - x0, y1 - y0], "area": 1.0,
         "iscrowd": 0}
        for n, (i, (c, x0, y0, x1, y1)) in enumerate((i, row) for i, t in enumerate(truth) for row in t)
    ]  # fmt: skip
    results = [
        {"image_id": i, "category_id": int(c), "score": float(s), "bbox": [x0, y0, x1 - x0, y1 - y0]}
        for i, d in enumerate(dets)
        for c, s, x0, y0, x1, y1 in d
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        evaluation = COCOeval(coco, coco.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    assert mean_average_precision(dets, truth) == pytest.approx(evaluation.stats[0], abs=1e-12)
    assert mean_average_precision(dets, truth, (0.5,)) == pytest.approx(evaluation.stats[1], abs=1e-12)
