"""What a user has chosen in the 2D lab, as ONE frozen value: built once per event, validated once.

The handlers, the "link to this view" URL, the /toy endpoint and the view cache all read a Selection;
nothing threads the control values through signatures. `method` is one registry name or two joined by "|"
(two panels side by side); `classifier` picks CG's guide (cg + clean = registry "cg_clean"); `reference` picks
the "bad" model a CFG panel subtracts: the unconditional eps(z) (CFG), a weaker conditional model
(autoguidance) or a random class (ICG), the one formula (1 + w) eps(z, c) - w eps_bad. The guidance-zoo
settings (pc corrector, weight schedule over lam, exact-model blurs) apply where the method takes them.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
import urllib.parse
from dataclasses import asdict, dataclass, fields, replace

from cfg_core import jsontext, methods
from cfg_core.errors import Phrase, coded
from cfg_core.guidance import CG_BASES
from cfg_core.mixture_json import MAX_FILE_BYTES, PRESETS
from explainer.i18n import method_choice_label, t
from explainer.values import MAX_SEED, SelectionError, check_integer, check_number, one_of, parse_number

W_MAX = 10.0  # the lab's w range (its precomputed grid ends here)
SINGLE = methods.on("lab")  # the lab's single methods, and each one's comparisons (registry: surfaces, compare)
COMBOS = tuple(f"{left}|{name}" for name in SINGLE for left in methods.METHODS[name].compare if left in SINGLE)
PAIRS = {"cg:bases": ("cg", "cg_base", ("conditional", "unconditional")),  # one method, two settings side by side
         "cfg:samplers": ("cfg", "sampler", ("ddim", "ddpm")),
         "cfg:corrector": ("cfg", "sampler", ("ddim", "pc")),
         "cfg:smc": ("cfg", "sampler", ("pc", "smc"))}  # smc takes exact scores only
CHOICES = tuple(SINGLE) + COMBOS + tuple(PAIRS)
SAMPLERS = ("ddim", "ddpm", "pc", "smc")  # smc: exact scores and a density target (cfg_core.smc)
REFERENCES = {m.reference: name for name, m in methods.METHODS.items() if m.reference}  # CFG's bad model -> method
SCHEDULES = ("constant", "interval", "ramp")
MAX_CORRECTOR_STEPS = 20  # the lab precomputes every w: K Langevin steps per level cost K model calls each
MAX_BLUR = 2.0  # exact-model blur (covariance + B I) the lab offers
SCORES = ("learned", "exact")
CLASSIFIERS = ("noisy", "clean")


def choice_label(choice: str, lang: str = "en") -> str:
    """How a lab method choice reads in the UI, in lang: 'CFG', 'CFG vs CG', a pair's own words."""
    return t(lang, "pair_" + choice.replace(":", "_")) if choice in PAIRS else method_choice_label(choice, lang)


@dataclass(frozen=True)
class Selection:
    """Everything that decides the lab's view (w is the paper's w; the view holds every w of its grid)."""

    dataset: str = "three_gaussians"  # a preset, or "custom" (then custom_json holds the mixture)
    custom_json: str = ""
    label: int = 0  # class c (checked against the mixture by the service)
    method: str = "cfg|cg"  # a choice in CHOICES
    w: float = 2.0
    sampler: str = "ddim"
    score: str = "learned"
    classifier: str = "noisy"
    cg_base: str = "conditional"
    lam: float = 0.0  # log-SNR of the drawn score field
    seed: int = 0
    reference: str = "uncond"  # the bad model of a CFG panel: uncond (CFG), weak (autoguidance), random (ICG)
    corrector_steps: int = 1  # pc sampler: K Langevin steps per level
    corrector_ratio: float = 1.0  # pc sampler: the corrector's w' = corrector_ratio * w
    schedule: str = "constant"  # guidance over lam: constant, interval [lam_lo, lam_hi], ramp from lam_lo to lam_hi
    lam_lo: float = -3.0
    lam_hi: float = 3.0
    good_blur: float = 0.0  # exact scores: every method's model is the mixture + good_blur I
    bad_blur: float = 0.16  # exact autoguidance: the bad model is the mixture + bad_blur I

    @classmethod
    def from_values(cls, *values) -> "Selection":
        """From the controls' values in CONTROLS order (the UI's event inputs), validated."""
        if len(values) != len(CONTROLS):
            raise SelectionError(f"expected {len(CONTROLS)} control values, got {len(values)}")
        return cls(**dict(zip(CONTROLS, values))).validated()

    def validated(self) -> "Selection":
        """The selection with types normalised, or SelectionError with one line."""
        if self.dataset != "custom" and self.dataset not in PRESETS:
            raise SelectionError(f"unknown dataset {self.dataset!r}; choose one of {', '.join(PRESETS)} or custom")
        return replace(
            self, custom_json=self.custom_json if isinstance(self.custom_json, str) else "",
            label=check_integer(self.label, "label", 0, 63), method=one_of(self.method, "method", CHOICES),
            w=check_number(self.w, "w", 0, W_MAX), sampler=one_of(self.sampler, "sampler", SAMPLERS),
            score=one_of(self.score, "score", SCORES),
            classifier=one_of(self.classifier, "CG's classifier", CLASSIFIERS),
            cg_base=one_of(self.cg_base, "CG's base", CG_BASES), lam=check_number(self.lam, "field noise level", -10, 10),
            seed=check_integer(self.seed, "seed", 0, MAX_SEED),
            reference=one_of(self.reference, "CFG's reference model", tuple(REFERENCES)),
            corrector_steps=check_integer(self.corrector_steps, "corrector steps K", 0, MAX_CORRECTOR_STEPS),
            corrector_ratio=check_number(self.corrector_ratio, "corrector w'/w", 0, 4),
            schedule=one_of(self.schedule, "weight schedule", SCHEDULES),
            lam_lo=check_number(self.lam_lo, "interval start λ", -20, 20),
            lam_hi=check_number(self.lam_hi, "interval end λ", -20, 20),
            good_blur=check_number(self.good_blur, "good-model blur", 0, MAX_BLUR),
            bad_blur=check_number(self.bad_blur, "bad-model blur", 0, MAX_BLUR))._ordered()

    def _ordered(self) -> "Selection":
        if self.schedule != "constant" and self.lam_lo >= self.lam_hi:
            raise SelectionError(f"the guidance interval needs start < end (log-SNR), got {self.lam_lo:g} and {self.lam_hi:g}")
        return self

    @property
    def methods(self) -> tuple[str, ...]:
        """The registry names of the panels, left to right."""
        return tuple(p[0] for p in self.panels())

    def panels(self) -> list[tuple[str, str, str]]:
        """(method, sampler, cg_base) of each panel, left to right."""
        if self.method in PAIRS:
            name, knob, values = PAIRS[self.method]
            base = {"sampler": self.sampler, "cg_base": self.cg_base}
            return [(self._registry_name(name), *{**base, knob: v}.values()) for v in values]
        return [(self._registry_name(m), self.sampler, self.cg_base) for m in self.method.split("|")]

    def _registry_name(self, choice: str) -> str:
        """A panel's registry method: CG with its classifier, CFG with its reference (bad) model."""
        if choice == "cfg":
            return REFERENCES[self.reference]
        return methods.with_classifier(choice, self.classifier)

    def values(self) -> tuple:
        """The controls' values in CONTROLS order."""
        return tuple(getattr(self, name) for name in CONTROLS)

    def to_query(self) -> str:
        """The 'link to this view' query string. A custom mixture travels compressed in mixz= (zlib, then
        URL-safe base64: a 320-component mixture's link stays well under the 64 KB a URL may have)."""
        q = {k: v for k, v in asdict(self).items() if k != "custom_json"}
        if self.dataset == "custom" and self.custom_json:
            compact = json.dumps(jsontext.loads(self.custom_json, "the mixture", MAX_MIX_BYTES), separators=(",", ":"))
            q["mixz"] = base64.urlsafe_b64encode(zlib.compress(compact.encode(), 9)).decode()
        return urllib.parse.urlencode(q)

    @classmethod
    def from_query(cls, params: dict) -> tuple["Selection", list[Phrase]]:
        """A selection from URL parameters: each bad or unknown value falls back to its default, with a notice (a
        Phrase: its English line, with a code that explainer.words.explain says in Korean). A custom mixture comes as mixz= (compressed) or mix= (plain base64 JSON, links made before mixz)."""
        sel, notices = cls(), []
        if params.get("mixz") or params.get("mix"):
            try:
                sel = replace(sel, custom_json=json.dumps(_mixture_from_link(params)))
            except ValueError:
                notices.append(coded(Phrase, "link.mixture_unreadable", "the link's custom mixture could not be read"))
        for f in fields(cls):
            if f.name == "custom_json" or f.name not in params:
                continue
            try:
                sel = replace(sel, **{f.name: _from_text(f.name, params[f.name])}).validated()
            except (SelectionError, ValueError, OverflowError):
                notices.append(coded(Phrase, "link.invalid_value",
                                     "{field}={got!r} is not valid here; using {default!r}", field=f.name,
                                     got=str(params[f.name])[:40], default=getattr(sel, f.name)))
        if sel.dataset == "custom" and not sel.custom_json:
            sel = replace(sel, dataset=cls.dataset)
        return sel, notices


def unknown_lesson_notice(lesson) -> Phrase:
    """A link's notice: its lesson= names no lesson."""
    return coded(Phrase, "link.unknown_lesson", "unknown lesson {got!r}: showing the default view",
                 got=str(lesson)[:40])


def unusable_mixture_notice(err: BaseException) -> Phrase:
    """A link's notice: the lab refused its mixture (err says why; explain() says err in the reader's language)."""
    return coded(Phrase, "link.mixture_unusable",
                 "the link's mixture could not be used ({reason}); showing the default view", reason=err)


MAX_MIX_BYTES = MAX_FILE_BYTES  # a mixture's JSON, from a link as from a file


def _mixture_from_link(params: dict):
    """The decoded mixture JSON value of a link's mixz= or mix=; ValueError when it cannot be read. The
    decompressed size is capped before it is produced (a small link cannot expand into gigabytes)."""
    try:
        if params.get("mixz"):
            packed = base64.urlsafe_b64decode(str(params["mixz"]).encode())
            inflater = zlib.decompressobj()
            raw = inflater.decompress(packed, MAX_MIX_BYTES + 1)
            if len(raw) > MAX_MIX_BYTES or inflater.unconsumed_tail:
                raise ValueError("the link's mixture is too large")
        else:
            raw = base64.urlsafe_b64decode(str(params["mix"]).encode())
        return jsontext.loads(raw.decode("utf-8"), "the link's mixture", MAX_MIX_BYTES)
    except (binascii.Error, zlib.error, UnicodeDecodeError) as err:
        raise ValueError(f"the link's mixture could not be decoded: {err}") from None


def _from_text(name: str, text):
    """A link parameter's value, strictly parsed (plain ASCII decimals; an integer field takes no fraction)."""
    if name in ("label", "seed", "corrector_steps"):
        v = parse_number(text, name)
        if v != int(v):
            raise coded(SelectionError, "link.not_integer", "{name} must be an integer, got {got!r}", name=name,
                        got=str(text)[:40])
        return int(v)
    if name in ("w", "lam", "corrector_ratio", "lam_lo", "lam_hi", "good_blur", "bad_blur"):
        return parse_number(text, name)
    return str(text)


CONTROLS = tuple(f.name for f in fields(Selection))
