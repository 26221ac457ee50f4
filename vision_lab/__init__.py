"""Vision Lab: a desktop playground for computer vision with PyTorch."""

__version__ = "0.1.0"
