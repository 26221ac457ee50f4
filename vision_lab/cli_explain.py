"""``vision-lab explain RUN_DIR --method M --out DIR``: a saved classifier's attributions drawn over validation
images, and each method's deletion test against random removal (vision_lab/core/faithfulness.py).

Writes DIR/<method>.png (a row of validation images with the method's heat map over each), DIR/<method>/ (the
same images one file each), DIR/scores.json ({method: {"deletion_auc", "random_auc"}}) and DIR/curves.json (the
curves behind the areas). A user's mistake raises a VisionLabError (one sentence, exit 2, by vision_lab.cli).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vision_lab.core.i18n import t

ALL = "all"
SHOWN = 8
"""Validation images drawn per method (from the scored subset, one class after another)."""
DEFAULT_IMAGES = 200  # vision_lab.core.faithfulness.DEFAULT_IMAGES, without importing torch to build the parser


def add_parser(sub: Any, path_type: Callable[[str], Path]) -> None:
    e = sub.add_parser(
        "explain",
        help="draw a classifier run's attributions over validation images and score each by the deletion test",
    )
    e.add_argument("run_dir", type=path_type)
    e.add_argument(
        "--method",
        default=ALL,
        help="gradient, gradcam, integrated-gradients, occlusion, noise-tunnel, attention-rollout, or all (default)",
    )
    e.add_argument("--out", type=path_type, required=True, help="the folder to write the pictures and scores.json in")
    e.add_argument(
        "--images",
        type=int,
        default=DEFAULT_IMAGES,
        help=f"validation images in the deletion test: a seeded random subset (default {DEFAULT_IMAGES})",
    )
    e.add_argument("--seed", type=int, default=0, help="picks the subset, the random removal order and SmoothGrad")


def _note(sentence: object) -> None:
    print(t("cli.explain.note", "vision-lab: note: {sentence}", sentence=sentence), file=sys.stderr)


def cmd_explain(args: argparse.Namespace) -> int:
    from vision_lab.core import attributions as A
    from vision_lab.core import faithfulness as F
    from vision_lab.core.errors import ConfigError, RunError
    from vision_lab.core.i18n import text
    from vision_lab.core.inference import load_run_models
    from vision_lab.core.run_data import prepare_dataset, preview_indices
    from vision_lab.core.validate import MAX_SEED

    if args.method != ALL:
        A.check_known(args.method)
    if args.images < 1:
        raise ConfigError(t("cli.explain.images", "--images must be at least 1, got {value}.", value=args.images))
    if not 0 <= args.seed <= MAX_SEED:
        raise ConfigError(
            t("cli.explain.seed", "--seed must be between 0 and {most}, got {value}.", most=MAX_SEED, value=args.seed)
        )
    loaded = load_run_models(args.run_dir)
    family = loaded.config.family
    if not family.has("attribute"):
        raise RunError(
            t(
                "cli.explain.family",
                "The run in '{path}' trained a model that does not classify images ({model}); "
                "only a classifier can be explained.",
                path=args.run_dir,
                model=text(family.title),
            )
        )
    ex = A.explainable(loaded)
    if args.method == ALL:
        methods = []
        for method in A.methods_for(loaded.config.model):
            try:
                A.check_applies(ex, method)
            except ConfigError as err:
                _note(t("cli.explain.skipped", "{method} skipped: {reason}", method=A.title(method), reason=err))
                continue
            methods.append(method)
    else:
        A.check_applies(ex, args.method)  # a method the family lacks, named on purpose: a mistake
        methods = [args.method]
    _make_folder(args.out)

    ds = prepare_dataset(loaded.config)
    if tuple(ds.image_shape) != tuple(ex.image_shape):
        raise RunError(
            t(
                "cli.explain.shape",
                "The run's dataset now gives {now} images, but the model was trained on {then}.",
                now="×".join(map(str, ds.image_shape)),
                then="×".join(map(str, ex.image_shape)),
            )
        )
    picked = F.pick_images(len(ds.val_images), args.images, args.seed)
    images = ds.val_images[picked]
    _note(
        t(
            "cli.explain.subset",
            "the deletion test runs on {count} of the {total} validation images (seed {seed}).",
            count=len(images),
            total=len(ds.val_images),
            seed=args.seed,
        )
    )
    maps = {m: A.attribute(ex, images, m, seed=args.seed) for m in methods}
    scores = F.evaluate(ex, images, methods, seed=args.seed, attributions=maps)
    shown = preview_indices(ds.val_labels[picked], SHOWN)  # one of each class before a second one
    try:
        for method in methods:
            _write_pictures(args.out, method, images[shown], maps[method][shown], picked[shown])
        _write_json(args.out / "scores.json", {m: s.summary() for m, s in scores.items()})
        curves = {
            m: {"fractions": s.fractions, "deletion": s.deletion_curve, "random": s.random_curve}
            for m, s in scores.items()
        }
        _write_json(args.out / "curves.json", curves)
    except OSError as err:
        _cannot_write(args.out, err)
    columns = (
        t("cli.explain.column.method", "method"),
        t("cli.explain.column.deletion", "deletion AUC"),
        t("cli.explain.column.random", "random AUC"),
    )
    print(f"{columns[0]:<22} {columns[1]:>12} {columns[2]:>11}")
    for method, s in scores.items():
        print(f"{method:<22} {s.deletion_auc:>12.4f} {s.random_auc:>11.4f}")
    return 0


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".vision-lab-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        _cannot_write(out, err)


def _cannot_write(out: Path, err: OSError) -> None:
    from vision_lab.core.errors import RunError
    from vision_lab.core.safe_io import os_reason, shown

    raise RunError(
        t("cli.explain.write", "Cannot write in '{path}': {reason}.", path=shown(out), reason=os_reason(err))
    ) from None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    from vision_lab.core.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def _write_pictures(out: Path, method: str, images: Any, maps: Any, indices: Any) -> None:
    """DIR/<method>.png: the images side by side, each with its map over it; DIR/<method>/val_<i>.png each alone."""
    import numpy as np
    from PIL import Image

    from vision_lab.core.attributions import overlay

    cells = [overlay(image, heat) for image, heat in zip(images, maps, strict=True)]
    gap = np.full((cells[0].shape[0], 4, 3), 255, np.uint8)
    row = np.concatenate([part for cell in cells for part in (cell, gap)][:-1], axis=1)
    Image.fromarray(row).save(out / f"{method}.png")
    folder = out / method
    folder.mkdir(exist_ok=True)
    for cell, index in zip(cells, indices, strict=True):
        Image.fromarray(cell).save(folder / f"val_{int(index)}.png")
