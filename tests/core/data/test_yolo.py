"""YOLO detection folders: images/ + labels/ with 'class cx cy w h' lines, names from classes.txt or data.yaml."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_seg_folders import one_sentence  # tests/core/data is on sys.path (pytest's rootdir import)

from vision_lab.core.data import load_dataset
from vision_lab.core.data.yolo import yaml_names

# Image i (40 wide, 20 high) has these lines; image 3 has no label file (no objects, YOLO's convention).
LINES = {
    0: "0 0.5 0.5 0.5 0.5\n",
    1: "1 0.25 0.25 0.1 0.2\n\n2 0.75 0.5 0.5 1.0\n",
    2: "",
}


def write_yolo(root: Path, *, names: str | None = "classes", lines: dict[int, str] | None = None) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(4):
        Image.new("RGB", (40, 20), (60 * i, 30, 90)).save(root / "images" / f"img{i}.{'jpg' if i % 2 else 'png'}")
    for i, text in (LINES if lines is None else lines).items():
        (root / "labels" / f"img{i}.txt").write_text(text)
    if names == "classes":
        (root / "classes.txt").write_text("cat\ndog\nbird\n")
    elif names == "yaml":
        (root / "data.yaml").write_text(
            "path: .\ntrain: images\nnames:\n  0: cat  # a comment\n  1: dog\n  2: 'bird'\n"
        )
    return root


def test_boxes_in_pixels_classes_plus_one(tmp_path: Path) -> None:
    ds = load_dataset(str(write_yolo(tmp_path / "det")), val_fraction=0)
    assert ds.targets == ("class", "boxes")
    assert ds.class_names == ("background", "cat", "dog", "bird")  # box class k names class_names[k]
    assert ds.train_images.shape == (4, 20, 40, 3)
    boxes = ds.train_boxes
    assert boxes.shape == (4, 2, 5) and boxes.dtype == np.float32
    assert boxes[0].tolist() == [[1, 10, 5, 30, 15], [-1, -1, -1, -1, -1]]
    assert boxes[1].tolist() == [[2, 8, 3, 12, 7], [3, 20, 0, 40, 20]]
    assert (boxes[2] == -1).all() and (boxes[3] == -1).all()
    assert ds.train_labels.tolist() == [1, 3, 0, 0]  # the largest object's class, 0 without one
    assert "1 image(s) without a label file" in " ".join(ds.notes)


def test_data_yaml_names_and_image_size(tmp_path: Path) -> None:
    ds = load_dataset(str(write_yolo(tmp_path / "det", names="yaml")), image_size=10, channels=1, val_fraction=0.25)
    assert ds.class_names == ("background", "cat", "dog", "bird")
    assert ds.train_images.shape[1:] == (10, 10, 1) and (len(ds.train_images), len(ds.val_images)) == (3, 1)
    every = np.concatenate([ds.train_boxes, ds.val_boxes])
    assert [1, 2.5, 2.5, 7.5, 7.5] in every[:, 0].tolist()  # the boxes follow the resize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("names: [cat, 'dog', \"bird\"]\n", ["cat", "dog", "bird"]),
        ("names: {0: cat, 1: dog}\nnc: 2\n", ["cat", "dog"]),
        ("nc: 2\nnames:\n- cat\n- dog\ntrain: x\n", ["cat", "dog"]),
        ("names:\n  1: dog\n  0: cat\n", ["cat", "dog"]),
    ],
)
def test_yaml_names_forms(tmp_path: Path, text: str, expected: list[str]) -> None:
    (tmp_path / "data.yaml").write_text(text)
    assert yaml_names(tmp_path / "data.yaml") == expected


def test_no_names_and_labelimg_classes_in_labels(tmp_path: Path) -> None:
    ds = load_dataset(str(write_yolo(tmp_path / "plain", names=None)), val_fraction=0)
    assert ds.class_names == ("background", "0", "1", "2")
    root = write_yolo(tmp_path / "labelimg", names=None)
    (root / "labels" / "classes.txt").write_text("a\nb\nc\n")  # LabelImg's place for it: not a label file
    assert load_dataset(str(root), val_fraction=0).class_names == ("background", "a", "b", "c")


def test_ultralytics_train_val_layout(tmp_path: Path) -> None:
    write_yolo(tmp_path / "t", names=None)
    for kind in ("images", "labels"):
        (tmp_path / "u" / kind).mkdir(parents=True)
        (tmp_path / "t" / kind).rename(tmp_path / "u" / kind / "train")
    write_yolo(tmp_path / "v", names=None, lines={0: "1 0.5 0.5 0.2 0.2\n"})
    for kind in ("images", "labels"):
        (tmp_path / "v" / kind).rename(tmp_path / "u" / kind / "val")
    ds = load_dataset(str(tmp_path / "u"))
    assert (len(ds.train_images), len(ds.val_images)) == (4, 4)
    assert ds.val_boxes[0, 0].tolist() == [2, 16, 8, 24, 12]


# --- bad files: one sentence each, naming the file ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("3 0.5 0.5 0.2 0.2", ("class 3", "classes.txt", "0 to 2")),
        ("0 0.9 0.5 0.4 0.2", ("outside the image",)),
        ("0 0.5 0.5 0 0.2", ("outside the image",)),
        ("0 0.5 0.5 0.2", ("should be five numbers", "0 0.5 0.5 0.2")),
        ("cat 0.5 0.5 0.2 0.2", ("should be five numbers",)),
        ("1.5 0.5 0.5 0.2 0.2", ("should be five numbers",)),
    ],
)
def test_bad_lines(tmp_path: Path, line: str, fragments: tuple[str, ...]) -> None:
    root = write_yolo(tmp_path / "det", lines={1: f"0 0.5 0.5 0.1 0.1\n{line}\n"})
    message = one_sentence(root)
    assert "img1.txt" in message and "Line 2" in message
    for fragment in fragments:
        assert fragment in message, message


def test_box_just_past_the_edge_is_clipped(tmp_path: Path) -> None:
    ds = load_dataset(str(write_yolo(tmp_path / "det", lines={0: "0 0.1 0.5 0.205 0.2\n"})), val_fraction=0)
    assert ds.train_boxes[0, 0, 1] == 0  # 0.0025 past the left edge: rounding, clipped


def test_label_file_without_its_image(tmp_path: Path) -> None:
    root = write_yolo(tmp_path / "det")
    (root / "labels" / "lost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    message = one_sentence(root)
    assert "lost.txt" in message and "no image of the same name" in message


def test_unreadable_image(tmp_path: Path) -> None:
    root = write_yolo(tmp_path / "det")
    (root / "images" / "img2.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"broken" * 8)
    assert "img2.png" in one_sentence(root)


def test_yaml_without_names(tmp_path: Path) -> None:
    root = write_yolo(tmp_path / "det", names=None)
    (root / "data.yaml").write_text("train: images\nnc: 3\n")
    assert "names:" in one_sentence(root)
