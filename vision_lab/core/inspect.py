"""See inside a model: class probabilities, saliency, filters, feature maps, latent spaces, GAN noise walks.

:class:`Inspector` holds its own CPU copy of a task's modules (built from the config, a run folder, or a
preview's weight snapshot), so the views never touch the model that is training. Images go in and come out
as uint8 N×H×W×C numpy arrays, the form of :class:`~vision_lab.core.events.Preview` images; float32 images
in [0, 1] (a drawing canvas) are accepted too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.images import to_uint8
from vision_lab.core.inference import load_run_models
from vision_lab.core.run_data import to_tensor
from vision_lab.core.tasks import EVAL_BATCH, Task, make_task

CPU = torch.device("cpu")
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.Tanh, nn.Sigmoid)
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def _hwc(shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """(H, W, C) as the rest of the core uses; (C, H, W) is recognised by its channel count (1 or 3) in front."""
    a, b, c = (int(v) for v in shape)
    if c not in (1, 3) and a in (1, 3):
        return b, c, a
    return a, b, c


def _a(title: str) -> str:
    return f"an {title}" if title[0] in "AEIOU" or title.startswith("MLP") else f"a {title}"


def _normalise(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Min-max scale to [0, 1] over ``axes`` (each remaining index on its own); a flat slice becomes 0."""
    lo, hi = x.min(axis=axes, keepdims=True), x.max(axis=axes, keepdims=True)
    span = hi - lo
    return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1), 0).astype(np.float32)


class Inspector:
    """Inspect one model on the CPU. Build from a config (weights as the trainer's step 0), :meth:`from_run`,
    then :meth:`load` any ``Preview.weights`` to look at the model as it was at that preview."""

    def __init__(self, cfg: ExperimentConfig, image_shape: tuple[int, int, int], class_names: tuple[str, ...]) -> None:
        cfg = cfg.validate()
        # The trainer seeds and builds exactly so: untrained, this is the run's model at step 0. The fork
        # keeps the caller's RNG stream as it was.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.train.seed)
            task = make_task(cfg, _hwc(image_shape), tuple(class_names), CPU, trainable=False)
        self._use(task)

    @classmethod
    def from_run(cls, path: str | Path) -> Inspector:
        """The final weights of a saved run folder (RunError when it is missing or incomplete)."""
        inspector = cls.__new__(cls)
        inspector._use(load_run_models(path, "cpu").task)
        return inspector

    def _use(self, task: Task) -> None:
        task.train(False)
        self.task = task
        self.cfg: ExperimentConfig = task.cfg
        self.image_shape: tuple[int, int, int] = task.image_shape
        """(H, W, C)."""
        self.class_names: tuple[str, ...] = task.class_names

    @property
    def family(self) -> str:
        """The family's key (``cnn``); what its model can show is ``families.get(family).capabilities``."""
        return self.cfg.model

    def load(self, weights: dict[str, dict[str, np.ndarray]]) -> None:
        """Load a ``Preview.weights`` snapshot (modules it lacks keep their weights)."""
        for name, state in weights.items():
            module = self._module(name)
            try:
                # np.require copies only arrays torch cannot share (read-only ones, e.g. unpickled from a pipe).
                module.load_state_dict({k: torch.from_numpy(np.require(v, requirements="W")) for k, v in state.items()})
            except RuntimeError as err:
                first = str(err).strip().splitlines()[-1].strip()
                raise ValueError(f"These weights do not fit this model's {name} ({first}).") from None
        self.task.train(False)

    # --- helpers ---------------------------------------------------------------------------------------
    def _module(self, name: str) -> nn.Module:
        if name not in self.task.modules:
            known = ", ".join(self.task.modules)
            raise ValueError(f"This model has no part called '{name}'; it has: {known}.")
        return self.task.modules[name]

    def _need(self, what: str, capability: str) -> Any:
        """The task, when its family can do ``capability``; else ValueError naming the families that can."""
        mine = families.get(self.family)
        if not mine.has(capability):
            kinds = " or ".join(_a(f.title) for f in families.with_capability(capability))
            raise ValueError(f"{what} needs {kinds}; this model is {_a(mine.title)}.")
        return self.task

    def _batch(self, images: np.ndarray) -> torch.Tensor:
        """N×H×W×C (or N×H×W for one channel) uint8, or float in [0, 1] -> the model's input tensor."""
        h, w, c = self.image_shape
        a = np.asarray(images)
        if a.ndim == 3 and c == 1 and a.shape[1:] == (h, w):
            a = a[..., None]
        if a.ndim != 4 or a.shape[1:] != (h, w, c):
            raise ValueError(f"Expected images of shape N×{h}×{w}×{c}, got {'×'.join(map(str, a.shape))}.")
        return self._tensor(a)

    def _single(self, image: np.ndarray) -> torch.Tensor:
        """One H×W×C (or H×W for one channel) image -> a batch of one."""
        h, w, c = self.image_shape
        a = np.asarray(image)
        if a.ndim == 2 and c == 1:
            a = a[..., None]
        if a.shape != (h, w, c):
            raise ValueError(f"Expected one image of shape {h}×{w}×{c}, got {'×'.join(map(str, a.shape))}.")
        return self._tensor(a[None])

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        lo, hi = self.task.value_range
        # A fresh array has the strides the trainer's tensors have (even along the size-1 channel axis), so
        # the convolutions take the same code path and the numbers match the previews to the last bit.
        a = np.copy(a, order="C")
        if a.dtype == np.uint8:
            return to_tensor(a, (lo, hi), CPU)  # exactly the trainer's scaling
        if not np.issubdtype(a.dtype, np.floating):
            raise ValueError(f"Images must be uint8 (0 to 255) or floats in [0, 1], not {a.dtype}.")
        if not np.isfinite(a).all():
            raise ValueError("The image holds NaN or infinite values.")
        x = torch.from_numpy(np.clip(a, 0.0, 1.0, dtype=np.float32)).permute(0, 3, 1, 2)
        return (x * (hi - lo) + lo).contiguous()

    def _uint8(self, x: torch.Tensor) -> np.ndarray:
        return to_uint8(x.detach().float().permute(0, 2, 3, 1).cpu().numpy(), *self.task.value_range)

    # --- classifiers -----------------------------------------------------------------------------------
    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities, float32 N×classes (the same computation as the trainer's previews)."""
        task = self._need("Class probabilities", "probabilities")
        return task.predict_proba(self._batch(images)).numpy().astype(np.float32)

    def saliency(self, image: np.ndarray, target: int | None = None) -> np.ndarray:
        """|∂ logit[target] / ∂ pixel|, max over channels, scaled so the largest is 1: H×W float32.

        ``target`` defaults to the predicted class. Bright pixels are those whose change would move that
        class's score most.
        """
        model = self._need("A saliency map", "saliency").modules["model"]
        x = self._single(image).requires_grad_(True)
        with torch.enable_grad():
            logits = model(x)
            if target is None:
                target = int(logits.argmax(1))
            elif not 0 <= target < logits.shape[1]:
                raise ValueError(f"The class index must be between 0 and {logits.shape[1] - 1}, got {target}.")
            # autograd.grad leaves the parameters' .grad alone.
            (grad,) = torch.autograd.grad(logits[0, target], x)
        sal = grad[0].abs().amax(0).numpy()
        peak = float(sal.max())
        return (sal / peak if peak > 0 else np.zeros_like(sal)).astype(np.float32)

    def examples(
        self, images: np.ndarray, labels: np.ndarray, true_class: int, predicted_class: int, limit: int = 32
    ) -> np.ndarray:
        """Indices of images labelled ``true_class`` that the model predicts as ``predicted_class``."""
        probs = self.probabilities(images)
        labels = np.asarray(labels)
        if labels.shape != (len(probs),):
            raise ValueError(f"Expected {len(probs)} labels, one per image, got {labels.size}.")
        hits = np.flatnonzero((labels == true_class) & (probs.argmax(1) == predicted_class))
        return hits[: max(0, limit)].astype(np.int64)

    # --- convolutions ----------------------------------------------------------------------------------
    def conv_filters(self, module: str = "model") -> np.ndarray:
        """The first convolution's kernels, each scaled to [0, 1]: [out, kh, kw], or [out, kh, kw, 3] for colour."""
        convs = [m for m in self._module(module).modules() if isinstance(m, nn.Conv2d)]
        if not convs:
            raise ValueError("This model has no convolution layers.")
        w = convs[0].weight.detach().cpu().numpy()  # out, in, kh, kw
        if w.shape[1] == 3:
            w = w.transpose(0, 2, 3, 1)
        elif w.shape[1] == 1:
            w = w[:, 0]
        else:  # not an image layer: show what the kernel does on average over its inputs
            w = w.mean(1)
        return _normalise(w, tuple(range(1, w.ndim)))

    def feature_maps(
        self, image: np.ndarray, module: str = "model", max_maps: int = 16
    ) -> list[tuple[str, np.ndarray]]:
        """What each convolution layer makes of one image: ``[(name, maps[min(C, max_maps), H, W])]``.

        A map is taken after the layer's activation when one follows (after batch norm, if any), and each
        map is scaled to [0, 1] on its own. For the GAN pass ``module="discriminator"``.
        """
        if max_maps < 1:
            raise ValueError(f"max_maps must be at least 1, got {max_maps}.")
        root = self._module(module)
        leaves = [m for m in root.modules() if not list(m.children())]
        taps: list[nn.Module] = []
        # A block that pools before it activates (models/cnn.py) shows its activation at full size: the tap is
        # the layer before the pool, with the activation applied to what it saw.
        after: dict[int, nn.Module] = {}
        for i, m in enumerate(leaves):
            if isinstance(m, nn.Conv2d):
                j = i + 1
                while j < len(leaves) and isinstance(leaves[j], NORMS):
                    j += 1
                if (
                    j + 1 < len(leaves)
                    and isinstance(leaves[j], nn.MaxPool2d)
                    and isinstance(leaves[j + 1], ACTIVATIONS)
                ):
                    taps.append(leaves[j - 1])
                    after[id(leaves[j - 1])] = leaves[j + 1]
                else:
                    taps.append(leaves[j] if j < len(leaves) and isinstance(leaves[j], ACTIVATIONS) else m)
        if not taps:
            raise ValueError("This model has no convolution layers.")
        x = self._single(image)
        outputs: dict[int, torch.Tensor] = {}
        shapes: dict[int, tuple[int, ...]] = {}

        def hook(mod: nn.Module, _inp: object, out: torch.Tensor) -> None:
            act = after.get(id(mod))
            outputs.setdefault(id(mod), (act(out[0, :max_maps]) if act is not None else out[0, :max_maps]).clone())
            shapes.setdefault(id(mod), tuple(out.shape[1:]))

        hooks = [m.register_forward_hook(hook) for m in taps]
        try:
            with torch.inference_mode():
                root(x)
        finally:
            for h in hooks:
                h.remove()
        maps = []
        for k, m in enumerate(taps, 1):
            if id(m) in outputs:
                c, h, w = shapes[id(m)]
                maps.append((f"conv {k} ({c}×{h}×{w})", _normalise(outputs[id(m)].numpy(), (1, 2))))
        return maps

    # --- latent spaces (the autoencoder's) ----------------------------------------------------------------
    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """The model's output for each image (an autoencoder's reconstruction), uint8 N×H×W×C."""
        task = self._need("Reconstruction", "reconstruct")
        x = self._batch(images)
        return self._uint8(torch.cat([task.reconstruct(x[i : i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)]))

    def latent_codes(self, images: np.ndarray) -> np.ndarray:
        """Each image's latent code, float32 N×latent."""
        self._need("Latent codes", "latent")
        return self._encode(self._batch(images)).numpy()

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        return self._need("Latent codes", "latent").encode(x)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Images from latent codes (N×latent, or one code), uint8 N×H×W×C."""
        task = self._need("Decoding", "latent")
        return self._uint8(task.decode(self._codes(codes, task.latent_dim)))

    def interpolate_images(self, a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
        """Encode both images, walk in a straight line between the codes, decode: uint8 steps×H×W×C."""
        self._need("Interpolation", "latent")
        _check_steps(steps)
        codes = self._encode(torch.cat([self._single(a), self._single(b)]))
        t = torch.linspace(0, 1, steps)[:, None]
        # torch.lerp hits both ends exactly, so the first and last frames are the reconstructions.
        return self.decode(torch.lerp(codes[0:1], codes[1:2], t).numpy())

    @staticmethod
    def _codes(codes: np.ndarray, dim: int) -> torch.Tensor:
        z = np.asarray(codes, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != dim:
            raise ValueError(f"Expected codes of shape N×{dim}, got {'×'.join(map(str, np.shape(codes)))}.")
        if not np.isfinite(z).all():
            raise ValueError("The codes hold NaN or infinite values.")
        return torch.from_numpy(np.ascontiguousarray(z))

    # --- generating from noise (the GAN's) ---------------------------------------------------------------
    @property
    def latent_dim(self) -> int:
        """Length of the noise vector the generator (GAN) or of the code the decoder (autoencoder) takes."""
        mine = families.get(self.family)
        if not (mine.has("latent") or mine.has("generate")):
            able = [f for f in families.all_families() if f.has("latent") or f.has("generate")]
            kinds = " or ".join(_a(f.title) for f in able)
            raise ValueError(f"A latent size needs {kinds}; this model is {_a(mine.title)}.")
        return int(self.task.latent_dim)

    def generate(self, z: np.ndarray) -> np.ndarray:
        """Images from noise (N×latent) by the sampling generator (the averaged one when enabled), uint8."""
        task = self._need("Generating from noise", "generate")
        return self._uint8(task.generate(self._codes(z, task.latent_dim)))

    def interpolate_noise(self, z0: np.ndarray, z1: np.ndarray, steps: int) -> np.ndarray:
        """A walk from noise ``z0`` to ``z1``, uint8 steps×H×W×C.

        Spherical, not straight: Gaussian noise lives near a sphere, and the midpoint of a straight line
        lies well inside it, where the generator has never been trained (washed-out images).
        """
        dim = self._need("A noise walk", "generate").latent_dim
        _check_steps(steps)
        a = self._codes(z0, dim)[0].double().numpy()
        b = self._codes(z1, dim)[0].double().numpy()
        t = np.linspace(0.0, 1.0, steps)[:, None]
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        cos = float(np.clip(a @ b / (na * nb), -1.0, 1.0)) if na > 0 and nb > 0 else 1.0
        omega = np.arccos(cos)
        if np.sin(omega) < 1e-6:
            z = (1 - t) * a + t * b
        else:
            z = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
        z = z.astype(np.float32)
        z[0], z[-1] = a, b  # exact ends
        return self.generate(z)


def _check_steps(steps: int) -> None:
    if steps < 2:
        raise ValueError(f"An interpolation needs at least 2 steps, got {steps}.")


class LatentProjection:
    """Latent codes onto the plane of their two main directions (PCA), and points of that plane back.

    With a 2-D latent the projection is the identity: the map *is* the latent space.
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.components: np.ndarray | None = None
        """2×latent, orthonormal rows."""
        self.explained: float = 0.0
        """Share of the codes' variance the two directions hold (1.0 for a latent of 2 or fewer)."""

    def fit(self, codes: np.ndarray) -> LatentProjection:
        z = np.asarray(codes, dtype=np.float64)
        if z.ndim != 2 or len(z) < 2:
            raise ValueError("Fitting a projection needs at least two latent codes, as an N×latent array.")
        if not np.isfinite(z).all():
            raise ValueError("The latent codes hold NaN or infinite values.")
        d = z.shape[1]
        if d <= 2:
            self.mean = np.zeros(d)
            self.components = np.eye(2, d)
            self.explained = 1.0
            return self
        self.mean = z.mean(0)
        _, s, vt = np.linalg.svd(z - self.mean, full_matrices=False)
        comps = vt[:2]
        # Fixed signs (largest entry positive) so the map does not flip between refits as the model trains.
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(1)])
        self.components = comps * np.where(signs == 0, 1, signs)[:, None]
        total = float((s**2).sum())
        self.explained = float((s[:2] ** 2).sum() / total) if total > 0 else 0.0
        return self

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.components is None:
            raise ValueError("Fit the projection to some latent codes first.")
        return self.mean, self.components

    def project(self, codes: np.ndarray) -> np.ndarray:
        """N×latent -> N×2 float32."""
        mean, comps = self._fitted()
        z = np.asarray(codes, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != len(mean):
            raise ValueError(f"Expected codes of shape N×{len(mean)}, got {'×'.join(map(str, z.shape))}.")
        return ((z - mean) @ comps.T).astype(np.float32)

    def unproject(self, xy: np.ndarray) -> np.ndarray:
        """N×2 points of the map -> N×latent codes (the mean code plus the two directions), float32."""
        mean, comps = self._fitted()
        p = np.asarray(xy, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"Expected points of shape N×2, got {'×'.join(map(str, p.shape))}.")
        return (p @ comps + mean).astype(np.float32)


def most_confused(confusion: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest mistakes of a confusion matrix as (true, predicted, count), largest first."""
    m = np.asarray(confusion)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"A confusion matrix must be square, got shape {'×'.join(map(str, m.shape))}.")
    off = m.astype(np.int64).copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[: max(0, k)]
    rows, cols = np.unravel_index(flat, off.shape)
    return [(int(r), int(c), int(off[r, c])) for r, c in zip(rows, cols, strict=True) if off[r, c] > 0]
