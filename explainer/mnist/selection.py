"""What a user has chosen on the MNIST tab (or asked the /mnist API for), as ONE frozen value: built once per event
at the edge, validated once.

The tab's handlers and the /mnist endpoint parse their arguments into a MnistSelection; the tab's service
(explainer.mnist.tab), the view (explainer.mnist.view) and the sampler (explainer.mnist.service.MnistService, through
the GridKey of each panel) read it and never check it again. `method` is one method or two joined by "|" (two
panels side by side); `classifier` picks CG's guide (cg + clean = the registry's "cg_clean"). On the tab, w is
snapped to the grid W_GRID the browser holds a picture of; /mnist samples at the w it is given.

    MnistSelection.from_controls(label, method, w, seed, classifier)   the tab's values; w snapped
    MnistSelection.from_api(label, method, w, seed)                    /mnist: one method, w as given
    sel.methods / sel.keys(w)                                          registry names; one GridKey per panel
Each bad value is a SelectionError (a ValueError) with one line saying what is allowed. Nothing here imports gradio.
"""
from __future__ import annotations

from dataclasses import dataclass

from cfg_core import methods as registry
from cfg_core.mnist import variants
from explainer.mnist.service import MAX_W, GridKey
from explainer.values import MAX_SEED, SelectionError, check_integer, check_number
from explainer.w_grid import nearest_w

CHOICES = variants.tab_choices()  # the tab's method choices: one method, or two side by side ("cfg|cg")
NAMES = tuple(sorted({m for choice in CHOICES for m in choice.split("|")}))  # every single method (the /mnist API's)
TAB_METHODS = tuple(dict.fromkeys(CHOICES + NAMES))  # what the tab's method control may send
CLASSIFIERS = ("noisy", "clean")  # CG's guide: the noise-aware classifier p(c|z_lam) or the clean-data p(c|x)


@dataclass(frozen=True)
class MnistSelection:
    """Everything that decides the MNIST tab's view (w is the paper's w: w = 0 is the plain conditional model)."""

    label: int = 3  # the digit c
    method: str = "cfg|cg"  # a choice in CHOICES, or one method of NAMES
    w: float = 2.0  # on the tab: a value of W_GRID
    seed: int = 0  # seed of the initial noise
    classifier: str = "noisy"  # CG's guide, in CLASSIFIERS

    @classmethod
    def from_controls(cls, label, method, w, seed, classifier="noisy") -> "MnistSelection":
        """The tab's control values, validated, w snapped to the nearest value of W_GRID."""
        return cls._checked(label, method, w, seed, classifier, TAB_METHODS, snap=True)

    @classmethod
    def from_api(cls, label, method, w, seed) -> "MnistSelection":
        """The /mnist endpoint's arguments, validated: one method of NAMES, CG's noise-aware guide, w not snapped."""
        return cls._checked(label, method, w, seed, "noisy", NAMES, snap=False)

    @classmethod
    def _checked(cls, label, method, w, seed, classifier, allowed, snap: bool) -> "MnistSelection":
        w = check_number(w, "w", 0, MAX_W)
        return cls(label=check_integer(label, "label", 0, 9), method=_one_of(method, "method", allowed),
                   w=nearest_w(w) if snap else w, seed=check_integer(seed, "seed", 0, MAX_SEED),
                   classifier=_one_of(classifier, "CG's classifier", CLASSIFIERS))

    @property
    def methods(self) -> tuple[str, ...]:
        """The registry names of the panels, left to right (CG with its classifier)."""
        return tuple(registry.with_classifier(m, self.classifier) for m in self.method.split("|"))

    def key(self, method: str, w: float | None = None) -> GridKey:
        """The grid of one panel's method at w (default: the selection's w)."""
        return GridKey(self.label, method, self.w if w is None else float(w), self.seed)

    def keys(self, w: float | None = None) -> tuple[GridKey, ...]:
        """One grid per panel at w (default: the selection's w), left to right."""
        return tuple(self.key(m, w) for m in self.methods)


def _one_of(value, name: str, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise SelectionError(f"{name} must be one of {', '.join(sorted(allowed))}, got {str(value)[:40]!r}")
    return value
