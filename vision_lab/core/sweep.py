"""Sweeps: many runs of one experiment with settings drawn from a search space, scheduled by Optuna.

Optuna does the choosing (TPE, random or grid), the pruning (median) and the bookkeeping (a study in SQLite, any
RDB URL, or a journal file several machines share). Each trial is an ordinary run folder, ``OUT/trial-0007``, made by
the trainer as ``vision-lab train`` makes one (open, resume, fork, export it as any run); a ``sweep_trial.json``
beside its config names its study and trial. ``OUT/sweep.json`` is the study as plain data, rewritten as trials end.

Parallel trials (``jobs > 1``) are child processes that each run the same loop on the shared storage, as two
``vision-lab sweep`` processes on two machines would: one code path. ``trials`` is the number of COMPLETE or PRUNED
trials the study ends with, counting earlier sessions', so a sweep run again after a kill finishes what was asked.

A trial whose process died (SIGKILL, power cut) is marked FAIL, not left RUNNING for ever: every trial records the
host and process that runs it, and a sweep starting on that host fails those whose process is gone (at once, no
waiting); on an RDB storage Optuna's heartbeat also fails trials of other machines that went silent for
:data:`GRACE_SECONDS`. A journal file has no heartbeat (Optuna 5), so there only same-host trials are recovered.
Qt-free: the window starts a sweep with :func:`vision_lab.core.sweep_run.run_sweep` and a callback per finished
trial, and reads one with :func:`read_sweep`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vision_lab.core.atomic import atomic_write_text
from vision_lab.core.config import ExperimentConfig, apply_overrides
from vision_lab.core.errors import ConfigError, RunError, VisionLabError
from vision_lab.core.i18n import t
from vision_lab.core.sweep_space import Dimension, check_space, decode_params, grid_space, parse_space

if TYPE_CHECKING:
    import optuna

    from vision_lab.core.data import ImageDataset

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "none")
SUMMARY = "sweep.json"
TRIAL_FILE = "sweep_trial.json"
"""Beside a trial's config.json: its study, trial number and parameters."""
DEFAULT_STUDY = "sweep"
HEARTBEAT_SECONDS = 10
GRACE_SECONDS = 60
"""A trial on an RDB storage whose heartbeat is older than this is failed by the next trial that starts."""
MAX_FAILURES = 3
"""Trials in a row one process saw fail on a user's mistake before it gives up (every trial would)."""
MAX_TRIALS = 100_000


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep; :func:`plan` checks it (one ConfigError sentence per mistake)."""

    config: ExperimentConfig
    space: tuple[Dimension, ...]
    out: Path
    trials: int = 10
    jobs: int = 1
    objective: str | None = None
    """A metric key of the family (``val_accuracy``, ``val_loss``); None: the family's headline metric."""
    sampler: str = "tpe"
    pruner: str = "median"
    storage: str | None = None
    """An Optuna storage URL, a ``.log``/``.jsonl`` journal file, or None: ``sqlite:///OUT/study.db``."""
    study: str = DEFAULT_STUDY
    timeout: float | None = None
    seed: int | None = None
    """The sampler's seed (each trial's training seed is the config's)."""


@dataclass(frozen=True)
class TrialRecord:
    """One trial as plain data (sweep.json's ``trials`` rows)."""

    number: int
    params: dict[str, Any]
    value: float | None
    state: str
    """Optuna's: ``complete``, ``pruned``, ``fail``, ``running`` or ``waiting``."""
    run_dir: str | None = None
    status: str | None = None
    """The run's own status (``completed``, ``pruned``, ``diverged``...)."""
    worker: str | None = None
    """``host:pid`` of the process that ran it."""
    error: str | None = None


@dataclass(frozen=True)
class SweepReport:
    """A study as plain data: what sweep.json holds."""

    study: str
    objective: str
    direction: str
    storage: str
    trials: tuple[TrialRecord, ...]
    best: TrialRecord | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "objective": self.objective,
            "direction": self.direction,
            "storage": self.storage,
            "trials": [asdict(r) for r in self.trials],
            "best": asdict(self.best) if self.best else None,
        }

    def count(self, *states: str) -> int:
        return sum(r.state in states for r in self.trials)


@dataclass(frozen=True)
class Plan:
    """A checked :class:`SweepSpec`: the objective's key and direction, the storage URL or journal path."""

    spec: SweepSpec
    objective: str
    direction: str
    storage: str

    def payload(self) -> dict[str, Any]:
        """Plain data a child process rebuilds the plan from."""
        s = self.spec
        return {
            "config": s.config.to_json(),
            "space": [d.text() for d in s.space],
            **{k: getattr(s, k) for k in ("trials", "jobs", "sampler", "pruner", "study", "timeout", "seed")},
            "out": str(s.out),
            "objective": self.objective,
            "direction": self.direction,
            "storage": self.storage,
        }

    @staticmethod
    def from_payload(p: dict[str, Any]) -> Plan:
        cfg = ExperimentConfig.from_dict(json.loads(p["config"]))
        keys = ("trials", "jobs", "sampler", "pruner", "study", "timeout", "seed")
        spec = SweepSpec(cfg, parse_space(p["space"]), Path(p["out"]), **{k: p[k] for k in keys})
        spec = replace(spec, objective=p["objective"], storage=p["storage"])
        return Plan(spec, p["objective"], p["direction"], p["storage"])


# --- checking -------------------------------------------------------------------------------------------------
def resolve_objective(cfg: ExperimentConfig, objective: str | None) -> tuple[str, str]:
    """(metric key, ``maximize``/``minimize``) from the family's declared metrics; its headline by default."""
    family = cfg.family
    key = objective or family.headline
    keys = [m.key for m in family.metrics]
    if key not in keys:
        raise ConfigError(
            t(
                "sweep.objective",
                "--objective {key}: the {model} reports no such figure; choose from {keys}.",
                key=key,
                model=cfg.model,
                keys=", ".join(keys),
            )
        )
    return key, "maximize" if family.metric(key).higher_is_better else "minimize"


def storage_url(storage: str | None, out: Path) -> str:
    """The storage as Optuna is told it: an RDB URL, or a journal file's absolute path."""
    if storage is None or not storage.strip():
        return f"sqlite:///{(out / 'study.db').resolve()}"
    if storage.endswith((".log", ".jsonl")):
        return str(Path(storage).expanduser().resolve())
    if storage.endswith((".db", ".sqlite", ".sqlite3")) and "://" not in storage:
        return f"sqlite:///{Path(storage).expanduser().resolve()}"
    if "://" not in storage:
        raise ConfigError(
            t(
                "sweep.storage.form",
                "--storage takes a database URL (sqlite:///study.db, postgresql://...) or a journal file ending in "
                ".log or .jsonl; got {value}.",
                value=repr(storage),
            )
        )
    return storage


def open_storage(url: str) -> optuna.storages.BaseStorage:
    """The storage, opened; ConfigError in one sentence when it cannot be (bad URL, no driver, unreachable)."""
    import optuna
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own lines say what happened, no tracebacks
    try:
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            return JournalStorage(JournalFileBackend(url))
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
        return RDBStorage(url, engine_kwargs=kwargs, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS)
    except Exception as err:  # sqlalchemy's, a missing driver's, the file system's: all say "cannot open it"
        reason = str(err).strip().splitlines()[0] if str(err).strip() else err.__class__.__name__
        raise ConfigError(
            t("sweep.storage.open", "Cannot open the study storage {url}: {reason}.", url=url, reason=reason[:200])
        ) from None


def plan(spec: SweepSpec) -> Plan:
    """Check everything a user can get wrong before any trial runs."""
    if not 1 <= spec.trials <= MAX_TRIALS:
        raise ConfigError(
            t("sweep.trials", "--trials must be between 1 and {most}, got {value}.", most=MAX_TRIALS, value=spec.trials)
        )
    cores = available_cores()
    if not 1 <= spec.jobs <= max(64, cores):
        raise ConfigError(
            t("sweep.jobs", "--jobs must be between 1 and {most}, got {value}.", most=max(64, cores), value=spec.jobs)
        )
    if spec.sampler not in SAMPLERS:
        raise ConfigError(t("sweep.sampler", "--sampler must be one of {names}.", names=", ".join(SAMPLERS)))
    if spec.pruner not in PRUNERS:
        raise ConfigError(t("sweep.pruner", "--pruner must be one of {names}.", names=", ".join(PRUNERS)))
    if spec.timeout is not None and not (spec.timeout > 0 and math.isfinite(spec.timeout)):
        raise ConfigError(t("sweep.timeout", "--timeout must be a positive number of seconds."))
    if not spec.study.strip() or len(spec.study) > 200:
        raise ConfigError(t("sweep.study", "--study needs a name of 1 to 200 characters."))
    cfg = spec.config.validate()
    check_space(cfg, spec.space)
    if spec.sampler == "grid":
        grid_space(spec.space)
    key, direction = resolve_objective(cfg, spec.objective)
    if spec.out.exists() and not spec.out.is_dir():
        raise ConfigError(t("sweep.out", "--out '{path}' is a file, not a folder.", path=spec.out))
    return Plan(spec, key, direction, storage_url(spec.storage, spec.out))


def available_cores() -> int:
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# --- running --------------------------------------------------------------------------------------------------
OnTrial = Callable[[TrialRecord], None]


def open_study(p: Plan) -> optuna.Study:
    """Create the study or join it; a study that optimizes something else is refused, not mixed."""
    import optuna

    storage = open_storage(p.storage)
    try:
        study = optuna.create_study(
            storage=storage, study_name=p.spec.study, direction=p.direction, load_if_exists=True
        )
    except Exception as err:  # a database that is not Optuna's, a read-only file
        raise ConfigError(
            t(
                "sweep.storage.open",
                "Cannot open the study storage {url}: {reason}.",
                url=p.storage,
                reason=str(err).splitlines()[0][:200] if str(err) else err.__class__.__name__,
            )
        ) from None
    attrs = study.user_attrs
    if attrs.get("objective", p.objective) != p.objective or study.direction.name.lower() != p.direction:
        raise ConfigError(
            t(
                "sweep.study.other",
                "The study {study} optimizes {objective}, not {asked}; name another --study.",
                study=p.spec.study,
                objective=attrs.get("objective", study.direction.name.lower()),
                asked=p.objective,
            )
        )
    if "objective" not in attrs:
        study.set_user_attr("objective", p.objective)
        study.set_user_attr("space", [d.text() for d in p.spec.space])
        study.set_user_attr("model", p.spec.config.model)
    return study


class _Surplus(Exception):
    """This trial would take the study past the asked number: it ends as FAIL, marked surplus."""


class Worker:
    """One process's loop: Optuna's optimize with a trial per run and a check per finished trial."""

    def __init__(self, p: Plan, study: optuna.Study, on_trial: OnTrial | None, stop: Callable[[], bool] | None):
        self.p, self.study, self.on_trial, self.stop = p, study, on_trial, stop
        self.failures = 0
        self.error: VisionLabError | None = None
        self._datasets: dict[tuple[Any, ...], ImageDataset] = {}
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def run(self) -> None:

        fail_dead_trials(self.study)
        if self._done() >= self.p.spec.trials:
            return
        self.study.sampler = _sampler(self.p)
        self.study.pruner = _pruner(self.p)
        self.study.optimize(self._objective, timeout=self.p.spec.timeout, callbacks=[self._after], gc_after_trial=True)
        if self.error is not None:
            raise self.error

    def _done(self) -> int:
        from optuna.trial import TrialState

        return len(self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))

    def _objective(self, trial: optuna.Trial) -> float:
        from optuna.trial import TrialState

        trial.set_user_attr("worker", self.worker)
        trial.set_user_attr("token", process_token(os.getpid()))
        ahead = self.study.get_trials(
            deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
        )
        if sum(tr.number < trial.number for tr in ahead) >= self.p.spec.trials:
            trial.set_user_attr("surplus", True)
            raise _Surplus
        params = {d.key: d.suggest(trial) for d in self.p.spec.space}
        try:
            value = self._train(trial, params)
        except VisionLabError as err:
            trial.set_user_attr("error", str(err))
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self.error = err
            return math.nan  # FAIL, without Optuna's traceback
        self.failures = 0
        return value

    def _after(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        from optuna.trial import TrialState

        write_summary(self.p.spec.out, read_sweep(self.p.storage, self.p.spec.study, study))
        if self.on_trial is not None and not trial.user_attrs.get("surplus"):
            self.on_trial(record(trial, self.p.spec.space))
        running = len(study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)))
        if (
            self._done() + running >= self.p.spec.trials
            or self.error is not None
            or (self.stop is not None and self.stop())
        ):
            study.stop()  # the rest are running elsewhere: they finish the count

    def _train(self, trial: optuna.Trial, params: dict[str, Any]) -> float:
        import optuna

        from vision_lab.core.control import TrainerControl
        from vision_lab.core.events import Finished, Metrics, Started
        from vision_lab.core.trainer import Trainer

        spec, key = self.p.spec, self.p.objective
        cfg = apply_overrides(spec.config, params)
        cfg = cfg.replace(name=f"{spec.study} #{trial.number}")
        run_dir = spec.out / f"trial-{trial.number:04d}"
        trial.set_user_attr("run_dir", str(run_dir))
        control = TrainerControl()
        trainer = Trainer(cfg, dataset=self._dataset(cfg), run_dir=run_dir, control=control)
        last: float | None = None
        finished: Finished | None = None
        for event in trainer.events():
            if isinstance(event, Started):
                _write_trial_file(run_dir, spec.study, trial.number, self.p.storage, params)
            elif isinstance(event, Metrics) and event.epoch_end and key in event.values:
                last = event.values[key]
                if math.isfinite(last):
                    trial.report(last, event.epoch)
                    if spec.pruner != "none" and trial.should_prune() and not control.stop:
                        control.request_prune(
                            t(
                                "sweep.pruned",
                                "Pruned after epoch {epoch}: its {key} was worse than the median of earlier trials.",
                                epoch=event.epoch + 1,
                                key=key,
                            )
                        )
                if self.stop is not None and self.stop():
                    control.request_stop()
            elif isinstance(event, Finished):
                finished = event
        assert finished is not None
        trial.set_user_attr("status", finished.status)
        if finished.status == "unsaved":
            raise RunError(finished.message)
        if finished.status == "pruned":
            raise optuna.TrialPruned()
        if finished.status == "stopped":
            return math.nan
        value = finished.summary.get(key, last)
        return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.nan

    def _dataset(self, cfg: ExperimentConfig) -> ImageDataset:
        """The dataset, loaded once per process (trials only change its limits, which the trainer applies)."""
        from vision_lab.core.run_data import load_config_dataset

        d = cfg.data
        key = (d.name, d.val_fraction, d.split_seed, d.image_size, d.channels, d.count)
        if key not in self._datasets:
            self._datasets = {key: load_config_dataset(cfg)}
        return self._datasets[key]


def _sampler(p: Plan) -> optuna.samplers.BaseSampler:
    import optuna

    s = p.spec
    if s.sampler == "grid":
        return optuna.samplers.GridSampler(grid_space(s.space), seed=s.seed)
    if s.sampler == "random":
        return optuna.samplers.RandomSampler(seed=s.seed)
    # TPE's default of 10 random trials first is most of a 12-trial sweep; a third of the budget learns enough.
    return optuna.samplers.TPESampler(seed=s.seed, n_startup_trials=max(2, min(10, s.trials // 3)))


def _pruner(p: Plan) -> optuna.pruners.BasePruner:
    import optuna

    if p.spec.pruner == "none":
        return optuna.pruners.NopPruner()
    # The median of 3 finished trials is already a fair bar; the default 5 would spare most of a small sweep.
    return optuna.pruners.MedianPruner(n_startup_trials=max(2, min(5, p.spec.trials // 4)), n_warmup_steps=0)


def _write_trial_file(run_dir: Path, study: str, number: int, storage: str, params: dict[str, Any]) -> None:
    data = {"study": study, "trial": number, "storage": storage, "params": params}
    atomic_write_text(run_dir / TRIAL_FILE, json.dumps(data, indent=2) + "\n")


# --- dead trials ----------------------------------------------------------------------------------------------
def process_token(pid: int) -> str:
    """What tells this process from a later one given the same pid: its start time (Linux), else nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]  # field 22, starttime, counted after the command's name


def _alive(pid: int, token: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    return not token or process_token(pid) in ("", token)


def fail_dead_trials(study: optuna.Study) -> list[int]:
    """Mark FAIL the RUNNING trials of this host whose process is gone; their numbers. Optuna's heartbeat does the
    same for other hosts on an RDB storage, but only after the grace period: here it is at once."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get("worker", ""))
        name, _, pid = worker.rpartition(":")
        if name != host or not pid.isdigit() or _alive(int(pid), str(trial.user_attrs.get("token", ""))):
            continue
        with contextlib.suppress(UpdateFinishedTrialError):
            if study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL):
                failed.append(trial.number)
    return failed


# --- reading --------------------------------------------------------------------------------------------------
def record(trial: optuna.trial.FrozenTrial, space: Sequence[Dimension] = ()) -> TrialRecord:
    a = trial.user_attrs
    value = trial.value if trial.values is not None else None
    if value is None and trial.intermediate_values:  # a pruned trial: its last report
        value = trial.intermediate_values[max(trial.intermediate_values)]
    return TrialRecord(
        number=trial.number,
        params=decode_params(space, trial.params),
        value=value if value is None or math.isfinite(value) else None,
        state=trial.state.name.lower(),
        run_dir=a.get("run_dir"),
        status=a.get("status"),
        worker=a.get("worker"),
        error=a.get("error") or ("surplus" if a.get("surplus") else None),
    )


def read_sweep(storage: str, study_name: str, study: optuna.Study | None = None) -> SweepReport:
    """A study as plain data (``storage`` as :func:`storage_url` gives it): every trial but the surplus ones."""
    import optuna
    from optuna.trial import TrialState

    if study is None:
        try:
            study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
        except KeyError:
            raise ConfigError(
                t("sweep.study.missing", "There is no study {study} in {url}.", study=study_name, url=storage)
            ) from None
    space = parse_space(study.user_attrs.get("space", ["_=choice:0"]))
    trials = [record(tr, space) for tr in study.get_trials(deepcopy=False) if not tr.user_attrs.get("surplus")]
    done = [tr for tr in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    best = None
    if done:
        best = record(study.best_trial, space)
    return SweepReport(
        study=study_name,
        objective=str(study.user_attrs.get("objective", "")),
        direction=study.direction.name.lower(),
        storage=storage,
        trials=tuple(trials),
        best=best,
    )


def write_summary(out: Path, report: SweepReport) -> None:
    atomic_write_text(Path(out) / SUMMARY, json.dumps(report.to_dict(), indent=2) + "\n")


__all__ = [
    "PRUNERS",
    "SAMPLERS",
    "Plan",
    "SweepReport",
    "SweepSpec",
    "TrialRecord",
    "Worker",
    "fail_dead_trials",
    "open_study",
    "plan",
    "read_sweep",
    "resolve_objective",
    "storage_url",
]
