"""``vision-lab``: no arguments opens the GUI; subcommands iterate the same training loop headless.

A user's mistake prints one sentence to stderr and exits with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vision_lab import __version__
from vision_lab.cli_output import _download_bar, _ProgressBar, _ScanReport, _training_line
from vision_lab.cli_sweep import add_sweep_parser, cmd_sweep
from vision_lab.core import families
from vision_lab.core.config import (
    PRECISIONS,
    ExperimentConfig,
    apply_overrides,
    default_config,
    parse_json,
    with_overrides,
)
from vision_lab.core.errors import ConfigError, VisionLabError
from vision_lab.core.i18n import language_from_env, set_language, t, text
from vision_lab.core.safe_io import shown
from vision_lab.core.validate import MAX_EPOCHS, MAX_SEED

if TYPE_CHECKING:
    pass

EXIT_USAGE = 2
EXIT_BUG = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exits with 2 too; keep its one line, drop the usage dump
        self.exit(EXIT_USAGE, f"vision-lab: error: {message}.\n" if not message.endswith(".") else message)


# The ids of a dataset's notes about files the loader left out (core/data): said as warnings, never silently.
LEFT_OUT_NOTES = ("data.note.skipped", "data.note.ignored", "data.note.used_only")


def _path(text: str) -> Path:
    # Path("") is ".", the current folder: an empty --config or RUN_DIR would be read as that, not refused.
    if not text.strip():
        raise argparse.ArgumentTypeError(t("cli.path.empty", "the path is empty"))
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="vision-lab", description="A desktop playground for computer vision with PyTorch.")
    p.add_argument("--version", action="version", version=f"vision-lab {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    t = sub.add_parser("train", help="train a model headless and save a run folder")
    t.add_argument("--config", type=_path, help="experiment JSON (a run's config.json re-runs it)")
    t.add_argument("--model", choices=families.names(), help="model family")
    t.add_argument("--dataset", help="dataset name (see 'vision-lab datasets') or a path")
    t.add_argument("--epochs", type=int)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--seed", type=int)
    t.add_argument("--device", help="auto, cpu, cuda or mps")
    t.add_argument("--precision", choices=PRECISIONS, help="fp32, or bf16/fp16 mixed precision on a CUDA GPU")
    t.add_argument(
        "--max-steps",
        type=_max_steps,
        help="stop after this many steps in all; 'none' lifts an earlier limit (with --resume)",
    )
    t.add_argument("--limit", type=int, help="train on only this many images")
    t.add_argument("--out", type=_path, help="run folder to create (default: a new folder in the user's runs folder)")
    t.add_argument("--download", action="store_true", help="download the dataset if it is not on this machine")
    t.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    t.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any config setting, e.g. --set optim.lr=0.01 --set mlp.hidden=[64,32] (values are JSON, else text)",
    )
    t.add_argument(
        "--resume",
        type=_path,
        metavar="RUN_DIR",
        help="continue a stopped or finished run in its folder (--epochs, --max-steps and --device may change)",
    )
    t.add_argument(
        "--fork",
        metavar="RUN_DIR[@EPOCH]",
        help="a new run from a run's latest checkpoint, or its weights at the end of EPOCH, with the settings "
        "given here changed; it is saved beside the parent unless --out says otherwise",
    )

    x = sub.add_parser(
        "export", help="export a run's model (ONNX, TorchScript, a plain-PyTorch script, weights) or metrics"
    )
    x.add_argument("run_dir", type=_path)
    x.add_argument("--format", required=True, help="onnx, torchscript, script, safetensors or csv")
    x.add_argument("--out", type=_path, required=True, help="the file to write (or a folder to write it in)")
    x.add_argument(
        "--force", action="store_true", help="write over an existing file even if it is not an earlier export"
    )

    makers = " or ".join(f.title for f in families.with_capability("generate")) or "generator"
    s = sub.add_parser("sample", help=f"generate images with a trained {makers}")
    s.add_argument("run_dir", type=_path)
    s.add_argument("-n", type=int, default=64, help="how many images")
    s.add_argument("--out", type=_path, required=True, help="output .npz (array 'images', uint8 N×H×W×C)")
    s.add_argument("--seed", type=int, default=0)

    b = sub.add_parser("bench", help="time the engine against a bare PyTorch loop (and the GUI with --gui)")
    b.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    b.add_argument("--seconds", type=float, default=2.0, help="length of each timed segment")
    b.add_argument("--rounds", type=int, default=4, help="alternating engine/bare segments per model and batch size")
    b.add_argument(
        "--models",
        default=",".join(f.key for f in families.all_families() if f.bench is not None),
        help="comma-separated families",
    )
    b.add_argument("--batch-sizes", default="32,128", help="comma-separated batch sizes")
    b.add_argument(
        "--keras",
        metavar="PYTHON",
        help="also time the article's Keras code, alternated, with this Python (one that has tensorflow)",
    )
    b.add_argument("--gui", action="store_true", help="measure GUI responsiveness and in-GUI throughput instead")
    b.add_argument(
        "--inspect",
        metavar="VIEW",
        help="with --gui: keep this Inspect view in front while the window trains (overview)",
    )

    from vision_lab.cli_explain import add_parser as add_explain

    add_explain(sub, _path)
    add_sweep_parser(sub, _path)

    d = sub.add_parser("datasets", help="list datasets and whether they are available offline")
    d.add_argument("--download", metavar="NAME", help="download this dataset into the cache")
    return p


def _error_line(sentence: object) -> str:
    return t("cli.error", "vision-lab: error: {sentence}", sentence=sentence)


def _warning_line(sentence: object) -> str:
    return t("cli.warning", "vision-lab: warning: {sentence}", sentence=sentence)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv:
            try:
                from vision_lab.gui.app import main as gui_main
            except ImportError as err:  # PySide6's Qt libraries need a system library that is missing
                from vision_lab.gui.platform_check import explain_import_error

                if (sentence := explain_import_error(err)) is None:
                    raise
                print(_error_line(sentence), file=sys.stderr)
                return EXIT_USAGE
            return gui_main([])
        # The core's sentences in the user's language. Not for the window: it sets its own (View ▸ Language, else the
        # system locale) together with Qt's, so that its panels never mix two languages.
        set_language(language_from_env())
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "sample":
            return cmd_sample(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "datasets":
            return cmd_datasets(args)
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "explain":
            from vision_lab.cli_explain import cmd_explain

            return cmd_explain(args)
        if args.command == "sweep":
            return cmd_sweep(args, config_from_args(args))
    except VisionLabError as err:
        from vision_lab.core.distributed import is_main

        # Under torchrun every process fails together and rank 0 names the cause: one sentence, not N.
        if is_main():
            print(_error_line(err), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\n" + t("cli.interrupted", "vision-lab: interrupted."), file=sys.stderr)
        return 130
    except Exception as err:  # a bug: its traceback goes to the log file, the terminal gets one sentence
        from vision_lab.core.crashlog import report_bug
        from vision_lab.core.distributed import is_main

        sentence, _log = report_bug(err, f"vision-lab {argv[0] if argv else '(the window)'}")
        if is_main():
            print(_error_line(sentence), file=sys.stderr)
        return EXIT_BUG
    build_parser().print_help()
    return EXIT_USAGE


# train's flags and the config keys they set
FLAG_KEYS = {
    "dataset": "data.name",
    "limit": "data.limit",
    "epochs": "train.epochs",
    "batch_size": "train.batch_size",
    "seed": "train.seed",
    "device": "train.device",
    "precision": "train.precision",
    "max_steps": "train.max_steps",
    "lr": "optim.lr",
}
RESUME_FLAGS = ("epochs", "max_steps", "device")


NO_LIMIT = "none"
"""``--max-steps none``: the run has no step limit (a resume lifts the one it was started with)."""


def _max_steps(text: str) -> int | str:
    if text.strip().lower() in ("none", "off"):
        return NO_LIMIT
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            t("cli.max_steps", "takes a whole number of steps or 'none', not {value}", value=repr(text))
        ) from None


def flag_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The train flags that were given, as dotted config keys (``--max-steps none`` as None: no limit)."""
    given = {key: getattr(args, flag) for flag, key in FLAG_KEYS.items() if getattr(args, flag) is not None}
    return {key: None if value is NO_LIMIT else value for key, value in given.items()}


def set_overrides(items: Sequence[str]) -> dict[str, object]:
    """``--set key=value`` pairs; a value is read as JSON (numbers, true, null, lists) and else kept as text."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                t("cli.set.form", "--set takes KEY=VALUE, e.g. --set optim.lr=0.01; got {value}.", value=repr(item))
            )
        try:
            json.loads(raw)
        except ValueError:
            out[key.strip()] = raw  # not JSON: the text itself (a dataset name, an optimizer)
            continue
        except RecursionError:
            pass  # JSON nested past what Python parses: parse_json says so in one sentence
        out[key.strip()] = parse_json(raw, f"--set {key.strip()}")
    return out


def config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    if args.config:
        cfg = ExperimentConfig.load(args.config)
    else:
        cfg = default_config(args.model) if args.model else default_config()
    if args.config and args.model and args.model != cfg.model:
        cfg = default_config(args.model, data=cfg.data, train=cfg.train)
    flags = flag_overrides(args)
    cfg = apply_overrides(with_overrides(cfg, **flags).validate(), {k: v for k, v in flags.items() if v is None})
    return apply_overrides(cfg, set_overrides(args.set))


def parse_fork(text: str) -> tuple[Path, int | None]:
    """``RUN_DIR`` or ``RUN_DIR@EPOCH`` (``@latest`` too); a folder whose name has an @ needs no escaping."""
    head, sep, tail = text.rpartition("@")
    if sep and (tail.isdigit() or tail == "latest"):
        if len(tail) > 9:  # past any epoch count (and int() refuses 4,300 digits with a traceback)
            raise ConfigError(
                t(
                    "cli.fork.epoch",
                    "--fork: epoch {epoch}… is larger than any run's epochs ({most} at most).",
                    epoch=tail[:12],
                    most=MAX_EPOCHS,
                )
            )
        return Path(head).expanduser(), None if tail == "latest" else int(tail)
    return Path(text).expanduser(), None


def make_trainer(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The Trainer that ``train`` asks for: a new run, a resumed one, or a fork."""
    from vision_lab.core.lineage import fork_run, resume_run
    from vision_lab.core.paths import runs_dir
    from vision_lab.core.trainer import Trainer

    load_kwargs: dict[str, object] = {"download": True, "progress": _download_bar(sys.stderr)} if args.download else {}
    if not args.quiet:
        load_kwargs["scan_progress"] = _ScanReport(
            sys.stderr, args.dataset
        )  # `--dataset /` must not scan for minutes in silence
    out = args.out.expanduser() if args.out else None
    if args.resume and args.fork:
        raise ConfigError(t("cli.resume_and_fork", "--resume and --fork cannot be used together."))
    if args.resume:
        fixed = ("config", "model", "out", *(f for f in FLAG_KEYS if f not in RESUME_FLAGS))
        bad = ["--" + flag.replace("_", "-") for flag in fixed if getattr(args, flag) is not None]
        if bad:
            raise ConfigError(
                t(
                    "cli.resume.fixed",
                    "{flag} cannot be used with --resume: a resumed run keeps its settings; use --fork to change them.",
                    flag=bad[0],
                )
            )
        overrides = {**flag_overrides(args), **set_overrides(args.set)}
        return resume_run(args.resume, overrides, load_kwargs=load_kwargs)
    if args.fork:
        if args.config or args.model:
            raise ConfigError(
                t(
                    "cli.fork.fixed",
                    "{flag} cannot be used with --fork: a fork starts from its parent's config; change settings "
                    "with --set or the other flags.",
                    flag="--config" if args.config else "--model",
                )
            )
        parent, epoch = parse_fork(args.fork)
        overrides = {**flag_overrides(args), **set_overrides(args.set)}
        return fork_run(parent, overrides, epoch=epoch, run_dir=out, load_kwargs=load_kwargs)
    return Trainer(config_from_args(args), run_dir=out, runs_root=None if out else runs_dir(), load_kwargs=load_kwargs)


def cmd_train(args: argparse.Namespace) -> int:
    """Train; under ``torchrun`` each process runs this, rank 0 alone prints and writes (see core/distributed.py)."""
    from vision_lab.core import distributed
    from vision_lab.core.runlock import set_holder

    set_holder("vision-lab train")  # named to another process that tries to train the same run folder
    try:
        return _train(args)
    finally:
        # The trainer is unreachable now but may sit in reference cycles; freed at interpreter exit, its DDP
        # reducer's gloo work then aborts the process ("terminate called without an active exception", seen once on
        # a non-main rank under torchrun). Free it while the interpreter is whole, then leave the group.
        gc.collect()
        distributed.teardown()


def _train(args: argparse.Namespace) -> int:
    from vision_lab.core.events import Finished, Metrics, Started

    trainer = make_trainer(args)
    cfg = trainer.cfg
    main = trainer.world.is_main
    if not main:
        for _ in trainer.events():  # the other ranks train their share in silence
            pass
        return 0
    shown = frozenset(m.key for m in cfg.family.metrics)
    bar = _ProgressBar(sys.stderr, enabled=not args.quiet, shown=shown)
    events = trainer.events()
    try:
        for event in events:
            if isinstance(event, Started):
                d = event.dataset
                for note in d.notes:  # files the loader left out: never silently
                    if getattr(note, "id", "").startswith(LEFT_OUT_NOTES):
                        print(_warning_line(f"{note}."), file=sys.stderr)
                params = sum(event.parameters.values())
                print(_training_line(cfg, event, params, trainer.world.world_size), file=sys.stderr)
            elif isinstance(event, Metrics):
                bar.update(event, trainer.total_steps, cfg.train.epochs)
            elif isinstance(event, Finished):
                bar.close()
                for w in event.warnings:
                    print(_warning_line(w), file=sys.stderr)
                if event.status == "unsaved":  # the run folder could not be written: one sentence, as for a mistake
                    print(_error_line(event.message), file=sys.stderr)
                    return EXIT_USAGE
                figures = ", ".join(
                    f"{k} {v:.4g}"
                    for k, v in event.summary.items()
                    if isinstance(v, float) and k != "seconds" and (k in shown or not k.startswith("val_"))
                )
                print(f"{event.message} {figures}", file=sys.stderr)
                if event.run_dir:
                    print(event.run_dir)
                return 0 if event.status in ("completed", "stopped") else 1
    except KeyboardInterrupt:
        events.close()  # the loop saves what it trained before it goes
        bar.close()
        print(
            t("cli.interrupted_run", "vision-lab: interrupted; the run so far is in {path}", path=trainer._run_path),
            file=sys.stderr,
        )
        return 130
    return 1


def cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from vision_lab.core.errors import ConfigError, RunError
    from vision_lab.core.inference import load_run_models
    from vision_lab.core.safe_io import os_reason

    if args.n < 1 or args.n > 100_000:
        raise ConfigError(t("cli.sample.n", "-n must be between 1 and 100000, got {value}.", value=args.n))
    if not 0 <= args.seed <= MAX_SEED:
        raise ConfigError(
            t("cli.sample.seed", "--seed must be between 0 and {most}, got {value}.", most=MAX_SEED, value=args.seed)
        )
    if args.out.suffix != ".npz":
        raise ConfigError(t("cli.sample.out", "--out must name a .npz file, got '{path}'.", path=args.out))
    loaded = load_run_models(args.run_dir)
    if not loaded.config.family.has("generate"):
        able = t("cli.or", " or ").join(text(f.title) for f in families.with_capability("generate"))
        raise RunError(
            t(
                "cli.sample.family",
                "'{path}' holds a {model} run; only a {able} run can sample images.",
                path=args.run_dir,
                model=loaded.config.model,
                able=able,
            )
        )
    images = loaded.generate(args.n, seed=args.seed)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, images=images)
    except OSError as err:
        raise RunError(
            t("cli.sample.write", "Cannot write '{path}': {reason}.", path=shown(args.out), reason=os_reason(err))
        ) from None
    shape = f"{images.shape[1]}×{images.shape[2]}×{images.shape[3]}"
    print(
        t(
            "cli.sample.wrote",
            "Wrote {count} images of {shape} to {path}",
            count=len(images),
            shape=shape,
            path=args.out,
        )
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from vision_lab.core.export import export_run

    result = export_run(args.run_dir, args.format, args.out, force=args.force)
    print(result.describe(), file=sys.stderr)
    for path in result.files:
        print(path)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from vision_lab.core.errors import ConfigError

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    # The bench times a family's article model on mnist-5k's labelled digits; a family without such a recipe
    # (the segmenter learns from scenes' masks) has no row.
    benched = [f.key for f in families.all_families() if f.bench is not None]
    for m in models:
        if m not in families.names():
            raise ConfigError(
                t(
                    "cli.bench.models",
                    "--models: unknown model {model}; choose from {models}.",
                    model=repr(m),
                    models=", ".join(benched),
                )
            )
        if m not in benched:
            raise ConfigError(
                t(
                    "cli.bench.no_recipe",
                    "--models: the bench has no bare-PyTorch reference for {model}; choose from {models}.",
                    model=repr(m),
                    models=", ".join(benched),
                )
            )
    try:
        sizes = [int(v) for v in args.batch_sizes.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(
            t(
                "cli.bench.batch_sizes_form",
                "--batch-sizes must be whole numbers separated by commas, got {value}.",
                value=repr(args.batch_sizes),
            )
        ) from None
    if not sizes or any(not 1 <= v <= 4096 for v in sizes):
        raise ConfigError(
            t(
                "cli.bench.batch_sizes_range",
                "--batch-sizes must be between 1 and 4096, got {value}.",
                value=repr(args.batch_sizes),
            )
        )
    if not 0.1 <= args.seconds <= 600:
        raise ConfigError(
            t("cli.bench.seconds", "--seconds must be between 0.1 and 600, got {value}.", value=args.seconds)
        )
    if not 1 <= args.rounds <= 100:
        raise ConfigError(t("cli.bench.rounds", "--rounds must be between 1 and 100, got {value}.", value=args.rounds))
    if args.inspect and not args.gui:
        raise ConfigError(
            t(
                "cli.bench.inspect_gui",
                "--inspect needs --gui: it picks the Inspect view shown while the window trains.",
            )
        )
    if args.gui:
        from vision_lab.gui.bench import main as gui_bench

        return gui_bench(models=models, seconds=args.seconds, as_json=args.json, inspect=args.inspect)
    from vision_lab.bench.core import main as core_bench

    return core_bench(
        models=models, batch_sizes=sizes, seconds=args.seconds, as_json=args.json, rounds=args.rounds, keras=args.keras
    )


def cmd_datasets(args: argparse.Namespace) -> int:
    from vision_lab.core.data import download_dataset, list_datasets

    if args.download:
        path = download_dataset(args.download, progress=_download_bar(sys.stderr))
        print(t("cli.datasets.downloaded", "{name} is in {path}", name=args.download, path=path))
        return 0
    rows = list_datasets()
    name_w = max(len(r.name) for r in rows)
    for r in rows:
        if r.available:
            state = t("cli.datasets.offline", "available offline")
        elif r.downloadable:
            state = t("cli.datasets.on_request", "download on request")
        else:
            state = t("cli.datasets.missing", "missing")
        where = f"  [{r.location}]" if r.location else ""
        print(f"{r.name:<{name_w}}  {state:<19}  {r.size_hint}  {r.description}{where}")
        print(f"{'':<{name_w}}  " + t("cli.datasets.source", "source: {source}", source=r.source))
    print()
    print(
        t(
            "cli.datasets.paths",
            "Any path works too: an image folder (one sub-folder per class), a folder of MNIST-format IDX files,\n"
            "an extracted cifar-10-batches-py folder, or an .npz file with arrays x and y. For the segmenter:\n"
            "images/ + masks/ (or VOC's JPEGImages/ + SegmentationClass/); for the detector: YOLO's images/ +\n"
            "labels/. scenes:<name or path> makes scenes of any of these (scenes:fashion-mnist).",
        )
    )
    return 0
