"""A canvas to draw a digit on, MNIST-style (white ink on black), and a small image view with a caption.

The drawing lives in a ``grid``×``grid`` float32 array in [0, 1] and is shown with its pixels kept sharp:
what you see is what the model gets. :meth:`DrawCanvas.mnist_image` applies the preprocessing MNIST's
digits went through, so a digit drawn small or off-centre still looks like the training data.

A second image (the autoencoder's reconstruction, say) can be painted next to the drawing with
:meth:`DrawCanvas.set_secondary`: same size and pixel grid as the drawing, so input and output compare
cell for cell. That is the recommended way; :class:`ImageView` shows one image anywhere else.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from vision_lab.gui.widgets.charts import mix

MNIST_SIZE = 28
MNIST_BOX = 20
INK_THRESHOLD = 0.05
"""Below this a pixel is not ink (eraser fringes, overlay-free noise)."""
SOFTNESS = 1.5
"""Width in grid pixels of the brush's soft edge; MNIST strokes fade over about that much."""
ERASER_SCALE = 2.0


def array_to_qimage(image: np.ndarray) -> QImage:
    """H×W or H×W×C (C 1, 3 or 4), uint8 or float in [0, 1] -> a QImage that owns its pixels."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = (np.clip(np.nan_to_num(arr.astype(np.float32)), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    c = arr.shape[2]
    fmt = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}[c]
    return QImage(arr.data, w, h, w * c, fmt).copy()


def heat_to_qimage(heat: np.ndarray) -> QImage:
    """H×W in [0, 1] -> translucent warm colours (dark red -> orange -> yellow), transparent at 0."""
    h = np.clip(np.nan_to_num(np.asarray(heat, dtype=np.float32)), 0.0, 1.0)
    stops = np.array([[160, 0, 40], [255, 100, 0], [255, 235, 60]], dtype=np.float32)
    pos = h * 2
    lo = np.minimum(pos.astype(np.int32), 1)
    t = (pos - lo)[..., None]
    rgb = stops[lo] * (1 - t) + stops[lo + 1] * t
    alpha = 235 * np.sqrt(h)  # faint heat still shows; strong heat nearly hides the ink
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    rgba = np.ascontiguousarray((rgba + 0.5).astype(np.uint8))
    rows, cols = h.shape
    return QImage(rgba.data, cols, rows, cols * 4, QImage.Format.Format_RGBA8888).copy()


def mnist_preprocess(ink: np.ndarray, size: int = MNIST_SIZE, box: int = MNIST_BOX) -> np.ndarray:
    """Crop to the ink, scale its longer side to ``box`` (anti-aliased), centre by mass in ``size``×``size``.

    This is how MNIST's digits were prepared. Centring is by whole pixels, and the digit is never pushed
    past the border: a very lopsided digit may end up to 1-2 px off the exact centre of mass.
    """
    out = np.zeros((size, size), np.float32)
    placed = _placement(ink, size, box)
    if placed is not None:
        _crop, (top, left), resized = placed
        out[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return out


def _placement(ink: np.ndarray, size: int, box: int) -> tuple[tuple[slice, slice], tuple[int, int], np.ndarray] | None:
    """Where :func:`mnist_preprocess` takes the ink from (the crop), where it puts it (top, left), and what it puts
    there; None for an empty drawing."""
    ink = np.asarray(ink, dtype=np.float32)
    mask = ink > INK_THRESHOLD
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
    h, w = ink[crop].shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resized = np.asarray(Image.fromarray(ink[crop]).resize((nw, nh), Image.Resampling.LANCZOS), dtype=np.float32)
    resized = np.clip(resized, 0.0, 1.0)  # Lanczos rings below 0 and above 1 at sharp edges
    total = float(resized.sum())
    if total <= 0:
        return None
    cy = float((resized.sum(axis=1) * np.arange(nh)).sum() / total)
    cx = float((resized.sum(axis=0) * np.arange(nw)).sum() / total)
    centre = (size - 1) / 2  # pixel-centre coordinates: 13.5 on 28
    top = int(np.clip(round(centre - cy), 0, size - nh))
    left = int(np.clip(round(centre - cx), 0, size - nw))
    return crop, (top, left), resized


def mnist_unplace(heat: np.ndarray, ink: np.ndarray, size: int = MNIST_SIZE, box: int = MNIST_BOX) -> np.ndarray:
    """A ``size``×``size`` map over :func:`mnist_preprocess`'s output taken back onto the drawing's grid: the part
    over the placed digit scaled back to the crop it came from, zero elsewhere. A heat map of what the model saw
    then lies over the strokes the learner drew, not where the centring moved them."""
    out = np.zeros(np.shape(ink), np.float32)
    placed = _placement(ink, size, box)
    if placed is None:
        return out
    crop, (top, left), resized = placed
    part = np.asarray(heat, np.float32)[top : top + resized.shape[0], left : left + resized.shape[1]]
    h, w = crop[0].stop - crop[0].start, crop[1].stop - crop[1].start
    out[crop] = np.asarray(Image.fromarray(part, mode="F").resize((w, h), Image.Resampling.BILINEAR), np.float32)
    return out


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of an image's centre of mass, pixel-centre coordinates."""
    img = np.asarray(image, dtype=np.float64)
    total = img.sum()
    if total <= 0:
        return (float("nan"), float("nan"))
    r = (img.sum(axis=1) * np.arange(img.shape[0])).sum() / total
    c = (img.sum(axis=0) * np.arange(img.shape[1])).sum() / total
    return (float(r), float(c))


class DrawCanvas(QWidget):
    """Left button draws a soft round stroke, right button erases (with a brush twice as wide).

    ``changed`` is emitted after each stroke segment that altered the drawing, and on clear/set_image.
    """

    changed = Signal()

    def __init__(self, grid: int = MNIST_SIZE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.grid = int(grid)
        self._ink = np.zeros((self.grid, self.grid), np.float32)
        self._ink_image = array_to_qimage(self._ink)
        self._brush = 2.0
        self._overlay: np.ndarray | None = None
        self._overlay_image: QImage | None = None
        self._secondary: QImage | None = None
        self._secondary_title = ""
        self._last: tuple[float, float] | None = None  # previous stroke point, grid coordinates
        self._erasing = False
        self._hover: QPointF | None = None
        self.hint = self.tr("Draw a digit here\nright button erases")
        #: Caption under the drawing, shown only next to a secondary image.
        self.canvas_title = self.tr("your drawing")
        self.setMouseTracking(True)  # for the brush outline under the cursor
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(224, 224)

    # --- brush -------------------------------------------------------------------------------------------
    @property
    def brush_size(self) -> float:
        """Brush diameter in grid pixels."""
        return self._brush

    @brush_size.setter
    def brush_size(self, value: float) -> None:
        self._brush = float(min(max(value, 0.5), self.grid / 2))
        self.update()

    def set_brush_size(self, value: float) -> None:
        self.brush_size = value

    # --- image -------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self._ink[:] = 0.0
        self._ink_changed()
        self.changed.emit()

    def set_image(self, arr: np.ndarray) -> None:
        """Replace the drawing: H×W float in [0, 1] (or uint8 0-255), resampled to the grid if needed."""
        a = np.asarray(arr)
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[:, :, 0]
        if a.ndim != 2:
            raise ValueError(f"expected an H×W image, got shape {a.shape}")
        a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
        if a.shape != (self.grid, self.grid):
            a = np.asarray(Image.fromarray(a).resize((self.grid, self.grid), Image.Resampling.BILINEAR))
        self._ink = np.clip(np.nan_to_num(a), 0.0, 1.0).astype(np.float32)
        self._ink_changed()
        self.changed.emit()

    def image(self) -> np.ndarray:
        """The raw drawing, ``grid``×``grid`` float32 in [0, 1] (a copy)."""
        return self._ink.copy()

    def mnist_image(self) -> np.ndarray:
        """28×28 float32: the drawing cropped, scaled to 20 px and centred by mass, as MNIST was."""
        return mnist_preprocess(self._ink)

    def is_empty(self) -> bool:
        return not bool((self._ink > INK_THRESHOLD).any())

    def set_overlay(self, heat: np.ndarray | None) -> None:
        """Paint an H×W [0, 1] heat map translucently over the ink (any resolution); None removes it."""
        if heat is None:
            self._overlay, self._overlay_image = None, None
        else:
            h = np.asarray(heat, dtype=np.float32)
            if h.ndim != 2:
                raise ValueError(f"expected an H×W heat map, got shape {h.shape}")
            self._overlay, self._overlay_image = h.copy(), heat_to_qimage(h)
        self.update()

    def overlay(self) -> np.ndarray | None:
        return None if self._overlay is None else self._overlay.copy()

    def set_secondary(self, image: np.ndarray | None, title: str = "") -> None:
        """Show ``image`` (H×W or H×W×C, uint8 or float) next to the drawing with ``title``; None hides it."""
        self._secondary = None if image is None else array_to_qimage(image)
        self._secondary_title = title if image is not None else ""
        self.updateGeometry()
        self.update()

    def has_secondary(self) -> bool:
        return self._secondary is not None

    def _ink_changed(self) -> None:
        self._ink_image = array_to_qimage(self._ink)
        self.update()

    # --- stroke ------------------------------------------------------------------------------------------------
    def _stamp(self, a: tuple[float, float], b: tuple[float, float], *, erase: bool) -> bool:
        """Draw (or erase) a round-capped segment a->b in grid coordinates; True if any pixel changed."""
        radius = self._brush * (ERASER_SCALE if erase else 1.0) / 2
        reach = radius + SOFTNESS / 2
        x_lo = max(0, int(np.floor(min(a[0], b[0]) - reach)))
        x_hi = min(self.grid, int(np.ceil(max(a[0], b[0]) + reach)) + 1)
        y_lo = max(0, int(np.floor(min(a[1], b[1]) - reach)))
        y_hi = min(self.grid, int(np.ceil(max(a[1], b[1]) + reach)) + 1)
        if x_lo >= x_hi or y_lo >= y_hi:
            return False
        # Distance from every pixel centre in the box to the segment: the whole segment at once, so a fast
        # stroke is as continuous as a slow one.
        ys, xs = np.mgrid[y_lo:y_hi, x_lo:x_hi].astype(np.float32) + 0.5
        ax, ay = a
        dx, dy = b[0] - ax, b[1] - ay
        length2 = dx * dx + dy * dy
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0) if length2 > 1e-12 else 0.0
        dist = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
        stroke = np.clip((reach - dist) / SOFTNESS, 0.0, 1.0)
        patch = self._ink[y_lo:y_hi, x_lo:x_hi]
        new = np.minimum(patch, 1.0 - stroke) if erase else np.maximum(patch, stroke)
        if np.array_equal(new, patch):
            return False
        self._ink[y_lo:y_hi, x_lo:x_hi] = new
        return True

    def _to_grid(self, pos: QPointF) -> tuple[float, float]:
        r = self.canvas_rect()
        return ((pos.x() - r.x()) / r.width() * self.grid, (pos.y() - r.y()) / r.height() * self.grid)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            super().mousePressEvent(event)
            return
        pt = self._to_grid(event.position())
        self._erasing = button == Qt.MouseButton.RightButton
        self._last = pt
        if self._stamp(pt, pt, erase=self._erasing):
            self._ink_changed()
            self.changed.emit()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        held = event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton)
        if self._last is not None and held:
            pt = self._to_grid(event.position())
            changed = self._stamp(self._last, pt, erase=self._erasing)
            self._last = pt
            if changed:
                self._ink_changed()
                self.changed.emit()
                return
        self.update()  # the brush outline follows the cursor

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self._last = None
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    # --- layout and painting -------------------------------------------------------------------------------------
    def _caption_height(self) -> int:
        return self.fontMetrics().height() + 6

    def _side_by_side(self) -> bool:
        return self.width() >= self.height() * 1.4

    def canvas_rect(self) -> QRectF:
        """The drawing area in widget coordinates (square, a whole number of screen pixels per grid cell)."""
        w, h = self.width(), self.height()
        margin = 2
        cap = self._caption_height()
        if self._secondary is None:
            side = min(w, h) - 2 * margin
        elif self._side_by_side():
            side = min((w - self._gap() - 2 * margin) / 2, h - cap - 2 * margin)
        else:
            side = min(w - 2 * margin, (h - 2 * cap - 4 - 2 * margin) / 2)
        if side >= self.grid:
            side = (side // self.grid) * self.grid  # equal cells: no uneven pixel rows
        side = max(side, 1.0)
        if self._secondary is None:
            x, y = (w - side) / 2, (h - side) / 2
        elif self._side_by_side():
            x, y = (w - 2 * side - self._gap()) / 2, (h - side - cap) / 2
        else:
            x, y = (w - side) / 2, (h - 2 * side - 2 * cap - 4) / 2
        return QRectF(round(x), round(y), side, side)

    def _gap(self) -> int:
        return self.fontMetrics().height()

    def secondary_rect(self) -> QRectF | None:
        if self._secondary is None:
            return None
        r = self.canvas_rect()
        if self._side_by_side():
            return r.translated(r.width() + self._gap(), 0)
        return r.translated(0, r.height() + self._caption_height() + 4)

    def sizeHint(self) -> QSize:
        if self._secondary is None:
            return QSize(280, 280)
        return QSize(580, 280 + self._caption_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(224, 224)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        window = pal.color(QPalette.ColorRole.Window)
        text = pal.color(QPalette.ColorRole.WindowText)
        p.fillRect(self.rect(), window)
        r = self.canvas_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(r, self._ink_image)
        if self._overlay_image is not None:
            # Heat maps are often coarser than the drawing (a 7×7 saliency map): smooth them.
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(r, self._overlay_image)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        # A frame, so the black square still has an edge on a dark window.
        frame = mix(text, window, 0.35)
        p.setPen(QPen(frame, 1))
        p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self.is_empty() and self.hint:
            p.setPen(QColor(150, 150, 150))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.hint)
        if self._secondary is not None:
            s = self.secondary_rect()
            assert s is not None
            p.fillRect(s, Qt.GlobalColor.black)
            p.drawImage(s, self._secondary)
            p.setPen(QPen(frame, 1))
            p.drawRect(s.adjusted(-0.5, -0.5, 0.5, 0.5))
            p.setPen(text)
            top = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            lh = self.fontMetrics().height()
            p.drawText(QRectF(s.x() - 20, s.bottom() + 3, s.width() + 40, lh), top, self._secondary_title)
            p.drawText(QRectF(r.x() - 20, r.bottom() + 3, r.width() + 40, lh), top, self.canvas_title)
        if self._hover is not None and r.contains(self._hover):
            cell = r.width() / self.grid
            radius = self._brush * cell / 2
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(255, 255, 255, 110), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(self._hover, radius, radius)
        p.end()


class ImageView(QWidget):
    """One image (H×W or H×W×C, uint8 or float in [0, 1]) scaled with sharp pixels, a caption underneath."""

    def __init__(self, caption: str = "", placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.placeholder = placeholder
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 64)

    def set_image(self, image: np.ndarray | None, caption: str | None = None) -> None:
        self._array = None if image is None else np.array(image)
        self._image = None if image is None else array_to_qimage(image)
        if caption is not None:
            self.caption = caption
        self.update()

    def image(self) -> np.ndarray | None:
        return None if self._array is None else self._array.copy()

    def image_rect(self) -> QRect:
        """Where the image is drawn: as large as fits, whole-number scale once it is 2× or more."""
        fm = self.fontMetrics()
        cap = fm.height() + 4 if self.caption else 0
        if self._image is None:
            return QRect()
        iw, ih = self._image.width(), self._image.height()
        s = min((self.width() - 4) / iw, (self.height() - cap - 4) / ih)
        if s >= 2:
            s = float(int(s))
        w, h = max(1, round(iw * s)), max(1, round(ih * s))
        return QRect((self.width() - w) // 2, (self.height() - cap - h) // 2, w, h)

    def sizeHint(self) -> QSize:
        return QSize(160, 160 + self.fontMetrics().height())

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        if self._image is None:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(6, 6, -6, -6),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        r = self.image_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(QRectF(r), self._image)
        text = pal.color(QPalette.ColorRole.WindowText)
        p.setPen(QPen(mix(text, pal.color(QPalette.ColorRole.Window), 0.35), 1))
        p.drawRect(QRectF(r).adjusted(-0.5, -0.5, 0.5, 0.5))
        if self.caption:
            p.setPen(text)
            fm = self.fontMetrics()
            cap = QRect(0, r.bottom() + 3, self.width(), fm.height())
            p.drawText(cap, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.caption)
        p.end()
