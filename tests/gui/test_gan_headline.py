"""A GAN's result is confidence and coverage together, the same in every view (issue 15, item 4)."""

from __future__ import annotations

from conftest import click, make_tiny

from vision_lab.gui.panels.runs import COL_RESULT
from vision_lab.gui.results import final_metric_cell


def test_gan_result_is_confidence_and_coverage_everywhere(qtbot, window) -> None:
    w = window
    make_tiny(w, "gan")
    w.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(w.run_started, timeout=60000):
        click(qtbot, w.start_button)
    # Stop inside the second epoch: the run is judged once more at the step it stopped.
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._last_metrics.epoch_progress > 1.3, timeout=120000)
    with qtbot.waitSignal(w.run_ended, timeout=60000) as blocker:
        click(qtbot, w.stop_button)
    summary = blocker.args[0].summary
    confidence, coverage = summary["judge_confidence"], summary["judge_coverage"]
    headline = f"judge {confidence:.2f}, {coverage:.0f}/10 classes"
    assert final_metric_cell(summary)[0] == headline
    row = w.runs_list.topLevelItem(0)
    assert row.text(COL_RESULT) == headline
    gan = next(v for v in w.inspect_panel.views if v.title == "GAN")
    w.inspect_panel.setCurrentWidget(gan)
    w.inspect_panel.refresh(force=True)
    assert f"Judge {confidence:.2f}, {coverage:.0f}/10 classes at step {summary['steps']:,}" in gan.judge_text.text()
    assert w.open_run(blocker.args[0].run_dir)
    assert headline in w.status_label.text()


def test_a_collapsed_run_reads_as_one_class_not_as_a_sure_judge() -> None:
    text, key = final_metric_cell({"judge_confidence": 0.9997, "judge_coverage": 1.0, "classes": 10})
    healthy_text, healthy_key = final_metric_cell({"judge_confidence": 0.82, "judge_coverage": 10.0, "classes": 10})
    assert text == "judge 1.00, 1/10 classes" and healthy_text == "judge 0.82, 10/10 classes"
    assert healthy_key > key  # sorting by Result puts the working GAN first
