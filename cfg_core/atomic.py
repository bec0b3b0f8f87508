"""Atomic file writes: every file the project writes goes to a temp file beside it, then os.replace.

A reader (or the next run) therefore sees either the old file or the complete new one, never half of
one: an interrupted `sample` leaves the previous .npz intact, and no temp file is left behind.

    with atomic_path("out/s.npz") as tmp:   # tmp: "out/.s.npz.<random>.tmp.npz" (same suffix, same folder)
        np.savez(tmp, x=x)                  # on success tmp replaces out/s.npz; on any error it is deleted
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path, mode: int = 0o644):
    """A temp path in path's folder, ending in path's suffix; moved onto path when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """path.write_text(text), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def check_writable(path: str | Path, is_dir: bool = False) -> Path:
    """Fail early (OSError with one line) if path (a file, or a folder when is_dir) cannot be written."""
    path = Path(path)
    folder = path if is_dir else path.parent
    if path.exists() and (path.is_dir() != is_dir):
        raise OSError(f"{path} is {'a file' if is_dir else 'a directory'}; give a {'folder' if is_dir else 'file'} path")
    blocking = next((a for a in (folder, *folder.parents) if a.exists() and not a.is_dir()), None)
    if blocking is not None:
        raise OSError(f"cannot write to {path}: {blocking} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
    except OSError as err:
        raise OSError(f"cannot write to {folder} ({err.strerror or err})") from None
    os.close(fd)
    os.unlink(probe)
    return path
