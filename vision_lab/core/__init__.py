"""The Qt-free core: data, models, the one training loop and run folders.

Nothing under this package may import PySide6, pyqtgraph or any other Qt helper
(tests/core/test_qt_free.py checks it).
"""
