"""An opened run is the base of the next Start, as an opened lesson is: the settings no control shows (a block's
padding, the shift augmentation) stay the run's, instead of the family's defaults coming back unseen."""

from __future__ import annotations

from pathlib import Path

from vision_lab.core.config import with_overrides
from vision_lab.core.events import Finished
from vision_lab.core.presets import list_presets
from vision_lab.core.trainer import Trainer


def test_an_opened_run_trains_again_with_its_hidden_settings(qtbot, window, tmp_path: Path) -> None:
    preset = next(p for p in list_presets() if p.key.startswith("article-3-2"))
    overrides = {"data.limit": 32, "data.val_limit": 16, "train.epochs": 1, "train.batch_size": 16}
    cfg = with_overrides(preset.config, **overrides)
    assert cfg.cnn.blocks[0].padding == "valid" and cfg.train.augment_shift == 0
    run_dir = tmp_path / "run"
    *_, done = Trainer(cfg, run_dir=run_dir).events()
    assert isinstance(done, Finished) and done.status == "completed"
    assert window.open_run(run_dir)
    now = window.current_config()
    assert now.cnn == cfg.cnn
    assert now.train.augment_shift == 0
    w = window.model_panel
    w.update_table()
    conv = next(
        w.table.item(i, 1).text() for i in range(w.table.rowCount()) if w.table.item(i, 0).text() == "Conv2d #1"
    )
    assert conv == "32 × 26 × 26"
