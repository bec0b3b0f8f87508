"""Training the MNIST networks (Ho & Salimans, Algorithm 1, plus the classifiers for guidance and judging).

eps-model (joint conditional / unconditional, one network):
    x, c ~ guide split;  c <- null (= num_classes) with probability p_uncond
    lam = -2 log tan(a u + b), u ~ U[0, 1];  eps ~ N(0, I);  z = alpha_lam x + sigma_lam eps
    step on || eps_theta(z, lam, c) - eps ||^2;  sampling uses an EMA of the weights.
    With p_aug > 0 a share of the digits is rotated / scaled / shifted first and eps_theta is told the parameters
    (non-leaking augmentation, augment.py); scale_shift builds eps_theta with adaptive group norm (unet.ResBlock).
classifier_noisy  p_phi(c | z_lam, lam): cross-entropy on z = q_sample(x, lam, eps), lam per example
classifier_clean  p_phi(c | x): cross-entropy on clean guide digits (the "ordinary" classifier)
judge             cross-entropy on clean JUDGE digits (never seen by any guide); grades samples

Stages run in the order judge, classifier_clean, classifier_noisy, eps_model; a checkpoint (all
modules, record with per-stage progress) is written every `checkpoint_every` steps and at the end
of each stage, so an interrupted run resumes where it stopped (fresh optimiser state on resume).

eps_model_weak   autoguidance's bad model (Karras et al. 2024): the EMA eps-network of this same run as it
                 stood after 1/8 of its steps (`weak_step`), kept in the checkpoint beside the final one.
"""
from __future__ import annotations

import copy
import warnings
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.optim.swa_utils import AveragedModel
from tqdm import tqdm

from cfg_core.checkpoint import load_checkpoint, load_module, save_checkpoint
from cfg_core.schedule import Schedule, q_sample
from cfg_core.training import classifier_loss, eps_loss  # Algorithm 1 and the guide losses, shared with 2D
from cfg_core.mnist.augment import AUG_DIM, augment
from cfg_core.mnist.unet import DigitClassifier, EpsUNet
from cfg_core.mnist.data import Digits

STAGES = ("judge", "classifier_clean", "classifier_noisy", "eps_model")


@dataclass(frozen=True)
class MnistTrainConfig:
    """Steps and sizes; the defaults are what the shipped checkpoint was trained with."""

    eps_steps: int = 6000  # Adam steps of the eps U-Net (most of the wall time: 44 min at 2 threads)
    noisy_steps: int = 2500  # steps of the noise-aware guide classifier
    clean_steps: int = 800  # steps of the clean guide classifier
    judge_steps: int = 1200  # steps of the judge
    batch_size: int = 128  # digits per step
    lr: float = 1e-3  # Adam learning rate (all nets), cosine-decayed to 10 % over each stage
    p_uncond: float = 0.1  # probability of training eps(z) with the null label (paper: 0.1 or 0.2)
    ema_decay: float = 0.999  # EMA of eps-model weights used for sampling
    checkpoint_every: int = 250  # steps between checkpoints
    shift: int = 2  # classifiers' augmentation: random translation by up to this many pixels
    p_aug: float = 0.3  # eps-network's non-leaking augmentation: probability a digit is transformed (augment.py)
    scale_shift: bool = True  # eps-network conditioned by adaptive group norm (unet.ResBlock), not an added bias
    eps_channels: tuple[int, int, int] = (16, 32, 64)  # U-Net widths at 28, 14, 7 pixels
    guide_ch: int = 16  # width of the two guide classifiers
    judge_ch: int = 32  # width of the judge (more capacity: it must be accurate)

    def __post_init__(self) -> None:
        if not 0 <= self.p_uncond < 1:
            raise ValueError(f"p_uncond must be in [0, 1), got {self.p_uncond}")
        if not 0 <= self.p_aug <= 1:
            raise ValueError(f"p_aug must be in [0, 1], got {self.p_aug}")
        for name in ("eps_steps", "noisy_steps", "clean_steps", "judge_steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    def steps_of(self, stage: str) -> int:
        return {"judge": self.judge_steps, "classifier_clean": self.clean_steps,
                "classifier_noisy": self.noisy_steps, "eps_model": self.eps_steps}[stage]


CONFIGS = {"default": MnistTrainConfig(),
           "tiny": MnistTrainConfig(eps_steps=2, noisy_steps=2, clean_steps=2, judge_steps=2, batch_size=8,
                                    checkpoint_every=1, eps_channels=(8, 8, 8), guide_ch=8, judge_ch=8)}


def weak_step(config: MnistTrainConfig) -> int:
    """The eps-step after which the EMA weights are kept as autoguidance's bad model (1/8 of the run)."""
    return max(1, config.eps_steps // 8)


def module_kwargs(config: MnistTrainConfig) -> dict[str, dict]:
    """Constructor kwargs per module name (stored in the record so loading can rebuild)."""
    eps = {"channels": list(config.eps_channels)}  # records before 2026-12-01 evening have only channels
    if config.p_aug > 0:
        eps["aug_dim"] = AUG_DIM
    if config.scale_shift:
        eps["scale_shift"] = True
    return {"eps_model": eps,
            "classifier_noisy": {"ch": config.guide_ch, "noise_aware": True},
            "classifier_clean": {"ch": config.guide_ch, "noise_aware": False},
            "judge": {"ch": config.judge_ch, "noise_aware": False}}


MAX_WIDTH = 1024  # channels a stored record may ask for: anything else is a broken record


def _check_widths(kwargs, name: str) -> dict:
    """A record's constructor kwargs with every width an integer in [1, MAX_WIDTH] (ValueError otherwise)."""
    if not isinstance(kwargs, dict):
        raise ValueError(f"{name} must be an object of constructor arguments")
    for key, value in kwargs.items():
        values = value if key == "channels" and isinstance(value, list) and 1 <= len(value) <= 6 else [value]
        if key in ("noise_aware", "scale_shift"):
            if not isinstance(value, bool):
                raise ValueError(f"{name}.{key} must be true or false, got {str(value)[:40]}")
        elif any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_WIDTH for v in values):
            raise ValueError(f"{name}.{key} must be integers in [1, {MAX_WIDTH}], got {str(value)[:40]}")
    return kwargs


def build_module(name: str, kwargs: dict) -> nn.Module:
    """The network for a module name from its stored kwargs (checked, so a broken record is a ValueError)."""
    kwargs = _check_widths(kwargs, name)
    if name in ("eps_model", "eps_model_raw", "eps_model_weak"):
        return EpsUNet(**{**kwargs, "channels": tuple(kwargs["channels"])})
    if name in ("classifier_noisy", "classifier_clean", "judge"):
        return DigitClassifier(**kwargs)
    raise ValueError(f"unknown module {name!r}")


def batch(digits: Digits, size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    idx = torch.randint(len(digits), (size,), generator=generator)  # [B]
    return digits.x[idx], digits.c[idx]


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each image by up to max_shift pixels (background -1 fills in).  # [B, 1, 28, 28]"""
    if max_shift == 0:
        return x
    pad = nn.functional.pad(x, (max_shift,) * 4, value=-1.0)  # [B, 1, 28+2s, 28+2s]
    offsets = torch.randint(0, 2 * max_shift + 1, (x.shape[0], 2), generator=generator).tolist()
    return torch.stack([pad[i, :, a:a + x.shape[2], b:b + x.shape[3]] for i, (a, b) in enumerate(offsets)])


def ema_of(ema: nn.Module, decay: float, start: int) -> AveragedModel:
    """torch's EMA (swa_utils.AveragedModel) over an existing EMA module, with the warm-up decay
    min(decay, (1 + k) / (10 + k)) at update k (counting from `start` on resume); ema is updated in place."""
    def avg(p_ema, p, k):
        step = start + int(k) - 1  # AveragedModel counts updates from 1 after its first copy
        d = min(decay, (1 + step) / (10 + step))
        return p_ema + (p - p_ema) * (1 - d)
    averaged = AveragedModel(ema, avg_fn=avg, use_buffers=False)
    averaged.module = ema  # average into the stored EMA module itself, not a copy
    averaged.n_averaged.fill_(1)  # the stored EMA is the average so far: never overwrite it with a copy
    return averaged


@torch.no_grad()
def classifier_accuracy(classifier, digits: Digits, lam: float | None = None, chunk: int = 500) -> float:
    """Top-1 accuracy of a classifier on digits (at log-SNR lam, clean if None)."""
    classifier.eval()
    hits = 0
    for i in range(0, len(digits), chunk):
        x, c = digits.x[i:i + chunk], digits.c[i:i + chunk]
        lam_t = torch.full((x.shape[0],), Schedule().lam_max if lam is None else lam)
        hits += int((classifier(x, lam_t).argmax(1) == c).sum())
    return hits / max(1, len(digits))


def cosine_schedule(opt: torch.optim.Optimizer, config: MnistTrainConfig, start: int, total: int) -> CosineAnnealingLR:
    """torch's cosine decay from lr to 0.1 lr over a stage, fast-forwarded to `start` on resume."""
    sched = CosineAnnealingLR(opt, T_max=total, eta_min=0.1 * config.lr)
    with warnings.catch_warnings():  # stepping the schedule without optimiser steps is the point here
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(start):
            sched.step()
    return sched


@dataclass
class TrainState:
    """Everything a checkpoint holds (mutable while training)."""

    modules: dict[str, nn.Module]  # eps_model (EMA), eps_model_raw, classifier_noisy, classifier_clean, judge,
    # and eps_model_weak once the eps stage has passed weak_step
    record: dict  # the JSON record: progress, losses, seconds, ...


def new_state(config: MnistTrainConfig, seed: int, command: str, dataset: str, device: str) -> TrainState:
    kwargs = module_kwargs(config)
    modules = {name: build_module(name, kw).to(device) for name, kw in kwargs.items()}
    modules["eps_model_raw"] = copy.deepcopy(modules["eps_model"])
    record = {"dataset": dataset, "modules": kwargs, "config": asdict(config), "seed": seed,
              "command": command, "p_uncond": config.p_uncond, "device": device,
              "steps": {s: 0 for s in STAGES}, "seconds": 0.0, "seconds_per_stage": {s: 0.0 for s in STAGES},
              "losses": {s: [] for s in STAGES}, "finished": False, "torch": torch.__version__}
    return TrainState(modules, record)


def resume_state(directory, config: MnistTrainConfig, device: str) -> TrainState:
    """The state saved in a checkpoint directory; ValueError if its networks differ from config's."""
    states, record = load_checkpoint(directory, required=STAGES + ("eps_model_raw",))
    if record.get("modules") != module_kwargs(config):
        raise ValueError(f"cannot resume {directory}: its networks {record.get('modules')} differ from "
                         f"this run's {module_kwargs(config)}")
    modules = {}
    for name in STAGES + ("eps_model_raw",) + (("eps_model_weak",) if "eps_model_weak" in states else ()):
        kw = record["modules"]["eps_model" if name.startswith("eps_model") else name]
        modules[name] = load_module(build_module(name, kw), states[name], f"{directory}:{name}").to(device)
    record["config"] = asdict(config)
    return TrainState(modules, record)


def _stage_loss(stage, model, x, c, config, schedule, generator):
    if stage == "eps_model":
        aug = None
        if config.p_aug > 0:
            x, aug = augment(x, config.p_aug, generator)
        return eps_loss(model, x, c, config.p_uncond, schedule, generator, aug=aug)
    x = random_shift(x, config.shift, generator)
    return classifier_loss(model, x, c, stage == "classifier_noisy", schedule, generator)


def run_stage(stage: str, state: TrainState, splits: dict[str, Digits], config: MnistTrainConfig,
              generator: torch.Generator, save) -> None:
    """Train one module from its recorded progress to config's step count, checkpointing on the way."""
    total, start = config.steps_of(stage), state.record["steps"][stage]
    if start >= total:
        return
    model = state.modules["eps_model_raw" if stage == "eps_model" else stage].train()
    device = next(model.parameters()).device
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = cosine_schedule(opt, config, start, total)
    ema = ema_of(state.modules["eps_model"], config.ema_decay, start) if stage == "eps_model" else None
    data = splits["judge" if stage == "judge" else "guide"]
    schedule, window, t0 = Schedule(), [], time.perf_counter()
    bar = tqdm(range(start, total), initial=start, total=total, desc=stage, dynamic_ncols=True)
    for step in bar:
        x, c = batch(data, config.batch_size, generator)
        loss = _stage_loss(stage, model, x.to(device), c.to(device), config, schedule, generator)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if ema is not None:
            ema.update_parameters(model)
            if step + 1 == weak_step(config):  # autoguidance's bad model: this run's EMA at 1/8 of its steps
                state.modules["eps_model_weak"] = copy.deepcopy(state.modules["eps_model"]).eval()
                state.record["weak_step"] = step + 1
        window.append(loss.item())
        state.record["steps"][stage] = step + 1
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == total:
            bar.set_postfix(loss=f"{sum(window) / len(window):.4f}")
            state.record["losses"][stage].append([step + 1, sum(window) / len(window)])
            state.record["seconds_per_stage"][stage] += time.perf_counter() - t0
            state.record["seconds"] += time.perf_counter() - t0
            window, t0 = [], time.perf_counter()
            save(state)
    model.eval()


def evaluate(state: TrainState, held_out: Digits) -> dict[str, float]:
    """Held-out accuracies of the three classifiers (the noisy one at several log-SNRs)."""
    m = state.modules
    out = {"judge": classifier_accuracy(m["judge"], held_out), "classifier_clean": classifier_accuracy(m["classifier_clean"], held_out)}
    generator = torch.Generator().manual_seed(0)
    for lam in (15.0, 0.0, -3.0):
        eps = torch.randn(held_out.x.shape, generator=generator)
        lam_t = torch.full((len(held_out),), lam)
        noisy = Digits(q_sample(held_out.x, lam_t, eps), held_out.c)
        out[f"classifier_noisy@lam={lam:g}"] = classifier_accuracy(m["classifier_noisy"], noisy, lam)
        out[f"classifier_clean@lam={lam:g}"] = classifier_accuracy(m["classifier_clean"], noisy, lam)
    return out


def train_mnist(splits: dict[str, Digits], config: MnistTrainConfig, out_dir, seed: int, command: str,
                dataset: str = "mnist", device: str = "cpu", resume: bool = False) -> dict:
    """Run all stages (resuming from out_dir if asked), save the checkpoint, return the record."""
    state = resume_state(out_dir, config, device) if resume else new_state(config, seed, command, dataset, device)
    if resume:
        state.record.setdefault("resumed_by", []).append(command)  # "command" stays the original run's
    offset = sum(state.record["steps"].values())  # a resumed run draws fresh random numbers
    generator = torch.Generator().manual_seed(seed * 1_000_003 + offset)
    state.record["threads"] = torch.get_num_threads()

    def save(s: TrainState) -> None:
        save_checkpoint(out_dir, s.modules, s.record)  # copies the weights to CPU

    for stage in STAGES:
        run_stage(stage, state, splits, config, generator, save)
    state.record["held_out_accuracy"] = evaluate(state, splits["held_out"])
    state.record["finished"] = True
    save(state)
    return state.record
