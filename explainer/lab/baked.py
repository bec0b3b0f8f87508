"""Baked lessons: each lesson's view file, made once by `python app.py bake-lessons` and shipped in toy_data/lessons/,
so a lesson is drawn the moment the app serves instead of after the warm-up computes it (about 14 s for all of them
on two cores; the far-apart-modes lesson's corrector and SMC panels alone 7 s).

What is shipped is exactly what the server would send: the view's JSON under its content address
(explainer/view_files.py), in brotli at quality 11 (.json.br, what browsers get) and in gzip (.json.gz, the
fallback), and the lesson's pointer extras, listed in index.json with the sha256 of the checkpoints
the view was sampled with. At start-up (load) each file is checked (its name is the sha256 of its content; its
checkpoints are the ones this server loads) and published as the lesson's file; a file that fails a check is
skipped with one line, never an error. The warm-up then computes each lesson anyway and publishes its own view: if
the code changed the view, the new file replaces the baked one (a browser that drew the baked view redraws when
the page's event names the new file). tests/test_baked.py checks that the shipped files are current.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import time
import zlib
from pathlib import Path

import brotli
import torch

from cfg_core import jsontext
from cfg_core.toy.pretrained import default_checkpoint
from explainer.lab.service import Lab
from explainer.lab.warmup import lessons_by_view
from explainer.view_files import compress_br, file_name

BAKED = Path(__file__).resolve().parents[2] / "toy_data" / "lessons"
COMMAND = "python app.py bake-lessons"
MAX_FILE = 2_000_000  # a baked view is 25-160 kB compressed; anything far larger is not one


def checkpoint_hashes(lab: Lab, dataset: str) -> dict[str, str]:
    """sha256 of each .safetensors file in the checkpoint directory this lab loads for a preset."""
    root = lab.registry.checkpoint_root
    directory = root / dataset if root is not None else default_checkpoint(dataset)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.safetensors"))}


def bake(lab: Lab, out: Path = BAKED, progress=print) -> dict:
    """Compute every lesson's view and write it (brotli and gzip, content-addressed) with index.json; returns the
    index. Old files in out that no lesson names any more are removed."""
    out.mkdir(parents=True, exist_ok=True)
    lessons, names = {}, set()
    for sel, keys in lessons_by_view().items():
        t0 = time.perf_counter()
        view, extras = lab.lesson_parts(sel)
        name = view.file_name
        (out / (name + ".gz")).write_bytes(gzip.compress(view.json_text.encode("utf-8"), compresslevel=9, mtime=0))
        (out / (name + ".br")).write_bytes(compress_br(view.json_text, quality=11))
        names.update((name + ".gz", name + ".br"))
        checkpoints = checkpoint_hashes(lab, sel.dataset) if sel.score == "learned" else {}
        for key in keys:
            lessons[key] = {"name": name, "extras": extras, "dataset": sel.dataset, "checkpoints": checkpoints}
        progress(f"{', '.join(keys)}: {name} ({(out / (name + '.br')).stat().st_size / 1e3:.0f} kB brotli, "
                 f"{(out / (name + '.gz')).stat().st_size / 1e3:.0f} kB gzip, {time.perf_counter() - t0:.1f} s)")
    for old in [*out.glob("*.json.gz"), *out.glob("*.json.br")]:
        if old.name not in names:
            old.unlink()
    index = {"made_by": COMMAND, "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__, "lessons": lessons}
    (out / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return index


def _checked(lab: Lab, folder: Path, entry, hashes: dict) -> tuple[str, bytes, bytes | None, dict]:
    """(name, gzip bytes, brotli bytes or None, extras) of one index entry, or ValueError saying why it cannot be
    used."""
    if not isinstance(entry, dict) or not isinstance(entry.get("extras"), dict):
        raise ValueError("malformed entry")
    name, dataset = str(entry.get("name", "")), str(entry.get("dataset", ""))
    if len(name) != 37 or not name.endswith(".json") or any(c not in "0123456789abcdef" for c in name[:32]):
        raise ValueError(f"not a view file name: {name[:40]!r}")
    if entry.get("checkpoints"):
        if dataset not in hashes:
            hashes[dataset] = checkpoint_hashes(lab, dataset)
        if entry["checkpoints"] != hashes[dataset]:
            raise ValueError(f"baked with other {dataset} checkpoints")
    bodies = {}
    for kind, unpack in (("gz", gzip.decompress), ("br", brotli.decompress)):
        path = folder / f"{name}.{kind}"
        if kind == "br" and not path.exists():
            bodies[kind] = None  # gzip alone serves too
            continue
        if path.stat().st_size > MAX_FILE:
            raise ValueError(f"{path.name} too large")
        bodies[kind] = path.read_bytes()
        text = unpack(bodies[kind])
        if len(text) > 20 * MAX_FILE or file_name(text.decode("utf-8")) != name:
            raise ValueError(f"{path.name}: content does not match its name")
    return name, bodies["gz"], bodies["br"], entry["extras"]


def load(lab: Lab, folder: Path = BAKED, log=print) -> list[str]:
    """Publish the baked lessons found in folder as the lab's lesson files; returns the keys published. Anything
    missing, malformed or stale is skipped with one line in the log."""
    try:
        index = jsontext.loads((folder / "index.json").read_text(encoding="utf-8"), "index.json")
        lessons = index["lessons"]
        if not isinstance(lessons, dict):
            raise ValueError("no lessons in index.json")
    except (OSError, ValueError, KeyError, TypeError) as err:
        log(f"baked lessons: none ({str(err).splitlines()[0][:160] if str(err) else type(err).__name__}); "
            "the warm-up computes them")
        return []
    done, hashes = [], {}
    for key, entry in lessons.items():
        try:
            name, gz, br, extras = _checked(lab, folder, entry, hashes)
        except (OSError, ValueError, EOFError, UnicodeDecodeError, zlib.error, brotli.error) as err:
            log(f"baked lesson {str(key)[:40]}: skipped ({str(err)[:160]}); the warm-up computes it")
            continue
        lab.files.publish_lesson(str(key), name, None, extras, gz=gz, br=br)
        done.append(str(key))
    return done
