"""One call from a request to samples on a 2D mixture: the glue the CLI, the sweep and the app share.

A SampleRequest names everything a user can choose (method, label, w, exact or learned quantities,
which classifier guides CG, which base CG uses, sampler, steps, n, seed, noise scale tau); run_sample
checks it, builds the guidance strategy over the exact mixture or the trained networks, and runs the
one sampler loop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from cfg_core import methods
from cfg_core.exact import ExactClassifier, ExactEps
from cfg_core.guidance import CG_BASES, check_w
from cfg_core.mixture import GaussianMixture
from cfg_core.samplers import SampleResult, SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule
from cfg_core.toy.training import TrainedMixture

MAX_SAMPLES = 100_000  # 2D samples are cheap, but beyond this a typo is likelier than a wish
SCORES = ("learned", "exact")
CLASSIFIERS = ("noisy", "clean")


@dataclass(frozen=True)
class SampleRequest:
    """Everything that decides a set of 2D samples (w is the paper's w)."""

    label: int  # class index c
    method: str = "cfg"  # a name in cfg_core.methods.METHODS
    w: float = 0.0  # guidance weight, w = 0: plain conditional
    score: str = "learned"  # learned networks or exact mixture quantities
    classifier: str = "noisy"  # CG guide: noise-aware p_phi(c|z_lam), or trained on clean x only
    cg_base: str = "conditional"  # CG on eps(z,c) with weight w, or on eps(z) with weight w + 1
    sampler: str = "ddim"  # ddim | ddpm
    steps: int = 100  # T
    n: int = 1000  # number of samples
    seed: int = 0  # seeds the initial noise and the ancestral noise
    noise_scale: float = 1.0  # tau for the ancestral sampler


def check_request(req: SampleRequest, mix: GaussianMixture) -> SampleRequest:
    """The request with w as float, or ValueError with one line saying what is allowed."""
    if isinstance(req.label, bool) or not isinstance(req.label, int) or not 0 <= req.label < mix.num_classes:
        names = ", ".join(f"{i}={n}" for i, n in enumerate(mix.class_names))
        raise ValueError(f"label must be an integer in [0, {mix.num_classes - 1}] ({names}), got {req.label!r}")
    for field, allowed in (("method", tuple(methods.METHODS)), ("score", SCORES), ("classifier", CLASSIFIERS), ("cg_base", CG_BASES)):
        if getattr(req, field) not in allowed:
            raise ValueError(f"{field} must be one of {', '.join(allowed)}, got {getattr(req, field)!r}")
    if isinstance(req.n, bool) or not isinstance(req.n, int) or not 1 <= req.n <= MAX_SAMPLES:
        raise ValueError(f"n must be an integer in [1, {MAX_SAMPLES}], got {req.n!r}")
    if isinstance(req.seed, bool) or not isinstance(req.seed, int) or not 0 <= req.seed < 2**63:
        raise ValueError(f"seed must be a non-negative integer, got {req.seed!r}")
    if not isinstance(req.noise_scale, (int, float)) or not math.isfinite(req.noise_scale):
        raise ValueError(f"noise scale must be a finite number in [0, 1], got {req.noise_scale!r}")
    return replace(req, w=check_w(req.w))


def method_name(req: SampleRequest) -> str:
    """The registry name of a request (method "cg" with classifier "clean" is "cg_clean")."""
    return methods.with_classifier(req.method, req.classifier)


def sampler_config(req: SampleRequest) -> SamplerConfig:
    """The request's sampler, as its method runs it (the reduced-noise baseline sets ddpm and tau)."""
    config = SamplerConfig(kind=req.sampler, steps=req.steps, noise_scale=float(req.noise_scale))
    return methods.get(method_name(req)).sampler(config, req.w)


def models_for(mix: GaussianMixture, trained: TrainedMixture | None, score: str) -> methods.GuidanceModels:
    """The eps-model and both classifiers, as exact mixture quantities or the trained networks."""
    if score == "exact":
        return methods.GuidanceModels(ExactEps(mix), ExactClassifier(mix), ExactClassifier(mix, clean=True))
    if trained is None:
        raise ValueError("learned score needs a trained checkpoint (or use score=exact)")
    return methods.GuidanceModels(trained.eps_model, trained.classifier_noisy, trained.classifier_clean)


def guidance_for(mix: GaussianMixture, trained: TrainedMixture | None, req: SampleRequest):
    """The guidance strategy for a checked request, over exact quantities or the trained networks."""
    return methods.make_strategy(method_name(req), models_for(mix, trained, req.score), req.label, req.w,
                                 req.cg_base)


def run_sample(mix: GaussianMixture, trained: TrainedMixture | None, req: SampleRequest,
               keep_trajectory: bool = True) -> SampleResult:
    """Check the request and run the sampler; same request, same samples."""
    req = check_request(req, mix)
    config = sampler_config(req)
    guidance = guidance_for(mix, trained, req)
    generator = torch.Generator().manual_seed(req.seed)
    dtype = torch.float64 if req.score == "exact" else torch.float32
    z = initial_noise(req.n, (mix.dim,), generator, dtype)  # [N, 2]
    return sample(guidance, z, Schedule(), config, generator, keep_trajectory)
