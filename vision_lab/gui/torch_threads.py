"""Which threads of the window's process may run PyTorch's parallel kernels: the training threads, not the GUI's.

Apart from vision_lab.gui.app (which starts everything) so that the worker, the panels and the twin window can ask
without importing the application's entry point.
"""

from __future__ import annotations

_training_threads: int | None = None


def keep_torch_off_the_gui_thread() -> None:
    """Let only training threads start OpenMP teams; the GUI thread computes single-threaded.

    Measured here (2 cores, GNU OpenMP): once the GUI thread has run one parallel torch op, its idle
    OpenMP team makes libgomp throttle the spinning of every other team, and a training loop on a
    worker thread ran 3× slower than the same loop on the main thread (MLP 14k vs 48k samples/s).
    With the GUI thread held to one thread from the start, the worker runs as fast as the CLI.
    Call before the first torch op; the worker calls :func:`training_threads` to take them all.
    """
    global _training_threads
    if _training_threads is None:
        import torch

        _training_threads = torch.get_num_threads()
        torch.set_num_threads(1)


def training_threads() -> int:
    """How many threads a training thread should use: torch's default before the GUI took one."""
    import torch

    return _training_threads or torch.get_num_threads()
