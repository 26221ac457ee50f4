"""Feature maps (and first-layer filters) as titled rows of small tiles, pixels kept sharp.

:class:`FeatureGrid` carries its own vertical QScrollArea: put it straight into a layout. The tiles are
painted by an inner canvas whose height follows its width (the rows wrap), so only the grid scrolls.
Tile size follows the font, so stage mode's bigger font gives bigger tiles too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from vision_lab.gui.widgets.charts import bold, mix

EMPTY_TEXT = QT_TRANSLATE_NOOP(
    "FeatureGrid", "No feature maps yet — pick or draw an image to see what each layer responds to."
)
GAP = 3


def _diverging_table() -> list[int]:
    """Blue (negative) -> near-white (zero, at 0.5) -> red (positive), as 256 ARGB values."""
    blue, white, red = np.array([33, 102, 172]), np.array([247, 247, 247]), np.array([178, 24, 43])
    table = []
    for i in range(256):
        t = i / 255
        rgb = blue + (white - blue) * (t * 2) if t < 0.5 else white + (red - white) * ((t - 0.5) * 2)
        r, g, b = (round(float(v)) for v in rgb)
        table.append(QColor(r, g, b).rgba())
    return table


DIVERGING = _diverging_table()


def _tile_image(tile: np.ndarray, diverging: bool) -> QImage:
    u8 = np.ascontiguousarray((np.clip(np.nan_to_num(tile), 0.0, 1.0) * 255 + 0.5).astype(np.uint8))
    h, w = u8.shape[:2]
    if u8.ndim == 3:
        return QImage(u8.data, w, h, w * 3, QImage.Format.Format_RGB888).copy()
    if diverging:
        img = QImage(u8.data, w, h, w, QImage.Format.Format_Indexed8).copy()
        img.setColorTable(DIVERGING)
        return img
    return QImage(u8.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def filters_to_unit(filters: np.ndarray) -> tuple[np.ndarray, bool]:
    """Raw conv weights -> ([N,k,k] or [N,k,k,3] in [0, 1], diverging?).

    Accepts [N,k,k], [N,k,k,3], [N,1,k,k] or [N,3,k,k]. One channel: symmetric around zero (0.5 is
    zero, shown white by the diverging colours) so the sign reads. Three channels: each filter stretched
    to [0, 1], as is usual for colour filters.
    """
    f = np.asarray(filters, dtype=np.float32)
    if f.ndim == 4 and f.shape[1] in (1, 3) and f.shape[-1] not in (1, 3):
        f = f.transpose(0, 2, 3, 1)  # torch layout [N, C, k, k] -> [N, k, k, C]
    if f.ndim == 4 and f.shape[-1] == 1:
        f = f[..., 0]
    if f.ndim == 3:
        m = float(np.abs(f).max()) or 1.0
        return 0.5 + 0.5 * f / m, True
    if f.ndim == 4 and f.shape[-1] == 3:
        lo = f.min(axis=(1, 2, 3), keepdims=True)
        hi = f.max(axis=(1, 2, 3), keepdims=True)
        return (f - lo) / np.maximum(hi - lo, 1e-12), False
    raise ValueError(f"filters must be [N,k,k], [N,k,k,3], [N,1,k,k] or [N,3,k,k]; got shape {f.shape}")


@dataclass
class _Group:
    title: str
    images: list[QImage]
    height: int
    width: int
    diverging: bool


@dataclass(frozen=True)
class _GroupLayout:
    title_rect: QRect
    tile: int  # tile side in pixels
    cols: int
    top: int  # y of the first tile row
    bottom: int


class _Canvas(QWidget):
    """Paints the groups; its minimum height is what its current width needs, so the scroll area scrolls."""

    def __init__(self, owner: FeatureGrid) -> None:
        super().__init__()
        self.owner = owner
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _pad(self) -> int:
        return max(6, self.fontMetrics().height() // 2)

    def tile_side(self, group: _Group) -> int:
        """About 3.6 text lines, rounded to a whole multiple of the map's pixels (sharp and even)."""
        target = self.fontMetrics().height() * 3.6 * self.owner.tile_scale
        side = max(group.height, group.width)
        return side * max(1, round(target / side)) if side < target else max(8, round(target))

    def layout_groups(self, width: int) -> list[_GroupLayout]:
        fm = QFontMetrics(bold(self.font()))
        pad = self._pad()
        y = pad
        out = []
        for g in self.owner._groups:
            tile = self.tile_side(g)
            cols = max(1, (width - 2 * pad + GAP) // (tile + GAP))
            rows = math.ceil(len(g.images) / cols)
            title = QRect(pad, y, width - 2 * pad, fm.height())
            top = y + fm.height() + 4
            bottom = top + rows * (tile + GAP) - GAP
            out.append(_GroupLayout(title, tile, cols, top, bottom))
            y = bottom + pad + fm.height() // 2
        return out

    def needed_height(self, width: int) -> int:
        groups = self.layout_groups(width)
        return groups[-1].bottom + self._pad() if groups else 0

    def tile_rect(self, group: int, index: int) -> QRect:
        lay = self.layout_groups(self.width())[group]
        r, c = divmod(index, lay.cols)
        return QRect(self._pad() + c * (lay.tile + GAP), lay.top + r * (lay.tile + GAP), lay.tile, lay.tile)

    def tile_at(self, pos: QPoint) -> tuple[int, int] | None:
        pad = self._pad()
        for gi, lay in enumerate(self.layout_groups(self.width())):
            if not lay.top <= pos.y() <= lay.bottom:
                continue
            c = (pos.x() - pad) // (lay.tile + GAP)
            r = (pos.y() - lay.top) // (lay.tile + GAP)
            i = r * lay.cols + c
            if 0 <= c < lay.cols and i < len(self.owner._groups[gi].images) and self.tile_rect(gi, i).contains(pos):
                return (gi, i)
        return None

    def sync_height(self) -> None:
        self.setMinimumHeight(self.needed_height(max(self.width(), 1)))
        self.update()

    def resizeEvent(self, event: object) -> None:
        self.setMinimumHeight(self.needed_height(self.width()))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.sync_height()
        super().changeEvent(event)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        p.fillRect(self.rect(), base)
        groups = self.owner._groups
        if not groups:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.owner.placeholder,
            )
            return
        pad = self._pad()
        visible = self.visibleRegion().boundingRect()
        bold_font = bold(self.font())
        frame = QPen(mix(text, base, 0.25), 1)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for g, lay in zip(groups, self.layout_groups(self.width()), strict=True):
            if lay.bottom < visible.top() or lay.title_rect.top() > visible.bottom():
                continue  # only the rows in view; a deep net can have hundreds of tiles
            p.setFont(bold_font)
            p.setPen(text)
            p.drawText(lay.title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, g.title)
            title_w = p.fontMetrics().horizontalAdvance(g.title)
            p.setFont(self.font())
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                lay.title_rect.adjusted(title_w + pad, 0, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{len(g.images)} × {g.height}×{g.width}",
            )
            for i, img in enumerate(g.images):
                r, c = divmod(i, lay.cols)
                target = QRect(pad + c * (lay.tile + GAP), lay.top + r * (lay.tile + GAP), lay.tile, lay.tile)
                p.drawImage(QRectF(target), img)
                # A hairline frame: black tiles on a dark window would otherwise merge into one block.
                p.setPen(frame)
                p.drawRect(target.adjusted(0, 0, -1, -1))
        p.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.tile_at(event.pos())
            if hit is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), f"{self.owner._groups[hit[0]].title} · #{hit[1]}", self)
            return True
        return super().event(event)


class FeatureGrid(QWidget):
    """Groups of maps, one titled, wrapping row of tiles per group; scrolls inside itself when tall."""

    def __init__(self, placeholder: str = EMPTY_TEXT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = self.tr(placeholder)  # EMPTY_TEXT translated; a caller's own text comes translated
        #: Multiplies the default tile size (about 3.6 text lines).
        self.tile_scale = 1.0
        self._groups: list[_Group] = []
        self.canvas = _Canvas(self)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("featureGridScroll")
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll_area)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def set_maps(self, groups: Sequence[tuple[str, np.ndarray]], *, diverging: bool = False) -> None:
        """Each group: (title, [N,H,W] or [N,H,W,3] floats in [0, 1]). ``diverging``: blue-white-red, 0.5 white."""
        self._groups = [self._make_group(title, maps, diverging) for title, maps in groups]
        self.canvas.sync_height()

    def set_filters(self, filters: np.ndarray, title: str = "") -> None:
        """Raw first-layer weights (see :func:`filters_to_unit` for the layouts and scaling) as one group."""
        title = title or self.tr("first-layer filters")
        unit, diverging = filters_to_unit(filters)
        self._groups = [self._make_group(title, unit, diverging)]
        self.canvas.sync_height()

    def clear(self) -> None:
        self._groups = []
        self.canvas.sync_height()

    def _make_group(self, title: str, maps: np.ndarray, diverging: bool) -> _Group:
        arr = np.asarray(maps, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
            raise ValueError(f"group '{title}': expected [N,H,W] or [N,H,W,3], got shape {arr.shape}")
        images = [_tile_image(m, diverging and arr.ndim == 3) for m in arr]
        return _Group(str(title), images, int(arr.shape[1]), int(arr.shape[2]), diverging)

    def group_count(self) -> int:
        return len(self._groups)

    def group_titles(self) -> list[str]:
        return [g.title for g in self._groups]

    def tile_count(self, group: int) -> int:
        return len(self._groups[group].images)

    def tile_rect(self, group: int, index: int) -> QRect:
        """Tile ``index`` of ``group`` in this widget's coordinates (it may be scrolled out of view)."""
        r = self.canvas.tile_rect(group, index)
        return QRect(self.canvas.mapTo(self, r.topLeft()), r.size())

    def sizeHint(self) -> QSize:
        lh = self.fontMetrics().height()
        return QSize(lh * 30, lh * 20)
