"""Where the app reads its checkpoints and writes the animations it offers for download (both tabs use them).

    CHECKPOINT_DIR       CFG_CHECKPOINT_DIR: a folder with one checkpoint folder per preset and mnist/ (None: the
                         shipped checkpoints/)
    animation_path(name) a fresh path in this process's animation folder (removed at exit; old files pruned)
"""
from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

CHECKPOINT_DIR = Path(os.environ["CFG_CHECKPOINT_DIR"]) if os.environ.get("CFG_CHECKPOINT_DIR") else None

_ANIM_DIR: list[Path] = []  # the process's one animation folder, made on first use and removed at exit
ANIM_MAX_AGE_S = 600  # gradio copies a returned file into its own cache; older ones here are no longer needed


def animation_path(name: str) -> Path:
    """A fresh path for an animation file in this process's temp folder; files older than ANIM_MAX_AGE_S go."""
    if not _ANIM_DIR:
        _ANIM_DIR.append(Path(tempfile.mkdtemp(prefix="cfg-anim-")))
        atexit.register(shutil.rmtree, _ANIM_DIR[0], True)
    folder, now = _ANIM_DIR[0], time.time()
    for old in folder.glob("*/*"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > ANIM_MAX_AGE_S:
                old.unlink()
                old.parent.rmdir()
    return Path(tempfile.mkdtemp(dir=folder)) / name  # one subfolder per request: concurrent requests never collide
