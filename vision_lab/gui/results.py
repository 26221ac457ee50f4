"""A run's results as the window shows them: its Result text (the runs list, Compare, the status bar) and its
metrics.csv rows as the events the trainer emitted for them (the plot redraws a saved run from them)."""

from __future__ import annotations

import math
from typing import Any

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.events import Metrics
from vision_lab.gui import families as gui_families

# Not figures a curve is drawn from.
_BOOKKEEPING = ("step", "epoch", "lr", "samples_per_s", "elapsed_s")


def final_metric_cell(summary: dict[str, Any] | None) -> tuple[str, float]:
    """The Result column: its text and a sort key (higher is better; a run without a figure sorts last).

    The run's family says what its result is: its headline metric, or its window module's own text (the GAN's judge
    as confidence and coverage together, vision_lab/gui/families/gan.py).
    """
    summary = summary or {}
    model = summary.get("model")
    # A summary that names no family (an old or foreign one): the first family whose result it holds.
    order = [families.get(model)] if model in families.names() else list(families.all_families())
    for family in order:
        gui = gui_families.get(family.key) if family.key in gui_families.names() else None
        own = gui.result_text(summary) if gui is not None and gui.result_text is not None else None
        if own is not None:
            return own
        headline = family.metric(family.headline)
        value = summary.get(headline.key)
        if isinstance(value, int | float) and math.isfinite(value):
            title = core_i18n.text(headline.title).removeprefix("val ")
            text = f"{title} {value:.1%}" if headline.percent else f"{title} {value:.4f}"
            return text, float(value) if headline.higher_is_better else -float(value)
    return "–", -math.inf


TIMING = ("samples_per_s", "elapsed_s")


def metrics_from_row(row: dict[str, float | None]) -> Metrics:
    """A metrics.csv row as the event the trainer emitted for it (epoch-end rows carry the validation figures)."""
    x = float(row.get("epoch") or 0.0)
    values = {k: v for k, v in row.items() if k not in _BOOKKEEPING and v is not None and math.isfinite(v)}
    epoch_end = any(_at_epoch_end(k) for k in values)
    epoch = max(0, math.ceil(x) - 1) if epoch_end else int(x)
    row_values = {k: float(v) for k, v in row.items() if k not in TIMING and v is not None and math.isfinite(v)}
    return Metrics(
        rows=(row_values,),
        step=int(row.get("step") or 0),
        epoch=epoch,
        epoch_progress=x,
        values=values,
        samples_per_s=float(row.get("samples_per_s") or 0.0),
        elapsed_s=float(row.get("elapsed_s") or 0.0),
        eta_s=0.0,
        lr=float(row.get("lr") or 0.0),
        epoch_end=epoch_end,
    )


def _at_epoch_end(key: str) -> bool:
    """A figure measured at epoch ends only (validation, the judge): its row is an epoch's end."""
    metric = families.metric(key)
    return metric.epoch_only if metric is not None else key.startswith("val_")


__all__ = ["final_metric_cell", "metrics_from_row"]
