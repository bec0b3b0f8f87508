"""The ONE registry of guidance methods: name -> how to build its strategy, sample it, title and draw it.

Every consumer reads METHODS: the CLI's --guidance choices, the 2D lab, the MNIST tab, both sweeps, their
plots and the /toy and /mnist endpoints. An entry says where people meet it (surfaces: the lab's menu, the
trade-off plot, the MNIST tab, the sweeps, Your data's preview; on(surface) lists them), what it is compared
with, its note and its colour; no menu is kept by hand. Adding a method is a strategy class (cfg_core.guidance),
one entry here, its words in explainer/locales/*/methods.json, and its tests.

    none      eps(z, c)                                   the plain conditional model, target p(x|c)
    cfg       (1 + w) eps(z, c) - w eps(z)                Ho & Salimans, eq. 6
    cg        eps_base - k sigma grad log p_phi(c|z_lam)  Dhariwal & Nichol, noise-aware classifier
    cg_clean  the same with a classifier trained on clean x only (the paper: an ordinary classifier fails)
    scaled    (1 + w) eps(z, c)                           naive baseline: score times 1 + w
    reduced   eps(z, c), ancestral sampler with its noise times tau = 1/(1 + w)   naive baseline
    auto      (1 + w) eps_good(z, c) - w eps_bad(z, c)    autoguidance (Karras et al. 2024), a weaker cond. model
    icg       (1 + w) eps(z, c) - w eps(z, c^)            ICG (Sadat et al. 2024), c^ random per sample
    cfgpp     x_hat from eps_u + l (eps_c - eps_u), renoised with eps_u   CFG++ (Chung et al. 2024), DDIM only
    rescale   CFG with eps_hat rescaled to the std of eps(z, c), mixed by phi        (Lin et al. 2023)
    threshold CFG with x_hat dynamically thresholded at its P-quantile              (Imagen, Saharia et al. 2022)
    apg       CFG's x_hat update with momentum, a norm cap, the parallel part times eta  (Sadat et al. 2024)
    cfg_zero  s* eps(z) + (1 + w)(eps(z, c) - s* eps(z)), s* = <eps_c, eps_u> / |eps_u|^2 per sample  (CFG-Zero*,
              Fan et al. 2025)
(the three saturation fixes are cfg_core.saturation's)
(CG: k = w on the conditional base, w + 1 on the unconditional one; both sample p(x|c) p(c|x)^w.)

GuidanceOptions carries what a method takes beyond w; Method.options names the ones it reads, and
make_strategy refuses an option the method does not take. A weight schedule (guidance interval or ramp over
lam, cfg_core.weight_schedule) wraps any method whose eps_hat is linear in w.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from cfg_core.guidance import (CG_BASES, AutoGuidance, CFGZeroStar, ClassifierFree, ClassifierFreePP, ClassifierGuided,
                               IndependentCondition, NoGuidance, ScoreScaled, Weight, check_w)
from cfg_core.samplers import SamplerConfig
from cfg_core.saturation import (DEFAULT_APG, DEFAULT_RESCALE_PHI, DEFAULT_THRESHOLD_P, ProjectedGuidance, Rescaled,
                                 Thresholded)
from cfg_core.weight_schedule import ScheduledWeight, WeightSchedule


@dataclass(frozen=True)
class GuidanceModels:
    """The networks (or exact quantities) a strategy may use; a method takes what it needs."""

    eps_model: object  # eps(z [N, ...], lam [N], c [N]) with c = num_classes the null token
    classifier_noisy: object | None = None  # p_phi(c | z_lam, lam) as logits
    classifier_clean: object | None = None  # p_phi(c | x), trained on clean data only
    eps_bad: object | None = None  # autoguidance's weaker conditional model, same interface as eps_model


@dataclass(frozen=True)
class GuidanceOptions:
    """What a method may take beyond w (see Method.options for which method reads which)."""

    schedule: WeightSchedule | None = None  # w * f(lam): guidance interval or ramp; None = every step
    cfgpp_lambda: float | None = None  # CFG++'s l in [0, 1]; None = DEFAULT_CFGPP_LAMBDA
    seed: int = 0  # seeds ICG's random classes c^ (drawn once per sample)
    rescale_phi: float | None = None  # CFG-rescale's phi in [0, 1]; None = DEFAULT_RESCALE_PHI
    threshold_p: float | None = None  # dynamic thresholding's percentile P in (0, 1]; None = DEFAULT_THRESHOLD_P
    apg: tuple[float, float, float] | None = None  # APG's (eta, r, beta); None = DEFAULT_APG


DEFAULT_CFGPP_LAMBDA = 0.6  # CFG++'s l when none is given


def _classifier(models: GuidanceModels, kind: str):
    guide = models.classifier_noisy if kind == "noisy" else models.classifier_clean
    if guide is None:
        raise ValueError(f"classifier guidance needs the {kind} classifier, and none was given")
    return guide


Build = Callable[[GuidanceModels, int, Weight, str, GuidanceOptions], object]  # (models, c, w, base, options)


@dataclass(frozen=True)
class Method:
    """One guidance method: its strategy, its sampler needs, and how people see it."""

    title: str  # long name for panels and legends
    short: str  # a few words for buttons and tables
    build: Build
    colour: str  # one colour per method in every plot
    line: str = "-"  # matplotlib line style in the sweep plots
    classifier: str | None = None  # the guide it needs: "noisy", "clean" or None
    tau: Callable[[float], float] | None = None  # ancestral noise scale tied to w (then always ddpm)
    baseline: bool = False  # a naive temperature trick, not real guidance
    options: tuple[str, ...] = ()  # GuidanceOptions it reads: "schedule", "cfgpp_lambda", "seed"; "bad_model"
    samplers: tuple[str, ...] | None = None  # the samplers it runs with (None: every one)
    # where people meet it (every surface reads these; nothing tests a method's name): SURFACES below
    surfaces: tuple[str, ...] = ()
    compare: tuple[str, ...] = ()  # the methods shown on its left in a two-panel comparison ("cfg" -> "cfg|<it>")
    reference: str | None = None  # the "bad" model it subtracts, for the lab's menu: uncond | weak | random
    note: str | None = None  # the word-catalog key of the note shown beside its panel (ui.<note>)
    mnist_steps: int | None = None  # the MNIST tab's step count when its settings are tied to one (else the tab's)
    uses_w: bool = True  # False: w changes nothing (the plain conditional model): no tilted target, no w label

    def flags(self) -> dict[str, bool]:
        """What a drawing needs to know about the method (the browser gets these, never tests a name)."""
        return {"uses_w": self.uses_w, "uses_base": self.classifier is not None, "scheduled": "schedule" in self.options,
                "tradeoff": "tradeoff" in self.surfaces}

    @property
    def batches_w(self) -> bool:
        """True when one batched run can carry a column of w (the sampler does not depend on w)."""
        return self.tau is None

    def sampler(self, config: SamplerConfig, w: float) -> SamplerConfig:
        """The sampler this method runs at weight w (the reduced-noise baseline forces ddpm, tau = tau(w))."""
        if self.tau is None:
            return config
        return replace(config, kind="ddpm", noise_scale=self.tau(float(w)))


def _cg(kind: str) -> Build:
    return lambda m, c, w, base, o: ClassifierGuided(m.eps_model, _classifier(m, kind), c, w, base)


def _auto(m: GuidanceModels, c: int, w: Weight, base: str, o: GuidanceOptions) -> AutoGuidance:
    if m.eps_bad is None:
        raise ValueError("autoguidance needs a bad (weaker conditional) model, and none was given: use exact scores, "
                         "or retrain the checkpoint with python -m cfg_core train (it makes one)")
    return AutoGuidance(m.eps_model, m.eps_bad, c, w)


def _rescale(m: GuidanceModels, c: int, w: Weight, base: str, o: GuidanceOptions) -> Rescaled:
    phi = DEFAULT_RESCALE_PHI if o.rescale_phi is None else o.rescale_phi
    return Rescaled(ClassifierFree(m.eps_model, c, w), m.eps_model, c, phi)


def _threshold(m: GuidanceModels, c: int, w: Weight, base: str, o: GuidanceOptions) -> Thresholded:
    p = DEFAULT_THRESHOLD_P if o.threshold_p is None else o.threshold_p
    return Thresholded(ClassifierFree(m.eps_model, c, w), p)


def _apg(m: GuidanceModels, c: int, w: Weight, base: str, o: GuidanceOptions) -> ProjectedGuidance:
    return ProjectedGuidance(m.eps_model, c, w, *(DEFAULT_APG if o.apg is None else o.apg))


def _cfgpp(m: GuidanceModels, c: int, w: Weight, base: str, o: GuidanceOptions) -> ClassifierFreePP:
    return ClassifierFreePP(m.eps_model, c, DEFAULT_CFGPP_LAMBDA if o.cfgpp_lambda is None else o.cfgpp_lambda)


_SCHED = ("schedule",)  # the methods linear in w, which a weight schedule can wrap
_ALL = ("lab", "tradeoff", "sweep", "mnist", "mnist_sweep")
_VS_CFG = ("cfg",)


METHODS: dict[str, Method] = {
    "none": Method("No guidance (conditional)", "no guidance", lambda m, c, w, base, o: NoGuidance(m.eps_model, c),
                   "#555555", "-.", surfaces=("lab", "mnist", "own_data"), uses_w=False),
    "cfg": Method("Classifier-free guidance", "CFG", lambda m, c, w, base, o: ClassifierFree(m.eps_model, c, w),
                  "#1f77b4", options=_SCHED, surfaces=(*_ALL, "own_data"), reference="uncond"),
    "cg": Method("Classifier guidance, noise-aware classifier", "CG", _cg("noisy"), "#d62728",
                 classifier="noisy", options=_SCHED, surfaces=_ALL, compare=_VS_CFG),
    "cg_clean": Method("Classifier guidance, clean-data classifier", "CG (clean classifier)", _cg("clean"),
                       "#ff9896", "--", classifier="clean", options=_SCHED,
                       surfaces=("tradeoff", "sweep", "mnist_sweep"), note="note_clean"),
    "scaled": Method("Score scaling (1+w) eps", "score scaling",
                     lambda m, c, w, base, o: ScoreScaled(m.eps_model, c, w), "#7f7f7f", ":", baseline=True,
                     options=_SCHED, surfaces=(*_ALL, "own_data"), compare=_VS_CFG),
    "reduced": Method("Reduced sampler noise, tau = 1/(1+w)", "reduced noise",
                      lambda m, c, w, base, o: NoGuidance(m.eps_model, c), "#2ca02c", ":",
                      tau=lambda w: 1.0 / (1.0 + w), baseline=True, samplers=("ddim", "ddpm"), surfaces=_ALL,
                      compare=("cfg", "scaled"), note="note_tau"),
    "auto": Method("Autoguidance: guided by a weaker conditional model", "autoguidance", _auto, "#9467bd",
                   options=("schedule", "bad_model"), surfaces=("lab", "tradeoff", "mnist", "mnist_sweep"),
                   compare=_VS_CFG, reference="weak"),
    "icg": Method("Independent condition guidance (random class as the reference)", "ICG",
                  lambda m, c, w, base, o: IndependentCondition(m.eps_model, c, w, o.seed), "#8c564b", "--",
                  options=("schedule", "seed"), surfaces=("lab", "tradeoff", "mnist"), compare=_VS_CFG,
                  reference="random"),
    "cfgpp": Method("CFG++: x_hat guided, renoised with eps(z)", "CFG++", _cfgpp, "#17becf", "-.",
                    options=("cfgpp_lambda",), samplers=("ddim",), surfaces=("lab", "tradeoff", "mnist"),
                    compare=_VS_CFG),
    "rescale": Method("CFG-rescale: eps_hat brought back to the std of eps(z, c)", "CFG-rescale", _rescale,
                      "#bcbd22", "--", options=("rescale_phi",), surfaces=("mnist", "mnist_sweep"), compare=_VS_CFG),
    "threshold": Method("CFG with dynamic thresholding of x_hat", "CFG + thresholding", _threshold, "#e377c2", ":",
                        options=("threshold_p",), surfaces=("mnist", "mnist_sweep"), compare=_VS_CFG),
    "apg": Method("APG: adaptive projected guidance (momentum, norm cap, parallel part down-weighted)", "APG", _apg,
                  "#ff7f0e", "-.", options=("apg",), samplers=("ddim", "ddpm"), surfaces=("mnist", "mnist_sweep"),
                  compare=_VS_CFG, mnist_steps=50),
    "cfg_zero": Method("CFG-Zero*: CFG against s* eps(z), s* fitted to eps(z, c) per sample", "CFG-Zero*",
                       lambda m, c, w, base, o: CFGZeroStar(m.eps_model, c, w), "#00796b", "--", options=_SCHED,
                       surfaces=("lab", "tradeoff", "mnist"), compare=_VS_CFG),
}
SURFACES = {  # surface -> what it shows
    "lab": "a single method in the 2D lab's menu (and the warm-up's list)",
    "tradeoff": "a curve of the lab's fidelity/diversity plot",
    "sweep": "the 2D sweep's default methods",
    "mnist": "a choice of the MNIST tab (alone, or next to what its compare names)",
    "mnist_sweep": "the MNIST sweep's default methods",
    "own_data": "a method the Your-data tab previews while a component is dragged (exact scores)",
}


def on(surface: str, registry: dict | None = None) -> tuple[str, ...]:
    """The names shown on a surface, in registry order (registry: METHODS, or a superset such as MNIST's)."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; one of {', '.join(SURFACES)}")
    return tuple(name for name, m in (METHODS if registry is None else registry).items() if surface in m.surfaces)


SWEEP_METHODS = on("sweep")  # what the sweeps compare by default: cfg, cg, cg_clean, scaled, reduced


def get(name: str) -> Method:
    """The registry entry, or ValueError listing the names."""
    if name not in METHODS:
        raise ValueError(f"unknown guidance method {name!r}; choose one of {', '.join(METHODS)}")
    return METHODS[name]


def with_classifier(name: str, classifier: str = "noisy") -> str:
    """The registry name for a CG request given with a separate classifier choice (the CLI's --classifier)."""
    if classifier not in ("noisy", "clean"):
        raise ValueError(f"classifier must be one of noisy, clean, got {classifier!r}")
    return "cg_clean" if name == "cg" and classifier == "clean" else name


def with_saturation_fix(name: str, rescale_phi=None, threshold_p=None) -> str:
    """The registry name for CFG given with a saturation flag (the CLI's --rescale PHI / --threshold P)."""
    if rescale_phi is not None and threshold_p is not None:
        raise ValueError("--rescale and --threshold are two different fixes: give one")
    if name == "cfg" and rescale_phi is not None:
        return "rescale"
    if name == "cfg" and threshold_p is not None:
        return "threshold"
    return name


def apg_settings(eta=None, r=None, beta=None) -> tuple[float, float, float] | None:
    """APG's (eta, r, beta) with the defaults filled in, or None when none is given."""
    if eta is None and r is None and beta is None:
        return None
    return tuple(d if v is None else float(v) for v, d in zip((eta, r, beta), DEFAULT_APG))


def check_options(name: str, options: GuidanceOptions) -> None:
    """ValueError when options set something the method does not take."""
    method = get(name)
    given = {"schedule": options.schedule is not None and options.schedule.kind != "constant",
             "cfgpp_lambda": options.cfgpp_lambda is not None, "rescale_phi": options.rescale_phi is not None,
             "threshold_p": options.threshold_p is not None, "apg": options.apg is not None}
    words = {"schedule": "guidance interval or weight schedule", "cfgpp_lambda": "CFG++ lambda",
             "rescale_phi": "rescale phi", "threshold_p": "threshold percentile", "apg": "APG settings"}
    for option, is_set in given.items():
        if is_set and option not in method.options:
            what = words[option]
            raise ValueError(f"{name} takes no {what} (methods that do: "
                             f"{', '.join(n for n, m in METHODS.items() if option in m.options)})")


def make_strategy(name: str, models: GuidanceModels, label: int, w: Weight = 0.0,
                  cg_base: str = "conditional", max_w: float | None = None,
                  options: GuidanceOptions = GuidanceOptions()):
    """The guidance strategy of a method at weight w (a float, or a column [N, 1] for a batch of w)."""
    method = get(name)
    w = check_w(w) if max_w is None else check_w(w, max_w)
    if cg_base not in CG_BASES:
        raise ValueError(f"cg base must be one of {', '.join(CG_BASES)}, got {cg_base!r}")
    check_options(name, options)
    strategy = method.build(models, label, w, cg_base, options)
    if options.schedule is not None and options.schedule.kind != "constant":
        return ScheduledWeight(strategy, options.schedule)
    return strategy
