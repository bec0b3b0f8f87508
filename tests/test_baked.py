"""Baked lessons (explainer/lab/baked.py): the shipped files are current, load publishes them, and anything broken or
stale is skipped with one line instead of stopping the server."""
from __future__ import annotations

import gzip
import json
import shutil

import brotli
import pytest

from explainer.lab import baked
from explainer.lab.lessons import LESSONS
from explainer.lab.service import Lab
from explainer.view_files import file_name


def _decoded(text: str):
    return json.loads(text)


def _close(a, b, path="view") -> list[str]:
    """Where two decoded views differ by more than a rounding step (ints by 2, floats by 1e-3 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")][:5]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        tol = 2 if isinstance(a, int) and isinstance(b, int) else 1e-3 * max(1.0, abs(a), abs(b))
        return [] if abs(a - b) <= tol else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {str(a)[:40]} != {str(b)[:40]}"]


@pytest.mark.slow
def test_the_shipped_lessons_are_what_the_code_computes():
    """Each lesson's baked view is the view this code computes now (the same file, or on another CPU the same
    content within a rounding step). When this fails: `python app.py bake-lessons` and commit toy_data/lessons/."""
    index = json.loads((baked.BAKED / "index.json").read_text(encoding="utf-8"))
    assert sorted(index["lessons"]) == sorted(les.key for les in LESSONS if les.selection is not None)
    lab = Lab()
    for lesson in LESSONS:
        if lesson.selection is None:
            continue
        entry = index["lessons"][lesson.key]
        view, extras = lab.lesson_parts(lesson.selection)
        if view.file_name != entry["name"]:
            shipped = gzip.decompress((baked.BAKED / (entry["name"] + ".gz")).read_bytes()).decode("utf-8")
            problems = _close(_decoded(shipped), _decoded(view.json_text))
            assert not problems, f"{lesson.key}: stale baked view ({problems[:3]}): run `{baked.COMMAND}`"
        assert _close(entry["extras"], json.loads(json.dumps(extras))) == [], lesson.key


def test_load_publishes_every_baked_lesson():
    lab = Lab()
    keys = baked.load(lab, log=pytest.fail)
    assert sorted(keys) == sorted(les.key for les in LESSONS if les.selection is not None)
    pointer, etag = lab.files.lesson("far_modes")
    name = json.loads(gzip.decompress(pointer))["src"].split("/")[-1]
    text = gzip.decompress(lab.files.get(name))
    assert file_name(text.decode("utf-8")) == name and etag
    br = lab.files.encoded(name)[1]
    assert brotli.decompress(br) == text and len(br) < 160_000


def test_broken_or_stale_baked_lessons_are_skipped_with_one_line(tmp_path):
    folder = tmp_path / "lessons"
    shutil.copytree(baked.BAKED, folder)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    entries = index["lessons"]
    (folder / (entries["interval"]["name"] + ".gz")).write_bytes(gzip.compress(b'{"panels": []}'))  # wrong content
    (folder / (entries["tradeoff"]["name"] + ".gz")).write_bytes(b"not gzip")
    (folder / (entries["w_plus_one"]["name"] + ".br")).write_bytes(b"not brotli")
    entries["naive"]["checkpoints"] = {"model.safetensors": "0" * 64}  # baked with other networks
    entries["corrector"]["name"] = "../../etc/passwd"
    entries["not_tilted"] = "nonsense"
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    lines, lab = [], Lab()
    keys = baked.load(lab, folder, log=lines.append)
    assert sorted(keys) == ["far_modes", "implicit_classifier", "noisy_classifier"]
    assert len(lines) == 6 and all("skipped" in line and "\n" not in line for line in lines), lines
    assert any("other three_gaussians checkpoints" in line or "checkpoints" in line for line in lines)
    assert lab.files.lesson("interval") is None
    for bad in ("{", json.dumps({"lessons": 3}), ""):
        (folder / "index.json").write_text(bad, encoding="utf-8")
        lines = []
        assert baked.load(Lab(), folder, log=lines.append) == [] and len(lines) == 1 and "none" in lines[0]
    assert baked.load(Lab(), tmp_path / "missing", log=lines.append) == []


def test_bake_writes_what_load_reads(tmp_path, monkeypatch):
    """bake() on one lesson: its files (brotli and gzip), named by content, an index saying how they were made; old
    files go."""
    from explainer.lab import warmup

    few = dict(list(warmup.lessons_by_view().items())[-1:])  # the interval lesson: one cheap DDIM panel
    monkeypatch.setattr(baked, "lessons_by_view", lambda: few)
    (tmp_path / ("0" * 32 + ".json.gz")).write_bytes(b"old")
    lab, lines = Lab(), []
    index = baked.bake(lab, tmp_path, progress=lines.append)
    assert index["made_by"] == baked.COMMAND and len(lines) == 1
    assert len(list(tmp_path.glob("*.json.br"))) == len(list(tmp_path.glob("*.json.gz"))) == 1
    assert not (tmp_path / ("0" * 32 + ".json.gz")).exists()
    assert baked.load(Lab(), tmp_path, log=pytest.fail) == [k for keys in few.values() for k in keys]
