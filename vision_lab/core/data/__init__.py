"""Datasets for Vision Lab: every source becomes one :class:`ImageDataset` (uint8 N×H×W×C + labels).

Qt-free (stdlib, numpy, Pillow). Sources live one per module: ``idx`` (the MNIST file format),
``mnist_family`` (bundled mnist-5k, MNIST, Fashion-MNIST, KMNIST, IDX folders), ``download``
(md5-checked, all-or-nothing downloads), ``cifar`` (safe unpacking and unpickling), ``shapes``
(procedural), ``folders`` (class-per-folder images), ``npz``; ``registry`` maps names and paths to them.
"""

from vision_lab.core.data.base import ImageDataset, ProgressFn, stratified_split
from vision_lab.core.data.idx import read_idx, write_idx
from vision_lab.core.data.registry import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    DatasetInfo,
    download_dataset,
    list_datasets,
    load_dataset,
)

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "DatasetInfo",
    "ImageDataset",
    "ProgressFn",
    "download_dataset",
    "list_datasets",
    "load_dataset",
    "read_idx",
    "stratified_split",
    "write_idx",
]
