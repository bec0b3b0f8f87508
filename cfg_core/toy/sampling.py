"""One call from a request to samples on a 2D mixture: the glue the CLI, the sweep and the app share.

A SampleRequest names everything a user can choose (method, label, w, exact or learned quantities,
which classifier guides CG, which base CG uses, sampler, steps, n, seed, noise scale tau, and the guidance-zoo
options: ancestral v, the pc corrector's K, w' and step scale, a guidance interval in log-SNR, blurred exact
models, CFG++'s lambda; the smc sampler's ESS threshold and moves); run_sample checks it, builds the guidance
strategy over the exact mixture or the trained networks, and runs the one sampler loop (or cfg_core.smc). Options left at None are "not given": giving one that does
not apply to the method or sampler is an error, never silently ignored.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from cfg_core import methods
from cfg_core.exact import ExactClassifier, ExactEps, blurred
from cfg_core.guidance import CG_BASES, check_w
from cfg_core.mixture import GaussianMixture
from cfg_core.samplers import SAMPLERS, SampleResult, SamplerConfig, initial_noise, sample
from cfg_core.schedule import Schedule
from cfg_core.smc import SMCConfig, method_target, smc_sample, target_of
from cfg_core.toy.training import TrainedMixture
from cfg_core.weight_schedule import WeightSchedule

MAX_SAMPLES = 100_000  # 2D samples are cheap, but beyond this a typo is likelier than a wish
SCORES = ("learned", "exact")
CLASSIFIERS = ("noisy", "clean")
DEFAULT_V = 0.3  # the ancestral sampler's variance interpolation (the paper's 64x64 value)
DEFAULT_BAD_BLUR = 0.16  # autoguidance's exact bad model: every covariance + 0.16 I
MAX_BLUR = 100.0  # a blur this wide has washed out any 2D mixture; more is a typo
TOY_SAMPLERS = (*SAMPLERS, "smc")  # smc: exact tilted/tempered targets only (cfg_core.smc)


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
    v: float | None = None  # ancestral variance interpolation (ddpm only; None = DEFAULT_V)
    corrector_steps: int | None = None  # pc only: Langevin steps K per level (None = 1)
    corrector_w: float | None = None  # pc only: w' of the corrector's field (None = w)
    corrector_step_scale: float | None = None  # pc only: multiplies the Langevin step h (None = 1)
    interval: tuple[float, float] | None = None  # guide only for lo <= lam <= hi (log-SNR); None = every step
    good_blur: float | None = None  # exact only: every covariance of the model all methods use + G I
    bad_blur: float | None = None  # exact auto only: the bad model's covariances + B I (None = DEFAULT_BAD_BLUR)
    cfgpp_lambda: float | None = None  # cfgpp only: l in [0, 1] (None = methods.DEFAULT_CFGPP_LAMBDA)
    rescale_phi: float | None = None  # cfg/rescale: CFG-rescale's phi in [0, 1] (cfg + phi = method rescale)
    threshold_p: float | None = None  # cfg/threshold: dynamic thresholding's percentile P in (0, 1]
    apg_eta: float | None = None  # apg only: eta in [0, 1], r > 0, beta in [-1, 1] (None = the defaults)
    apg_r: float | None = None
    apg_beta: float | None = None
    ess_threshold: float | None = None  # smc only: resample when ESS < threshold * n (None = 0.5)
    smc_moves: int | None = None  # smc only: MALA moves per level (None = 5)


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
    check_zoo_options(req)
    return replace(req, w=check_w(req.w))


def _number(v, what: str, lo: float, hi: float) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{what} must be a number in [{lo:g}, {hi:g}], got {v!r}")


def check_zoo_options(req: SampleRequest) -> None:
    """One-line errors for the sampler and method options: bad values, or options that do not apply."""
    method = methods.get(method_name(req))
    if req.sampler not in TOY_SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(TOY_SAMPLERS)}, got {req.sampler!r}")
    _check_smc(req)
    if method.samplers is not None and req.sampler not in method.samplers:
        raise ValueError(f"{req.method} runs with the {' or '.join(method.samplers)} sampler, not {req.sampler}")
    for field, flag in (("corrector_steps", "corrector-steps"), ("corrector_w", "corrector-w"),
                        ("corrector_step_scale", "corrector-step-scale")):
        if getattr(req, field) is not None and req.sampler != "pc":
            raise ValueError(f"--{flag} sets the pc sampler's corrector: add --sampler pc")
    if req.v is not None and req.sampler != "ddpm":
        raise ValueError("--v is the ancestral sampler's variance interpolation: add --sampler ddpm")
    if req.corrector_steps is not None and (isinstance(req.corrector_steps, bool)
                                            or not isinstance(req.corrector_steps, int) or req.corrector_steps < 0):
        raise ValueError(f"--corrector-steps K must be an integer >= 0, got {req.corrector_steps!r}")
    if req.corrector_w is not None:
        try:
            check_w(req.corrector_w)
        except ValueError as err:
            raise ValueError(f"--corrector-{err}") from None
    for field, flag, lo, hi in (("v", "v", 0.0, 1.0), ("corrector_step_scale", "corrector-step-scale", 1e-6, 10.0),
                                ("cfgpp_lambda", "cfgpp-lambda", 0.0, 1.0), ("good_blur", "good-blur", 0.0, MAX_BLUR),
                                ("bad_blur", "bad-blur", 0.0, MAX_BLUR)):
        if getattr(req, field) is not None:
            _number(getattr(req, field), f"--{flag}", lo, hi)
    _check_applies(req, method)


def _check_smc(req: SampleRequest) -> None:
    """The smc sampler needs exact densities and a method whose target is one; its options need smc."""
    for field, flag in (("ess_threshold", "ess-threshold"), ("smc_moves", "smc-moves")):
        if getattr(req, field) is not None and req.sampler != "smc":
            raise ValueError(f"--{flag} sets the smc sampler: add --sampler smc")
    if req.sampler != "smc":
        return
    if req.score != "exact":
        raise ValueError("the smc sampler reweights by exact densities, which learned networks do not give: "
                         "add --score exact")
    target_of(method_name(req))  # cfg, cg, none (tilted) or scaled (tempered); SMCError (a ValueError) otherwise
    if req.interval is not None or req.good_blur is not None:
        raise ValueError("the smc sampler samples the method's exact target: --interval and --good-blur do not apply")
    smc_config(req)  # SMCError on a bad value


def smc_config(req: SampleRequest) -> SMCConfig:
    """The request's SMC settings; options left at None take SMCConfig's defaults."""
    given = {k: v for k, v in (("moves", req.smc_moves), ("ess_threshold", req.ess_threshold)) if v is not None}
    return SMCConfig(steps=req.steps, **given)


def _check_applies(req: SampleRequest, method: methods.Method) -> None:
    if req.interval is not None:
        lo, hi = req.interval
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise ValueError(f"--interval=LO,HI needs finite log-SNR values with LO <= HI, got {lo:g},{hi:g}")
    if (req.good_blur is not None or req.bad_blur is not None) and req.score != "exact":
        raise ValueError("--good-blur and --bad-blur blur the exact mixture: add --score exact")
    if req.bad_blur is not None and "bad_model" not in method.options:
        raise ValueError(f"--bad-blur sets autoguidance's bad model; {req.method} has none (use --guidance auto)")
    for field, flag, lo, hi in (("rescale_phi", "rescale", 0.0, 1.0), ("threshold_p", "threshold", 1e-6, 1.0),
                                ("apg_eta", "apg-eta", 0.0, 1.0), ("apg_r", "apg-r", 1e-9, math.inf),
                                ("apg_beta", "apg-beta", -1.0, 1.0)):
        if getattr(req, field) is not None:
            _number(getattr(req, field), f"--{flag}", lo, hi)
    methods.check_options(method_name(req), zoo_options(req))


def zoo_options(req: SampleRequest) -> methods.GuidanceOptions:
    """The method options a request gives (interval, CFG++ lambda, ICG's seed, the saturation fixes' settings)."""
    schedule = None if req.interval is None else WeightSchedule("interval", *(float(v) for v in req.interval))
    return methods.GuidanceOptions(schedule=schedule, cfgpp_lambda=req.cfgpp_lambda, seed=req.seed,
                                   rescale_phi=req.rescale_phi, threshold_p=req.threshold_p,
                                   apg=methods.apg_settings(req.apg_eta, req.apg_r, req.apg_beta))


def method_name(req: SampleRequest) -> str:
    """The registry name of a request ("cg" with classifier "clean" is "cg_clean"; "cfg" with --rescale or
    --threshold is "rescale" or "threshold")."""
    name = methods.with_saturation_fix(req.method, req.rescale_phi, req.threshold_p)
    return methods.with_classifier(name, req.classifier)


def sampler_config(req: SampleRequest) -> SamplerConfig:
    """The request's sampler, as its method runs it (the reduced-noise baseline sets ddpm and tau)."""
    config = SamplerConfig(kind=req.sampler, steps=req.steps, noise_scale=float(req.noise_scale),
                           v=DEFAULT_V if req.v is None else float(req.v),
                           corrector_steps=1 if req.corrector_steps is None else req.corrector_steps,
                           corrector_step_scale=1.0 if req.corrector_step_scale is None
                           else float(req.corrector_step_scale))
    return methods.get(method_name(req)).sampler(config, req.w)


def models_for(mix: GaussianMixture, trained: TrainedMixture | None, score: str, good_blur: float = 0.0,
               bad_blur: float = DEFAULT_BAD_BLUR) -> methods.GuidanceModels:
    """The eps-model, both classifiers and the bad model, as exact mixture quantities or the trained networks.

    Exact: the model is the mixture with covariances + good_blur I, the bad model the mixture + bad_blur I.
    Learned: the bad model is the checkpoint's weak eps-network (half width, 1/8 of the steps), if it has one."""
    if score == "exact":
        good = blurred(mix, good_blur)
        return methods.GuidanceModels(ExactEps(good), ExactClassifier(good), ExactClassifier(good, clean=True),
                                      eps_bad=ExactEps(blurred(mix, bad_blur)))
    if trained is None:
        raise ValueError("learned score needs a trained checkpoint (or use score=exact)")
    return methods.GuidanceModels(trained.eps_model, trained.classifier_noisy, trained.classifier_clean,
                                  eps_bad=trained.eps_weak)


def _models(mix: GaussianMixture, trained: TrainedMixture | None, req: SampleRequest) -> methods.GuidanceModels:
    return models_for(mix, trained, req.score, req.good_blur or 0.0,
                      DEFAULT_BAD_BLUR if req.bad_blur is None else req.bad_blur)


def guidance_for(mix: GaussianMixture, trained: TrainedMixture | None, req: SampleRequest):
    """The guidance strategy for a checked request, over exact quantities or the trained networks.

    For the pc sampler this is the corrector's field (at w' = corrector_w, default w)."""
    w = req.w if req.sampler != "pc" or req.corrector_w is None else check_w(req.corrector_w)
    return methods.make_strategy(method_name(req), _models(mix, trained, req), req.label, w, req.cg_base,
                                 options=zoo_options(req))


def run_sample(mix: GaussianMixture, trained: TrainedMixture | None, req: SampleRequest,
               keep_trajectory: bool = True) -> SampleResult:
    """Check the request and run the sampler; same request, same samples.

    pc: the predictor is the plain conditional model's DDIM step, the corrector the method's guided field."""
    req = check_request(req, mix)
    if req.sampler == "smc":
        return _run_smc(mix, req, keep_trajectory)
    config = sampler_config(req)
    guidance = guidance_for(mix, trained, req)
    predictor, corrector = guidance, None
    if config.kind == "pc":
        predictor = methods.make_strategy("none", _models(mix, trained, req), req.label)
        corrector = guidance
    generator = torch.Generator().manual_seed(req.seed)
    dtype = torch.float64 if req.score == "exact" else torch.float32
    z = initial_noise(req.n, (mix.dim,), generator, dtype)  # [N, 2]
    return sample(predictor, z, Schedule(), config, generator, keep_trajectory, corrector)


def _run_smc(mix: GaussianMixture, req: SampleRequest, keep_trajectory: bool) -> SampleResult:
    """The smc sampler on the method's exact target (the particles are the n samples)."""
    config = smc_config(req)
    kind, w = method_target(method_name(req), req.w)
    res = smc_sample(mix, req.label, w, req.n, kind=kind, config=config,
                     generator=torch.Generator().manual_seed(req.seed))
    return SampleResult(x=res.x, trajectory=res.trajectory if keep_trajectory else res.x[None])


ZOO_FLAGS = ("v", "corrector_steps", "corrector_w", "corrector_step_scale", "good_blur", "bad_blur",
             "cfgpp_lambda", "ess_threshold", "smc_moves")  # the sample options of the 2D mixtures only
IMAGE_FLAGS = ("interval", "rescale_phi", "threshold_p", "apg_eta", "apg_r", "apg_beta")  # 2D and MNIST


def parse_interval(text: str | None) -> tuple[float, float] | None:
    """--interval=LO,HI (log-SNR) as (lo, hi), or ValueError saying the format."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lo = hi = math.nan
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"--interval takes two finite log-SNR values LO,HI (write --interval=LO,HI), got {text!r}")
    if lo > hi:
        raise ValueError(f"--interval=LO,HI needs LO <= HI, got {text!r}")
    return lo, hi


def reject_zoo_flags(args) -> None:
    """ValueError when a 2D-only sample option is given for a dataset that does not take it (MNIST)."""
    given = [f"--{f.replace('_', '-')}" for f in ZOO_FLAGS if getattr(args, f, None) is not None]
    if getattr(args, "sampler", None) in ("pc", "smc"):
        given.append(f"--sampler {args.sampler}")
    if given:
        raise ValueError(f"{', '.join(given)}: for the 2D mixtures only, not {args.dataset}")


def request_options(args) -> dict:
    """The SampleRequest fields of the zoo options, from parsed command-line arguments."""
    options = {f: getattr(args, f, None) for f in ZOO_FLAGS + IMAGE_FLAGS}
    options["interval"] = parse_interval(options["interval"])
    return options
