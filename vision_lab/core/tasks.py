"""What one training step, an evaluation and a preview mean for each family.

The trainer owns the loop (order, timing, reporting); a task owns the models, the optimizers
and the maths. Inputs arrive as float NCHW tensors already on the device. Where families differ in what the
loop around them does (a fixed preview batch or noise, validation images or a judge, which modules a preview
carries), the loop asks the task through the hooks of :class:`Task`; a family declares its Task class in its
module of :mod:`vision_lab.core.families`.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, OptimConfig
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Preview
from vision_lab.core.images import to_uint8
from vision_lab.core.models import build_models, count_parameters
from vision_lab.core.models.autoencoder import Autoencoder

if TYPE_CHECKING:
    from vision_lab.core.data import ImageDataset

EVAL_BATCH = 1000


@dataclass
class RunContext:
    """What a task may use of the run that trains it, before its first step (:meth:`Task.prepare`)."""

    dataset: ImageDataset
    device: torch.device
    warn: Callable[[str], None]
    """Adds one sentence to the run's warnings (the CLI prints them; the window shows them)."""
    fit: Callable[[ExperimentConfig, ImageDataset], Task]
    """Trains another experiment to its end, on its own, and returns its task (the GAN's judge is such a run)."""


def make_optimizer(params: Any, cfg: OptimConfig, lr: float | None = None) -> torch.optim.Optimizer:
    lr = cfg.lr if lr is None else lr
    params = list(params)
    # fused: the whole update in one kernel per parameter group, on the CPU too. Measured on a 2-core CPU
    # (vision_lab/bench/PERFORMANCE.md, section 5): a 784-64-10 MLP step at batch 32 took 20% less than with
    # the default per-tensor loop, while foreach was no faster than the loop there. RMSprop has no fused form.
    fused = bool(params) and all(p.device.type in ("cpu", "cuda") for p in params)
    fast: dict[str, Any] = {"fused": True} if fused else {"foreach": True}
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, **fast)
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay, **fast)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay, **fast)
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, foreach=True)
    raise ValueError(cfg.name)


def _images_uint8(x: torch.Tensor, lo: float, hi: float) -> np.ndarray:
    """NCHW float tensor in [lo, hi] -> NHWC uint8 numpy."""
    return to_uint8(x.detach().float().permute(0, 2, 3, 1).cpu().numpy(), lo, hi)


class Task:
    """Base: named modules and optimizers, learning-rate control, state for checkpoints."""

    loss_names: tuple[str, ...] = ("train_loss",)
    eval_names: tuple[str, ...] = ()
    #: Pixel range the models see; images are scaled into it once, up front.
    value_range: tuple[float, float] = (0.0, 1.0)
    #: GAN: the judge's samples per class from the last :meth:`evaluate` (None elsewhere, or without a judge).
    class_counts: np.ndarray | None = None
    #: Mixed precision (set by the trainer): the step's forward passes run under autocast, its backward and
    #: optimizer steps outside it, through ``scaler`` for fp16.
    amp: bool = False
    scaler: torch.amp.GradScaler | None = None
    #: Images in the fixed preview batch, taken from the validation split (None: previews need no images).
    preview_count: int | None = None
    #: Evaluation needs validation images; without them a run reports no figures rather than made-up ones.
    needs_validation: bool = True

    def __init__(
        self,
        cfg: ExperimentConfig,
        image_shape: tuple[int, int, int],
        class_names: tuple[str, ...],
        device: torch.device,
        *,
        trainable: bool = True,
    ) -> None:
        self.cfg = cfg
        self.image_shape = image_shape
        self.class_names = class_names
        self.num_classes = max(1, len(class_names))
        self.device = device
        self.modules: dict[str, nn.Module] = {
            k: m.to(device) for k, m in build_models(cfg, image_shape, self.num_classes).items()
        }
        # Inspecting, exporting and sampling never train: no optimizers. The process's first optimizer imports
        # torch._dynamo (about a second), which held the window's thread at the start of its first run.
        self.optimizers: dict[str, torch.optim.Optimizer] = self._make_optimizers() if trainable else {}
        self.preview_x: torch.Tensor | None = None
        self.preview_y: torch.Tensor | None = None
        self.preview_from_training = False

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": make_optimizer(self.modules["model"].parameters(), self.cfg.optim)}

    def _update(self, loss: torch.Tensor, opt: torch.optim.Optimizer) -> None:
        """zero_grad, backward, step; under mixed precision outside autocast and through the fp16 loss scaler."""
        opt.zero_grad(set_to_none=True)
        if not self.amp:
            loss.backward()
            opt.step()
            return
        with torch.autocast(self.device.type, enabled=False):
            if self.scaler is None:
                loss.backward()
                opt.step()
            else:
                self.scaler.scale(loss).backward()
                self.scaler.step(opt)

    # --- learning rate ---------------------------------------------------------------------------------
    @property
    def lr(self) -> float:
        if not self.optimizers:  # a task built to look at, not to train
            return float(self.cfg.optim.lr)
        return float(next(iter(self.optimizers.values())).param_groups[0]["lr"])

    def set_lr(self, lr: float) -> None:
        """Applies from the next step. For the GAN the discriminator keeps its ratio to the generator."""
        old = self.lr
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = group["lr"] * (lr / old) if old > 0 else lr

    def parameters_count(self) -> dict[str, int]:
        # An averaged copy (the GAN's generator_ema) is not a model of its own.
        return {k: count_parameters(m) for k, m in self.modules.items() if not k.endswith("_ema")}

    def train(self, mode: bool = True) -> None:
        for m in self.modules.values():
            m.train(mode)

    # --- to override ---------------------------------------------------------------------------------
    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        """One optimisation step on a batch; returns the detached losses as a 1-D tensor (no sync)."""
        raise NotImplementedError

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        raise NotImplementedError

    def preview(self, step: int, epoch: int) -> Preview:
        raise NotImplementedError

    def set_preview_batch(self, x: torch.Tensor, y: torch.Tensor, *, from_training: bool = False) -> None:
        """The fixed images previews show: validation ones, or training ones when there is no validation split."""
        self.preview_x, self.preview_y = x, y
        self.preview_from_training = from_training

    def finite(self) -> bool:
        return all(torch.isfinite(p).all() for m in self.modules.values() for p in m.parameters())

    def extra_state(self) -> dict[str, torch.Tensor]:
        """State beyond weights and optimizers that the next step depends on (checkpoints keep it)."""
        return {}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        pass

    # --- hooks the loop and the inspection code ask ---------------------------------------------------------------
    def prepare(self, run: RunContext) -> None:
        """Before the first step, on the main process: load or train what the task needs besides its models."""

    def probe_modules(self) -> list[tuple[str, nn.Module]]:
        """The modules a preview runs in eval mode on its batch: health counts their dead ReLUs during it."""
        return [("model", self.modules["model"])] if "model" in self.modules else []

    def relu_chain(self) -> tuple[list[tuple[str, nn.Module]], torch.Tensor | None]:
        """Modules to run one after the other on an input, and that input, for counting dead ReLUs on demand."""
        return self.probe_modules(), self.preview_x

    def streamed_modules(self) -> list[str]:
        """The modules whose weights a preview carries to the inspection views (what they can show)."""
        return list(self.modules)


class ClassifierTask(Task):
    loss_names = ("train_loss",)
    eval_names = ("val_loss", "val_accuracy")
    preview_count = 32

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        model, opt = self.modules["model"], self.optimizers["model"]
        loss = F.cross_entropy(model(x), y)
        self._update(loss, opt)
        return loss.detach().reshape(1)

    @torch.inference_mode()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        model = self.modules["model"]
        was = model.training
        model.eval()
        try:
            return torch.cat([F.softmax(model(x[i : i + EVAL_BATCH]), 1) for i in range(0, len(x), EVAL_BATCH)])
        finally:
            model.train(was)

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        if not len(x):
            return {}, None  # no validation images: no figures, rather than a made-up 0
        model = self.modules["model"]
        was = model.training
        model.eval()
        loss_sum = torch.zeros((), device=self.device)
        preds = []
        for i in range(0, len(x), EVAL_BATCH):
            logits = model(x[i : i + EVAL_BATCH])
            loss_sum += F.cross_entropy(logits, y[i : i + EVAL_BATCH], reduction="sum")
            preds.append(logits.argmax(1))
        model.train(was)
        pred = torch.cat(preds)
        k = self.num_classes
        confusion = torch.bincount(y * k + pred, minlength=k * k).reshape(k, k).cpu().numpy()
        n = max(1, len(x))
        return (
            {"val_loss": float(loss_sum) / n, "val_accuracy": float((pred == y).sum()) / n},
            confusion,
        )

    def preview(self, step: int, epoch: int) -> Preview:
        assert self.preview_x is not None and self.preview_y is not None
        probs = self.predict_proba(self.preview_x)
        return Preview(
            step=step,
            epoch=epoch,
            kind="predictions",
            images=_images_uint8(self.preview_x, *self.value_range),
            labels=self.preview_y.cpu().numpy(),
            predictions=probs.argmax(1).cpu().numpy(),
            probabilities=probs.cpu().numpy().astype(np.float32),
            class_names=self.class_names,
            from_training=self.preview_from_training,
        )


class AutoencoderTask(Task):
    loss_names = ("train_loss",)
    eval_names = ("val_loss", "val_mse")
    preview_count = 16

    @property
    def model(self) -> Autoencoder:
        return self.modules["model"]  # type: ignore[return-value]

    @property
    def latent_dim(self) -> int:
        """Length of the code between encoder and decoder."""
        return int(self.cfg.autoencoder.latent_dim)

    @torch.inference_mode()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.model.encode(x[i : i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)])

    @torch.inference_mode()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.model.decode(z[i : i + EVAL_BATCH]) for i in range(0, len(z), EVAL_BATCH)])

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        opt = self.optimizers["model"]
        loss = F.mse_loss(self.model(x), x)
        self._update(loss, opt)
        return loss.detach().reshape(1)

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        if not len(x):
            return {}, None
        model = self.model
        was = model.training
        model.eval()
        total = torch.zeros((), device=self.device)
        for i in range(0, len(x), EVAL_BATCH):
            xb = x[i : i + EVAL_BATCH]
            total += F.mse_loss(model(xb), xb, reduction="sum")
        model.train(was)
        mse = float(total) / max(1, x.numel())
        return {"val_loss": mse, "val_mse": mse}, None

    @torch.inference_mode()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        model = self.model
        was = model.training
        model.eval()
        try:
            return model(x)
        finally:
            model.train(was)

    def preview(self, step: int, epoch: int) -> Preview:
        assert self.preview_x is not None
        out = self.reconstruct(self.preview_x)
        return Preview(
            step=step,
            epoch=epoch,
            kind="reconstructions",
            images=_images_uint8(self.preview_x, 0.0, 1.0),
            outputs=_images_uint8(out, 0.0, 1.0),
            labels=None if self.preview_y is None else self.preview_y.cpu().numpy(),
            class_names=self.class_names,
            from_training=self.preview_from_training,
        )


class GANTask(Task):
    """The standard (non-saturating) DCGAN losses.

    D: BCE(D(x), 1 - smoothing) + BCE(D(G(z)), 0).  G: BCE(D(G(z)), 1).
    The fake batch is generated once per step and used for both updates, as DCGAN does; ``gan.update`` says
    whether G trains against D after D's step (alternating) or both step from one pass (simultaneous).
    """

    loss_names = ("d_loss", "g_loss")
    eval_names = ("judge_confidence", "judge_coverage")
    value_range = (-1.0, 1.0)
    PREVIEW_COUNT = 64
    needs_validation = False  # the judge scores samples, not validation images

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gen = torch.Generator().manual_seed(self.cfg.train.seed + 7919)
        # Fixed noise: the same points in latent space every preview, so changes are the model's.
        self.fixed_noise = torch.randn(self.PREVIEW_COUNT, self.cfg.gan.latent_dim, generator=gen).to(self.device)
        self._last_g_loss = torch.zeros((), device=self.device)
        if self.cfg.gan.ema > 0:
            # Samples come from an exponential moving average of the generator's weights: the same
            # model, with the step-to-step jitter of adversarial training averaged out.
            ema = copy.deepcopy(self.modules["generator"]).requires_grad_(False)
            self.modules["generator_ema"] = ema
            self._ema_pairs = [
                (e, s)
                for e, s in zip(
                    [*ema.parameters(), *ema.buffers()],
                    [*self.modules["generator"].parameters(), *self.modules["generator"].buffers()],
                    strict=True,
                )
            ]
        self.judge: Any = None  # vision_lab.core.judge.Judge, loaded or trained by prepare()

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        return {
            "generator": make_optimizer(self.modules["generator"].parameters(), cfg.optim),
            "discriminator": make_optimizer(self.modules["discriminator"].parameters(), cfg.optim, cfg.gan.d_lr),
        }

    @property
    def lr(self) -> float:
        if not self.optimizers:
            return float(self.cfg.optim.lr)
        return float(self.optimizers["generator"].param_groups[0]["lr"])

    @property
    def latent_dim(self) -> int:
        """Length of the noise vector the generator takes."""
        return int(self.cfg.gan.latent_dim)

    def prepare(self, run: RunContext) -> None:
        """The judge that scores samples: shipped, cached, or trained now (a CNN on the run's data)."""
        if self.judge is not None:
            return
        from vision_lab.core.architecture import check_architecture
        from vision_lab.core.judge import get_judge, judge_config

        try:
            check_architecture(judge_config(run.dataset), run.dataset.image_shape)
        except ConfigError:  # its CNN does not fit these images (4×4 ones): the GAN trains without a judge
            run.warn("The GAN judge's network does not fit images this small, so this run has no judge figures.")
            return
        self.judge = get_judge(run.dataset, self.device, fit=run.fit, warn=run.warn)

    def probe_modules(self) -> list[tuple[str, nn.Module]]:
        return []  # a preview runs the averaged generator and no discriminator: nothing to count there

    def relu_chain(self) -> tuple[list[tuple[str, nn.Module]], torch.Tensor | None]:
        # The generator on the fixed noise, then the discriminator on what it made.
        return [("generator", self.modules["generator"]), ("discriminator", self.modules["discriminator"])], (
            self.fixed_noise
        )

    def streamed_modules(self) -> list[str]:
        # The raw generator stays home when its average makes the samples: a third less to copy and pickle.
        return [n for n in self.modules if not (n == "generator" and "generator_ema" in self.modules)]

    def extra_state(self) -> dict[str, torch.Tensor]:
        # With d_steps > 1 the steps between generator updates report the last generator loss.
        return {"last_g_loss": self._last_g_loss.detach().cpu()}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        if "last_g_loss" in state:
            self._last_g_loss = state["last_g_loss"].to(self.device)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        g, d = self.modules["generator"], self.modules["discriminator"]
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        n = x.shape[0]
        z = torch.randn(n, self.cfg.gan.latent_dim, device=self.device)
        fake = g(z)
        real_target = torch.full((n,), 1.0 - self.cfg.gan.label_smoothing, device=self.device)
        zeros = torch.zeros(n, device=self.device)
        train_g = step % self.cfg.gan.d_steps == 0
        if self.cfg.gan.update == "simultaneous" and train_g:
            # One pass through D on the fakes serves both losses; each backward reaches only its own model's
            # weights, and both step from the same state of the pair.
            d_fake = d(fake)
            d_loss = F.binary_cross_entropy_with_logits(d(x), real_target) + F.binary_cross_entropy_with_logits(
                d_fake, zeros
            )
            g_loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones(n, device=self.device))
            self._update_both(d_loss, d, opt_d, g_loss, g, opt_g)
        else:
            d_loss = F.binary_cross_entropy_with_logits(d(x), real_target) + F.binary_cross_entropy_with_logits(
                d(fake.detach()), zeros
            )
            self._update(d_loss, opt_d)
            if train_g:
                g_loss = F.binary_cross_entropy_with_logits(d(fake), torch.ones(n, device=self.device))
                self._update(g_loss, opt_g)
        if train_g:
            self._last_g_loss = g_loss.detach()
            self._update_ema(step // self.cfg.gan.d_steps + 1)
        return torch.stack((d_loss.detach(), self._last_g_loss))

    def _update_both(
        self,
        d_loss: torch.Tensor,
        d: nn.Module,
        opt_d: torch.optim.Optimizer,
        g_loss: torch.Tensor,
        g: nn.Module,
        opt_g: torch.optim.Optimizer,
    ) -> None:
        """The simultaneous update: D's gradient from ``d_loss`` only, G's from ``g_loss`` only, then both step."""
        opt_d.zero_grad(set_to_none=True)
        opt_g.zero_grad(set_to_none=True)
        scale = self.scaler.scale if self.amp and self.scaler is not None else (lambda t: t)
        with torch.autocast(self.device.type, enabled=False) if self.amp else contextlib.nullcontext():
            scale(d_loss).backward(inputs=list(d.parameters()), retain_graph=True)
            scale(g_loss).backward(inputs=list(g.parameters()))
            for opt in (opt_d, opt_g):
                if self.amp and self.scaler is not None:
                    self.scaler.step(opt)
                else:
                    opt.step()

    @torch.no_grad()
    def _update_ema(self, updates: int) -> None:
        """``updates``: generator updates so far, derived from the step so a resumed run continues exactly."""
        if self.cfg.gan.ema <= 0:
            return
        # Warm-up (as tf.train.ExponentialMovingAverage does): early on the average follows closely.
        decay = min(self.cfg.gan.ema, (1 + updates) / (10 + updates))
        floats = [(e, s) for e, s in self._ema_pairs if e.is_floating_point()]
        torch._foreach_lerp_([e for e, _ in floats], [s for _, s in floats], 1.0 - decay)
        for e, s in self._ema_pairs:
            if not e.is_floating_point():
                e.copy_(s)

    @property
    def sampler(self) -> nn.Module:
        """The generator that makes previews, judge verdicts and samples: the averaged one when enabled."""
        return self.modules.get("generator_ema") or self.modules["generator"]

    @torch.inference_mode()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] from noise, generator in eval mode (batch-norm running statistics)."""
        g = self.sampler
        was = g.training
        g.eval()
        try:
            return torch.cat([g(z[i : i + EVAL_BATCH]) for i in range(0, len(z), EVAL_BATCH)])
        finally:
            g.train(was)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[dict[str, float], np.ndarray | None]:
        if self.judge is None:
            return {}, None
        gen = torch.Generator().manual_seed(self.cfg.train.seed + 104729)
        z = torch.randn(self.cfg.gan.judge_samples, self.cfg.gan.latent_dim, generator=gen).to(self.device)
        verdict = self.judge.score((self.generate(z) + 1) / 2)
        self.class_counts = verdict.histogram.astype(np.int64)
        return {"judge_confidence": verdict.confidence, "judge_coverage": float(verdict.coverage)}, None

    def preview(self, step: int, epoch: int) -> Preview:
        fake = self.generate(self.fixed_noise)
        preds = probs = None
        if self.judge is not None:
            p = self.judge.probabilities((fake + 1) / 2)
            preds, probs = p.argmax(1).cpu().numpy(), p.cpu().numpy().astype(np.float32)
        return Preview(
            step=step,
            epoch=epoch,
            kind="samples",
            images=_images_uint8(fake, -1.0, 1.0),
            predictions=preds,
            probabilities=probs,
            class_names=self.class_names,
        )


def make_task(
    cfg: ExperimentConfig,
    image_shape: tuple[int, int, int],
    class_names: tuple[str, ...],
    device: torch.device,
    *,
    trainable: bool = True,
) -> Task:
    """``trainable=False``: the models alone, for looking at them (no optimizers)."""
    cls = families.get(cfg.model).load_task()
    return cls(cfg, image_shape, class_names, device, trainable=trainable)


def is_finite(x: float) -> bool:
    return math.isfinite(x)
