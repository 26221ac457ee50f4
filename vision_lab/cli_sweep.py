"""``vision-lab sweep``: many runs of one experiment over a search space, scheduled by Optuna (core/sweep.py).

cli.py registers the parser and builds the base config from the same flags as ``train`` (so a sweep's
experiment is written exactly as a training's); this module holds the rest, and imports nothing from cli.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vision_lab.core import families
from vision_lab.core.i18n import t

if TYPE_CHECKING:
    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.sweep import TrialRecord


def add_sweep_parser(sub: argparse._SubParsersAction, path: Callable[[str], Path]) -> None:
    w = sub.add_parser("sweep", help="many trainings over a search space (Optuna): find good settings")
    w.add_argument("--config", type=path, help="the experiment JSON every trial starts from")
    w.add_argument("--model", choices=families.names(), help="model family (instead of --config)")
    w.add_argument("--dataset", help="dataset name or path")
    w.add_argument("--epochs", type=int)
    w.add_argument("--batch-size", type=int)
    w.add_argument("--lr", type=float, help="learning rate (when the space does not vary it)")
    w.add_argument("--seed", type=int, help="every trial's training seed")
    w.add_argument("--device", help="auto, cpu, cuda or mps")
    w.add_argument("--precision", help="fp32, bf16 or fp16")
    w.add_argument("--max-steps", type=int, help="stop each trial after this many steps")
    w.add_argument("--limit", type=int, help="train on only this many images")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config setting, as for train")
    w.add_argument(
        "--space",
        action="append",
        default=[],
        metavar="KEY=SPEC",
        help="a setting to vary: optim.lr=loguniform:1e-4:1e-1, mlp.dropout=uniform:0:0.5[:STEP], "
        "train.batch_size=int:16:256[:STEP] (logint too), optim.name=choice:adam,sgd",
    )
    w.add_argument("--space-file", type=path, help='a JSON object {"KEY": "SPEC" or [choices], ...}')
    w.add_argument("--trials", type=int, default=10, help="COMPLETE or PRUNED trials the study ends with (default 10)")
    w.add_argument("--jobs", type=int, default=1, help="trials at once on this machine, each a process (default 1)")
    w.add_argument("--objective", help="the figure to optimize (default: the family's headline, e.g. val_accuracy)")
    w.add_argument("--sampler", default="tpe", help="tpe (default), random, or grid (choice/int/stepped spaces)")
    w.add_argument("--pruner", default="median", help="median (default): stop trials worse than the median; none")
    w.add_argument("--sampler-seed", type=int, help="the sampler's seed: the same trials again")
    w.add_argument(
        "--storage",
        help="where the study lives: a database URL or a journal file (.log/.jsonl) several machines share "
        "(default: OUT/study.db)",
    )
    w.add_argument("--study", default="sweep", help="the study's name: join or continue it (default: sweep)")
    w.add_argument("--timeout", type=float, help="start no trial after this many seconds")
    w.add_argument("--out", type=path, required=True, help="the sweep's folder: trial-0000/..., sweep.json")
    w.add_argument("--quiet", "-q", action="store_true", help="no line per trial")


def cmd_sweep(args: argparse.Namespace, cfg: ExperimentConfig) -> int:
    from vision_lab.core.runlock import set_holder
    from vision_lab.core.sweep import SweepSpec
    from vision_lab.core.sweep_run import run_sweep
    from vision_lab.core.sweep_space import parse_space

    set_holder("vision-lab sweep")
    spec = SweepSpec(
        config=cfg,
        space=parse_space(args.space, args.space_file),
        out=args.out.expanduser(),
        trials=args.trials,
        jobs=args.jobs,
        objective=args.objective,
        sampler=args.sampler,
        pruner=args.pruner,
        storage=args.storage,
        study=args.study,
        timeout=args.timeout,
        seed=args.sampler_seed,
    )
    report = run_sweep(spec, on_trial=None if args.quiet else _say_trial)
    done = report.count("complete", "pruned")
    print(
        t(
            "cli.sweep.done",
            "Study {study}: {done} trials done ({pruned} pruned, {failed} failed); {path}",
            study=report.study,
            done=done,
            pruned=report.count("pruned"),
            failed=report.count("fail"),
            path=spec.out / "sweep.json",
        ),
        file=sys.stderr,
    )
    if report.best is not None:
        b = report.best
        print(
            t(
                "cli.sweep.best",
                "Best: trial {number}, {objective} {value:.4g} with {params}",
                number=b.number,
                objective=report.objective,
                value=b.value,
                params=_params(b.params),
            ),
            file=sys.stderr,
        )
        if b.run_dir:
            print(b.run_dir)
    elsewhere = report.count("running")
    if done < spec.trials and elsewhere:
        # Another process (or machine) on the same study runs the last trials: this one's share is done.
        print(
            t(
                "cli.sweep.elsewhere",
                "{count} more trials are still running in another process on this study.",
                count=elsewhere,
            ),
            file=sys.stderr,
        )
    return 0 if done + elsewhere >= spec.trials or spec.timeout else 1


def _params(params: dict[str, object]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _say_trial(r: TrialRecord) -> None:
    value = "-" if r.value is None else f"{r.value:.4g}"
    line = t(
        "cli.sweep.trial",
        "trial {number}: {state}, {value} ({params})",
        number=r.number,
        state=r.state,
        value=value,
        params=_params(r.params),
    )
    print(f"{line}: {r.error}" if r.error else line, file=sys.stderr)
