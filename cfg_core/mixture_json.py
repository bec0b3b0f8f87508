"""2D Gaussian-mixture datasets: the shipped presets and the JSON mixture format, strictly validated.

Format (weights are relative, normalised over all components; `class` indexes `classes`):
    {"name": str, "classes": [str, ...],
     "components": [{"mean": [x, y], "cov": [[a, b], [b, d]], "weight": float, "class": int}, ...]}

Every malformed input raises MixtureError with one line saying what is wrong and what is allowed.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import torch

from cfg_core import jsontext
from cfg_core.errors import Phrase, coded
from cfg_core.mixture import GaussianMixture
from cfg_core.paths import PRESET_DIR

PRESETS = ("three_gaussians", "two_overlapping", "ring", "near_far", "two_squares")  # the order the UI lists them in
MAX_FILE_BYTES = 1_000_000  # a mixture file is a few hundred bytes; refuse anything huge
MAX_COMPONENTS = 320  # two_squares has 288; an exact eps over 320 components still runs in milliseconds
MAX_ABS_COORD = 1e3  # means and covariances beyond this are surely a typo
MIN_EIGENVALUE = 1e-6  # covariances must be positive definite with some margin
MAX_NAME_CHARS = 80  # mixture and class names: printable, no path separators, no ".."


class MixtureError(ValueError):
    """A mixture specification that cannot be used, with a one-line reason."""


def _short(v) -> str:
    """A value for an error message: its repr, cut to 40 characters (a 400-digit number stays one line)."""
    text = repr(v) if not isinstance(v, int) or abs(v) < 10**30 else f"an integer of {len(str(abs(v)))} digits"
    return text if len(text) <= 40 else text[:37] + "..."


def _finite_number(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not math.isfinite(v)):
        raise coded(MixtureError, "mixture.not_finite", "{what} must be a finite number, got {got}", what=what,
                    got=_short(v))
    if abs(v) > MAX_ABS_COORD:  # exact for ints of any size, so float() below cannot overflow
        raise coded(MixtureError, "mixture.too_large", "{what} must be within +-{max:g}, got {got}", what=what,
                    max=MAX_ABS_COORD, got=_short(v))
    return float(v)


def check_name(name, what: str = "name") -> str:
    """A mixture or class name: printable text of 1..MAX_NAME_CHARS characters without /, \\, .. or controls.

    Names are user text (from a link, a file, the editor): the browser shows them as text only (DOM textContent,
    or escaped where a table is built as markup), matplotlib draws them with mathtext off, and they never become
    part of a file path."""
    if not isinstance(name, str) or not name.strip():
        raise coded(MixtureError, "name.empty", "{what} must be a non-empty string, got {got}", what=what,
                    got=_short(name))
    if len(name) > MAX_NAME_CHARS:
        raise coded(MixtureError, "name.too_long", "{what} may have at most {max} characters, got {n}", what=what,
                    max=MAX_NAME_CHARS, n=len(name))
    if not name.isprintable() or "/" in name or "\\" in name or ".." in name:
        raise coded(MixtureError, "name.not_printable", "{what} must be printable text without '/', '\\', '..' or "
                    "control characters, got {got}", what=what, got=_short(name))
    return name.strip()


def _vector(v, what: str) -> list[float]:
    if not isinstance(v, list) or len(v) != 2:
        raise coded(MixtureError, "mixture.not_a_vector", "{what} must be a list of 2 numbers [x, y], got {got}",
                    what=what, got=_short(v))
    return [_finite_number(e, f"{what}[{i}]") for i, e in enumerate(v)]


def _covariance(v, what: str) -> list[list[float]]:
    if not isinstance(v, list) or len(v) != 2:
        raise coded(MixtureError, "mixture.not_a_matrix", "{what} must be a 2x2 list [[a, b], [b, d]], got {got}",
                    what=what, got=_short(v))
    rows = [_vector(r, f"{what}[{i}]") for i, r in enumerate(v)]
    if abs(rows[0][1] - rows[1][0]) > 1e-9 * max(1.0, abs(rows[0][1])):
        raise coded(MixtureError, "mixture.not_symmetric", "{what} must be symmetric (b == b), got {rows}", what=what,
                    rows=rows)
    eig = torch.linalg.eigvalsh(torch.tensor(rows, dtype=torch.float64))
    if float(eig.min()) < MIN_EIGENVALUE:
        raise coded(MixtureError, "mixture.not_positive_definite", "{what} must be positive definite (eigenvalues > "
                    "{min:g}), got {rows}", what=what, min=MIN_EIGENVALUE, rows=rows)
    return rows


def _component(comp, i: int, num_classes: int) -> dict:
    what = f"components[{i}]"
    if not isinstance(comp, dict):
        raise coded(MixtureError, "mixture.component_not_object", "{what} must be an object with mean, cov, weight, "
                    "class; got {got}", what=what, got=_short(comp))
    missing = [k for k in ("mean", "cov", "weight", "class") if k not in comp]
    if missing:
        raise coded(MixtureError, "mixture.component_missing", "{what} is missing {names} (needs mean, cov, weight, "
                    "class)", what=what, names=", ".join(missing))
    weight = _finite_number(comp["weight"], f"{what}.weight")
    if weight <= 0:
        raise coded(MixtureError, "mixture.weight_not_positive", "{what}.weight must be positive, got {weight:g}",
                    what=what, weight=weight)
    cls = comp["class"]
    if isinstance(cls, bool) or not isinstance(cls, int) or not 0 <= cls < num_classes:
        raise coded(MixtureError, "mixture.class_index", "{what}.class must be an integer in [0, {hi}], got {got}",
                    what=what, hi=num_classes - 1, got=_short(cls))
    return {"mean": _vector(comp["mean"], f"{what}.mean"), "cov": _covariance(comp["cov"], f"{what}.cov"),
            "weight": weight, "class": cls}


def mixture_from_dict(spec) -> GaussianMixture:
    """Validate a parsed JSON mixture and build the exact GaussianMixture."""
    if not isinstance(spec, dict):
        raise coded(MixtureError, "mixture.not_object", "a mixture must be a JSON object with name, classes, components")
    name = check_name(spec.get("name", "custom"))
    classes = spec.get("classes")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) and c for c in classes):
        raise coded(MixtureError, "mixture.classes_list", "classes must be a non-empty list of names, got {got}",
                    got=_short(classes))
    if len(classes) > MAX_COMPONENTS:
        raise coded(MixtureError, "mixture.too_many_classes", "at most {max} classes are allowed, got {n}",
                    max=MAX_COMPONENTS, n=len(classes))
    classes = [check_name(c, coded(Phrase, "term.class_name", "class name {k}", k=i))
               for i, c in enumerate(classes)]
    if len(set(classes)) != len(classes):
        raise coded(MixtureError, "mixture.names_not_unique", "class names must be unique, got {names}", names=classes)
    comps = spec.get("components")
    if not isinstance(comps, list) or not comps:
        raise coded(MixtureError, "mixture.no_components",
                    "components must be a non-empty list (an empty mixture has no density)")
    if len(comps) > MAX_COMPONENTS:
        raise coded(MixtureError, "mixture.too_many_components", "at most {max} components are allowed, got {n}",
                    max=MAX_COMPONENTS, n=len(comps))
    parsed = [_component(c, i, len(classes)) for i, c in enumerate(comps)]
    empty = [classes[k] for k in range(len(classes)) if not any(p["class"] == k for p in parsed)]
    if empty:
        raise coded(MixtureError, "mixture.class_without_component",
                    "every class needs at least one component; none for {names}", names=", ".join(empty))
    weights = torch.tensor([p["weight"] for p in parsed], dtype=torch.float64)
    return GaussianMixture(
        name=name,
        class_names=tuple(classes),
        means=torch.tensor([p["mean"] for p in parsed], dtype=torch.float64),
        covs=torch.tensor([p["cov"] for p in parsed], dtype=torch.float64),
        weights=weights / weights.sum(),
        component_class=torch.tensor([p["class"] for p in parsed], dtype=torch.int64),
    )


def mixture_to_dict(mix: GaussianMixture) -> dict:
    """The JSON form of a mixture (weights as normalised), inverse of mixture_from_dict."""
    comps = [{"mean": mix.means[k].tolist(), "cov": mix.covs[k].tolist(), "weight": float(mix.weights[k]),
              "class": int(mix.component_class[k])} for k in range(len(mix.weights))]
    return {"name": mix.name, "classes": list(mix.class_names), "components": comps}


def parse_mixture_json(text: str) -> GaussianMixture:
    """Parse and validate mixture JSON text."""
    if not isinstance(text, str):
        raise coded(MixtureError, "mixture.not_text", "a mixture must be JSON text, got {type}",
                    type=type(text).__name__)
    if len(text) > MAX_FILE_BYTES:
        raise coded(MixtureError, "mixture.text_too_large", "a mixture file may be at most {max} bytes, got {n}",
                    max=MAX_FILE_BYTES, n=len(text))
    try:
        spec = jsontext.loads(text, "the mixture", MAX_FILE_BYTES)
    except ValueError as err:
        raise coded(MixtureError, "mixture.not_usable", "not a usable mixture: {reason}", reason=err) from None
    return mixture_from_dict(spec)


def load_mixture_file(path: str | Path) -> GaussianMixture:
    """Read, parse and validate a mixture JSON file."""
    path = Path(path)
    if not path.exists():
        raise coded(MixtureError, "mixture.file_missing", "mixture file {file} does not exist", file=path)
    if path.is_dir():
        raise coded(MixtureError, "mixture.is_directory", "{file} is a directory, not a mixture JSON file", file=path)
    if not path.is_file():
        raise coded(MixtureError, "mixture.not_a_file",
                    "{file} is not a regular file (a device or pipe?); give a mixture JSON file", file=path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise coded(MixtureError, "mixture.file_too_large", "mixture file {file} is larger than {max} bytes",
                    file=path, max=MAX_FILE_BYTES)
    try:
        with path.open(encoding="utf-8") as f:
            text = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except UnicodeDecodeError:
        raise coded(MixtureError, "mixture.not_utf8", "mixture file {file} is not UTF-8 text (expected JSON)",
                    file=path) from None
    try:
        return parse_mixture_json(text)
    except MixtureError as err:
        raise coded(MixtureError, "mixture.in_file", "{file}: {reason}", file=path, reason=err) from None


def load_preset(name: str) -> GaussianMixture:
    """One of PRESETS by name."""
    if name not in PRESETS:
        raise coded(MixtureError, "mixture.unknown_preset",
                    "unknown preset {name!r}; choose one of {names} or give a path to a .json file", name=name,
                    names=", ".join(PRESETS))
    return load_mixture_file(PRESET_DIR / f"{name}.json")


def load_mixture(name_or_path: str) -> GaussianMixture:
    """A preset name, or a path to a mixture JSON file."""
    if name_or_path in PRESETS:
        return load_preset(name_or_path)
    if name_or_path.endswith(".json") or Path(name_or_path).exists():
        return load_mixture_file(name_or_path)
    return load_preset(name_or_path)  # raises with the list of presets


def mixture_key(mix: GaussianMixture) -> str:
    """A short content hash of a mixture (custom mixtures are cached by what they are, not by name)."""
    text = json.dumps(mixture_to_dict(mix), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]
