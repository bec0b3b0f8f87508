"""Atomic file writes: every file the project writes goes to a temp file beside it, then os.replace.

A reader (or the next run) therefore sees either the old file or the complete new one, never half of
one: an interrupted `sample` leaves the previous .npz intact, and no temp file is left behind.

    with atomic_path("out/s.npz") as tmp:   # tmp: "out/.s.npz.<random>.<pid>.tmp.npz" (same suffix, same folder)
        np.savez(tmp, x=x)                  # on success tmp replaces out/s.npz; on any error it is deleted

A process killed outright (kill -9, power loss) cannot delete its temp file, so every write and every
check_writable first removes the stale ones in its folder: temp files of this writer's pattern whose
process is gone, or that nobody has touched for STALE_AFTER_S seconds.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path

STALE_AFTER_S = 15 * 60  # a temp file untouched this long is a leftover, whoever wrote it
# ".<name>.<8 random>.<pid>.tmp<suffix>" (atomic_path), ".<name>.<8 random>.tmp<suffix>" (before the pid was
# in the name: stale by age only) and ".write-test-<pid>-<random>" (check_writable's probe)
_TEMP = re.compile(r"^\.(?P<name>.+?)\.[a-z0-9_]{8}(?:\.(?P<pid>\d+))?\.tmp(?P<suffix>(?:\.[^.]*)?)$")
_PROBE = re.compile(r"^\.write-test-(?:(?P<pid>\d+)-)?[a-z0-9_]{8}$")


def _pid_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (or might: no permission to ask)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _is_stale_temp(entry: Path, now: float) -> bool:
    """True for a temp file of atomic_path or check_writable whose writer is dead or that is old."""
    match = _TEMP.match(entry.name) or _PROBE.match(entry.name)
    if match is None:
        return False
    if match.re is _TEMP and Path(match["name"]).suffix != match["suffix"]:
        return False  # not ours: atomic_path's temp ends in its target's suffix
    try:
        stat = entry.lstat()
    except OSError:
        return False
    if not entry.is_file() or entry.is_symlink():
        return False
    if now - stat.st_mtime > STALE_AFTER_S:
        return True
    return match["pid"] is not None and not _pid_alive(int(match["pid"]))


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Delete the temp files a killed writer left in folder (best effort); returns what was deleted."""
    folder, now, removed = Path(folder), time.time(), []
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(".")]
    except OSError:
        return removed
    for entry in entries:
        if _is_stale_temp(entry, now):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path, mode: int = 0o644):
    """A temp path in path's folder, ending in path's suffix; moved onto path when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp{path.suffix}", dir=path.parent)
    try:
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, mode)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    finally:  # on success tmp is gone (replaced); on any error, interrupt or exit it is deleted here
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """path.write_text(text), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def missing_folders(path: str | Path, is_dir: bool = False) -> list[Path]:
    """The folders a write to path (a file, or a folder when is_dir) would create, deepest first."""
    path = Path(path).absolute()
    folder = path if is_dir else path.parent
    return [a for a in (folder, *folder.parents) if not a.exists() and not a.is_symlink()]


def check_writable(path: str | Path, is_dir: bool = False) -> Path:
    """Fail early (OSError with one line) if path (a file, or a folder when is_dir) cannot be written.

    Creates nothing: the probe is a temp file in the nearest folder that exists, deleted at once, so a run
    that fails its checks leaves no empty output folder behind. Also removes stale temp files there."""
    path = Path(path)
    folder = path if is_dir else path.parent
    if path.exists() and (path.is_dir() != is_dir):
        raise OSError(f"{path} is {'a file' if is_dir else 'a directory'}; give a {'folder' if is_dir else 'file'} path")
    blocking = next((a for a in (folder, *folder.parents) if a.exists() and not a.is_dir()), None)
    if blocking is not None:
        raise OSError(f"cannot write to {path}: {blocking} is not a folder")
    existing = next((a for a in (folder, *folder.absolute().parents) if a.is_dir()), None)
    if existing is None:
        raise OSError(f"cannot write to {path}: no folder above it exists")
    remove_stale_temps(existing)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".write-test-{os.getpid()}-", suffix="", dir=existing)
    except OSError as err:
        raise OSError(f"cannot write to {folder} ({err.strerror or err})") from None
    os.close(fd)
    os.unlink(probe)
    return path
