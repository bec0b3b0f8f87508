"""Labelled 2D points ("your own data"): the Points set, its strict checks, and where points come from.

A Points set is N points x_i in R^2 with class labels c_i in [0, C) and a name per class. It is what
fit.py fits a Gaussian mixture p(x|c) to, and what training draws minibatches (x, c) from (sample_labelled,
the same interface as the exact mixture's), so the raw points can stand in for p(x, c).

Points come from
    make_dataset(name, n, noise, seed)   a scikit-learn generator (moons, circles, blobs, swiss_roll,
                                         classification), centred and scaled into the lab's window, plus
                                         N(0, noise^2 I) jitter in window units;
    parse_points_csv / read_points_csv   a CSV with header x,y,label (more columns are ignored); labels are
                                         all integers (classes in increasing order, named by the integer) or
                                         all names (classes in order of first appearance);
and go back out with write_points_csv. Every bad input raises PointsError with one line that says what is
wrong and what is allowed; nothing is clipped or dropped silently.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cfg_core.atomic import atomic_path
from cfg_core.errors import Phrase, coded, recoded
from cfg_core.mixture_json import MixtureError, check_name

MAX_POINTS = 100_000  # the fit and the lab stay interactive up to here
MIN_CLASS_POINTS = 10  # a full-covariance 2D Gaussian has 5 parameters: fewer points per class fit noise
MAX_CLASSES = 8  # the lab colours 8 classes (explainer.figures.CLASS_COLORS)
MAX_ABS_COORD = 30.0  # every fitted variance (<= 30^2) then stays within mixture_json's limit of 1e3
MAX_CSV_BYTES = 16_000_000  # 100,000 rows of two full-precision floats and an 80-character name fit
WINDOW_HALF = 3.0  # make_dataset and rescaling put the data in [-3, 3]^2: the presets' scale (lab window ~ +-4)
MIN_DATASET_POINTS = 50  # every generated class then has at least MIN_CLASS_POINTS points
MAX_NOISE = 2.0  # jitter std in window units; at 2 every generated shape is washed out
_INTEGER = re.compile(r"[+-]?\d{1,30}")  # an integer label (30 digits: beyond that it is surely not a class)


class PointsError(ValueError):
    """A point set that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class DatasetInfo:
    """One scikit-learn generator as the lab offers it."""

    classes: tuple[str, ...]  # class names, in class-index order
    default_noise: float  # jitter std in window units that shows the shape well
    about: str  # one line for the UI and --help


DATASETS = {
    "moons": DatasetInfo(("upper", "lower"), 0.2, "two interleaving half circles (make_moons)"),
    "circles": DatasetInfo(("outer", "inner"), 0.15, "a circle inside a circle (make_circles, factor 0.5)"),
    "blobs": DatasetInfo(("A", "B", "C"), 0.0, "three Gaussian blobs at random centres (make_blobs)"),
    "swiss_roll": DatasetInfo(("inner", "outer"), 0.2,
                              "the 2D spiral of make_swiss_roll, split in two along the roll"),
    "classification": DatasetInfo(("A", "B"), 0.0,
                                  "make_classification with 2 informative features, 2 clusters per class"),
}


@dataclass(frozen=True, eq=False)
class Points:
    """N labelled points; validated on construction, arrays copied and read-only."""

    xy: np.ndarray  # [N, 2] float64
    labels: np.ndarray  # [N] int64 in [0, C)
    class_names: tuple[str, ...]  # [C]

    def __post_init__(self) -> None:
        xy, labels, names = _checked(self.xy, self.labels, self.class_names)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "class_names", names)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def dim(self) -> int:
        return 2

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        """Points per class.  # [C]"""
        return np.bincount(self.labels, minlength=self.num_classes)

    def class_points(self, c: int) -> np.ndarray:
        """The points of class c.  # [N_c, 2]"""
        return self.xy[self.labels == c]

    def sample_labelled(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """A minibatch of n points drawn uniformly with replacement: x [n, 2] float64 and c [n] int64.
        The same interface as GaussianMixture.sample_labelled, so training can run on the raw points."""
        idx = torch.randint(0, len(self), (n,), generator=generator).numpy()  # [n]
        return torch.from_numpy(self.xy[idx]), torch.from_numpy(self.labels[idx])  # fancy indexing copies


# --- validation ----------------------------------------------------------------------------------------
def _checked_xy(xy) -> np.ndarray:
    """xy as a read-only float64 [N, 2] copy: at most MAX_POINTS, finite, not all the same point."""
    xy = np.array(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise coded(PointsError, "points.shape", "points must be an array of shape [N, 2] (x, y), got shape {shape}",
                    shape=list(xy.shape))
    if len(xy) > MAX_POINTS:
        raise coded(PointsError, "points.too_many", "at most {max} points are allowed, got {n}", max=MAX_POINTS,
                    n=len(xy))
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad):
        raise coded(PointsError, "points.not_finite", "coordinates must be finite numbers; point {k} is {xy}",
                    k=int(bad[0]), xy=xy[bad[0]].tolist())
    if len(xy) > 1 and (xy == xy[0]).all():
        raise coded(PointsError, "points.all_same", "all {n} points are the same point {xy}: there is nothing to fit",
                    n=len(xy), xy=xy[0].tolist())
    return xy


def _label_kind(text: str) -> str:
    """'int' for an integer label, 'name' for a class name; PointsError for a number that is no integer."""
    if _INTEGER.fullmatch(text.strip()):
        return "int"
    try:
        float(text)
    except ValueError:
        return "name"
    raise coded(PointsError, "points.label_not_integer",
                "label {label!r} is a number but not an integer; labels are integers or names", label=text.strip())


def _checked_names(names) -> tuple[str, ...]:
    """Class names: 2..MAX_CLASSES valid, unique names, all integers or all non-numeric names."""
    names = tuple(names)
    if len(names) < 2:
        raise coded(PointsError, "points.one_class", "only one class ({names}): guidance needs at least 2 classes "
                    "(label each point with its class)", names=", ".join(map(str, names)) or "none")
    if len(names) > MAX_CLASSES:
        raise coded(PointsError, "points.too_many_classes",
                    "at most {max} classes are allowed (the lab has {max} colours), got {n}", max=MAX_CLASSES,
                    n=len(names))
    try:
        names = tuple(check_name(n, coded(Phrase, "term.class_name", "class name {k}", k=i))
                      for i, n in enumerate(names))
    except MixtureError as err:
        raise recoded(PointsError, err) from None
    if len(set(names)) != len(names):
        raise coded(PointsError, "points.names_not_unique", "class names must be unique, got {names}",
                    names=list(names))
    if len({_label_kind(n) for n in names}) > 1:
        raise coded(PointsError, "points.names_mixed", "class names mix integers and names ({names}); use one kind",
                    names=", ".join(names))
    return names


def _checked(xy, labels, names) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Every rule a Points set obeys, in the order a user would fix them."""
    xy = _checked_xy(xy)
    labels = np.array(labels)
    if labels.shape != (len(xy),) or (labels.size and labels.dtype.kind not in "iu"):
        raise coded(PointsError, "points.labels_shape", "labels must be N = {n} integers, got shape {shape} ({dtype})",
                    n=len(xy), shape=list(labels.shape), dtype=str(labels.dtype))
    names = _checked_names(names)
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise coded(PointsError, "points.labels_range",
                    "labels must be class indices in [0, {hi}], got {lo_got}..{hi_got}", hi=len(names) - 1,
                    lo_got=int(labels.min()), hi_got=int(labels.max()))
    counts = np.bincount(labels, minlength=len(names))
    if counts.min() < MIN_CLASS_POINTS:
        c = int(counts.argmin())
        k = int(counts[c])
        if k == 1:
            raise coded(PointsError, "points.class_one_point", "class {name!r} has 1 point; every class needs at least "
                        "{min}", name=names[c], min=MIN_CLASS_POINTS)
        raise coded(PointsError, "points.class_too_few", "class {name!r} has {k} points; every class needs at least "
                    "{min}", name=names[c], k=k, min=MIN_CLASS_POINTS)
    far = np.flatnonzero((np.abs(xy) > MAX_ABS_COORD).any(axis=1))
    if len(far):
        raise coded(PointsError, "points.too_far", "coordinates must lie within +-{max:g} (the lab's window is about "
                    "+-4), point {k} is {xy}: rescale the data into the window (the rescale option)",
                    max=MAX_ABS_COORD, k=int(far[0]), xy=xy[far[0]].tolist())
    xy.setflags(write=False)
    labels.setflags(write=False)
    return xy, labels, names


def to_window(xy, half: float = WINDOW_HALF) -> np.ndarray:
    """xy centred on its bounding box and scaled (one factor for both axes) into [-half, half]^2.  # [N, 2]"""
    xy = _checked_xy(xy)
    lo, hi = xy.min(0), xy.max(0)
    return (xy - (lo + hi) / 2) * (2 * half / float((hi - lo).max()))


def points_from_arrays(xy, labels, class_names, rescale: bool = False) -> Points:
    """A validated Points set; rescale=True first maps xy into the window with to_window."""
    return Points(to_window(xy) if rescale else xy, labels, tuple(class_names))


# --- scikit-learn generators ---------------------------------------------------------------------------
def _generate(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The raw (xy [n, 2], labels [n]) of one generator, noise-free where the generator allows it."""
    from sklearn import datasets  # heavy import, only when data are made

    if name == "moons":
        return datasets.make_moons(n, noise=0.0, random_state=seed)
    if name == "circles":
        return datasets.make_circles(n, noise=0.0, factor=0.5, random_state=seed)
    if name == "blobs":
        return datasets.make_blobs(n, centers=3, cluster_std=1.0, random_state=seed)
    if name == "classification":
        return datasets.make_classification(n, n_features=2, n_informative=2, n_redundant=0, n_repeated=0,
                                            n_clusters_per_class=2, flip_y=0.0, random_state=seed)
    x3, t = datasets.make_swiss_roll(n, noise=0.0, random_state=seed)  # x3 [n, 3]; t: position along the roll
    return x3[:, [0, 2]], (t > np.median(t)).astype(np.int64)  # the two spread-out coordinates


def make_dataset(name: str, n: int, noise: float | None = None, seed: int = 0) -> Points:
    """n points of a scikit-learn data set in [-3, 3]^2 plus N(0, noise^2 I) (noise None: the set's default).
    Rows are ordered by class, so a CSV of them reads back with the same class order."""
    if name not in DATASETS:
        raise coded(PointsError, "points.unknown_dataset", "unknown data set {name!r}; choose one of {names}",
                    name=name, names=", ".join(DATASETS))
    if isinstance(n, bool) or not isinstance(n, int) or not MIN_DATASET_POINTS <= n <= MAX_POINTS:
        raise coded(PointsError, "points.n_range", "n must be an integer in [{lo}, {hi}], got {got!r}",
                    lo=MIN_DATASET_POINTS, hi=MAX_POINTS, got=n)
    noise = DATASETS[name].default_noise if noise is None else noise
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not (math.isfinite(noise)
                                                                           and 0 <= noise <= MAX_NOISE):
        raise coded(PointsError, "points.noise_range", "noise must be a number in [0, {max:g}] (std in window units), "
                    "got {got!r}", max=MAX_NOISE, got=noise)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise coded(PointsError, "points.seed_range", "seed must be an integer in [0, 2^32), got {got!r}", got=seed)
    xy, labels = _generate(name, n, seed)
    xy = to_window(xy) + noise * np.random.default_rng([seed, 1]).standard_normal((n, 2))  # [n, 2]
    order = np.argsort(labels, kind="stable")
    return Points(xy[order], labels[order], DATASETS[name].classes)


# --- CSV ----------------------------------------------------------------------------------------------
def _header(row: list[str]) -> dict[str, int]:
    """Column index of x, y and label (case and surrounding spaces ignored)."""
    cols = [c.strip().lower() for c in row]
    missing = [c for c in ("x", "y", "label") if c not in cols]
    if missing:
        shown = ",".join(row)[:60]
        if len(missing) == 1:
            raise coded(PointsError, "csv.missing_column", "missing column {names}: the first line must be the header "
                        "x,y,label, got {got!r}", names=missing[0], got=shown)
        raise coded(PointsError, "csv.missing_columns", "missing columns {names}: the first line must be the header "
                    "x,y,label, got {got!r}", names=", ".join(missing), got=shown)
    dup = [c for c in ("x", "y", "label") if cols.count(c) > 1]
    if dup:
        raise coded(PointsError, "csv.duplicate_column", "column {name} appears twice in the header", name=dup[0])
    return {c: cols.index(c) for c in ("x", "y", "label")}


def _coordinate(text: str, what: str, line: int) -> float:
    try:
        v = float(text)
    except ValueError:
        raise coded(PointsError, "csv.not_a_number", "line {line}: {what} must be a number, got {got!r}", line=line,
                    what=what, got=text.strip()[:40]) from None
    if not math.isfinite(v):
        raise coded(PointsError, "csv.not_finite", "line {line}: {what} is {got}; every coordinate must be a finite "
                    "number", line=line, what=what, got=text.strip())
    return v


def _class_indices(raw: list[str], lines: list[int]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels -> class indices and names: integers in increasing order, names in order of first appearance."""
    kinds = {}
    for text, line in zip(raw, lines):
        if not text.strip():
            raise coded(PointsError, "csv.label_empty", "line {line}: the label is empty; every point needs a class "
                        "(an integer or a name)", line=line)
        try:
            kinds.setdefault(_label_kind(text), (line, text.strip()))
        except PointsError as err:
            raise coded(PointsError, "csv.at_line", "line {line}: {reason}", line=line, reason=err) from None
    if len(kinds) > 1:
        (l1, t1), (l2, t2) = kinds["int"], kinds["name"]
        raise coded(PointsError, "csv.labels_mixed", "labels mix integers (line {l1}: {t1!r}) and names (line {l2}: "
                    "{t2!r}); use one kind", l1=l1, t1=t1, l2=l2, t2=t2)
    if "int" in kinds:
        keys = [int(t) for t in raw]
        order = sorted(set(keys))
    else:
        keys = [t.strip() for t in raw]
        order = list(dict.fromkeys(keys))
    index = {k: i for i, k in enumerate(order)}
    return np.array([index[k] for k in keys], dtype=np.int64), tuple(str(k) for k in order)


def parse_points_csv(text: str, rescale: bool = False) -> Points:
    """Points from CSV text (header x,y,label); rescale=True maps them into the lab's window first."""
    if not isinstance(text, str) or not text.strip():
        raise coded(PointsError, "csv.empty", "the CSV is empty: expected a header x,y,label and one line per point")
    xs, ys, raw, lines, cols = [], [], [], [], None
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines
            if cols is None:
                cols = _header(row)
                width = len(row)
                continue
            if len(xs) == MAX_POINTS:
                raise coded(PointsError, "csv.too_many_points", "at most {max} points are allowed; the CSV has more",
                            max=MAX_POINTS)
            line = reader.line_num
            if len(row) != width:
                raise coded(PointsError, "csv.field_count", "line {line} has {n} fields, the header has {width}",
                            line=line, n=len(row), width=width)
            xs.append(_coordinate(row[cols["x"]], "x", line))
            ys.append(_coordinate(row[cols["y"]], "y", line))
            raw.append(row[cols["label"]])
            lines.append(line)
    except csv.Error as err:
        raise coded(PointsError, "csv.unreadable", "not a readable CSV file (line {line}: {why})",
                    line=reader.line_num, why=str(err)) from None
    if not xs:
        raise coded(PointsError, "csv.no_points", "the CSV has a header but no points")
    labels, names = _class_indices(raw, lines)
    return points_from_arrays(np.column_stack([xs, ys]), labels, names, rescale)


def read_points_csv(path: str | Path, rescale: bool = False) -> Points:
    """Read, parse and validate a CSV file of labelled points; errors name the file."""
    path = Path(path)
    if not path.exists():
        raise coded(PointsError, "csv.file_missing", "points file {file} does not exist", file=path)
    if not path.is_file():
        raise coded(PointsError, "csv.not_a_file",
                    "{file} is not a regular file; give a CSV file with header x,y,label", file=path)
    if path.stat().st_size > MAX_CSV_BYTES:
        raise coded(PointsError, "csv.file_too_large", "points file {file} is larger than {mb} MB (at most {max} "
                    "points are allowed)", file=path, mb=MAX_CSV_BYTES // 1_000_000, max=MAX_POINTS)
    with path.open("rb") as f:
        data = f.read(MAX_CSV_BYTES + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise coded(PointsError, "csv.not_utf8", "{file} is not a CSV file (not UTF-8 text); expected a header "
                    "x,y,label", file=path) from None
    try:
        return parse_points_csv(text, rescale)
    except PointsError as err:
        raise coded(PointsError, "csv.in_file", "{file}: {reason}", file=path, reason=err) from None


def points_csv_text(points: Points) -> str:
    """The CSV text of a point set: header x,y,label, full-precision floats, the class name as label."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["x", "y", "label"])
    for (x, y), c in zip(points.xy.tolist(), points.labels.tolist()):
        writer.writerow([repr(x), repr(y), points.class_names[c]])
    return out.getvalue()


def write_points_csv(points: Points, path: str | Path) -> Path:
    """Write points_csv_text atomically. It reads back to the same points; the class order is kept when the
    names first appear in class order (as make_dataset's do) or are integers in increasing order."""
    with atomic_path(path) as tmp:
        tmp.write_text(points_csv_text(points), encoding="utf-8")
    return Path(path)
