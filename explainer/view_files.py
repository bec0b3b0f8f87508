"""Views as files: each view's JSON, compressed once, under a name made from its content (sha256).

Why: a lesson view is deterministic (same selection, same seed, same bytes), so forty students pressing the same
lesson need not each pull 800 kB through the event queue. The event answers a pointer ({"src": "views/<name>"});
the browser fetches the file, which the server sends as stored bytes (no Python work per student) and marks
immutable, so a browser that has it never asks again (ui/view_route.py serves them).

Each file is kept in brotli (what browsers accept, Chromium even over plain http) and in gzip (the fallback).
Brotli's window spans the whole view, so it sees that the rows of neighbouring w repeat each other, which gzip's
32 kB window cannot: a DDIM lesson's view is 58 kB in brotli at quality 11 against 143 kB in gzip. A view made
while a user waits is compressed at BROTLI_FAST (a few ms per 100 kB); the baked lessons at quality 11
(explainer/lab/baked.py).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict

import brotli

PREFIX = "views/"  # the files' path under the app's root
BROTLI_FAST = 5  # quality for views compressed while someone waits (11, the best, takes ~1 s for a view)
BROTLI_WINDOW = 24  # log2 of brotli's window: 16 MB, the whole view


def compress_br(text: str, quality: int = BROTLI_FAST) -> bytes:
    """A view's text in brotli, its window over the whole text."""
    return brotli.compress(text.encode("utf-8"), quality=quality, lgwin=BROTLI_WINDOW)


def file_name(text: str) -> str:
    """The content address of a view's JSON text: 32 hex digits of its sha256, then .json."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".json"


class ViewFiles:
    """A thread-safe, bounded store name -> (gzip bytes, brotli bytes) (least recently used dropped first)."""

    def __init__(self, maxsize: int = 512):
        self.maxsize, self._data, self._lock = maxsize, OrderedDict(), threading.Lock()
        # lesson key -> (its pointer as gzip'd JSON, that pointer's ETag), once its view is stored
        self._lessons: dict[str, tuple[bytes, str]] = {}
        self._pinned: dict[str, str] = {}  # lesson key -> the name of its view, never dropped

    def publish_lesson(self, key: str, name: str, text: str | None, extras: dict, gz: bytes | None = None,
                       br: bytes | None = None) -> None:
        """Store a lesson's view (its JSON text, or its gzip and brotli bytes as baked, explainer/lab/baked.py) and
        its pointer {"src", "extras"}: a lesson button can then fetch both straight from the files (GET
        views/lessons/<key>.json, then the src) before the page's events catch up. A lesson published again (the
        warm-up's own computation after a baked view) points to the newer view."""
        with self._lock:
            self._pinned[key] = name
        src = self.put(name, text) if gz is None else self.put_encoded(name, gz, br)
        pointer = gzip.compress(json.dumps({"src": src, "extras": extras}, separators=(",", ":")).encode("utf-8"),
                                compresslevel=6, mtime=0)
        with self._lock:
            self._lessons[key] = pointer, hashlib.sha256(pointer).hexdigest()[:16]

    def lesson(self, key: str) -> tuple[bytes, str] | None:
        """A published lesson's pointer (gzip'd JSON bytes) and its ETag, or None."""
        with self._lock:
            return self._lessons.get(key)

    def lessons(self) -> list[str]:
        """The keys of the published lessons."""
        with self._lock:
            return list(self._lessons)

    def put(self, name: str, text: str) -> str:
        """Store text under name (compressed once; a name already there is only refreshed); returns the src."""
        with self._lock:
            if name in self._data:
                self._data.move_to_end(name)
                return PREFIX + name
        return self.put_encoded(name, gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0), compress_br(text))

    def put_encoded(self, name: str, gz: bytes, br: bytes | None = None) -> str:
        """Store a view's gzip (and brotli) bytes under name; returns the src. A published lesson's view is kept
        however many others come after it; the least recently used of the rest go first."""
        with self._lock:
            self._data[name] = gz, br
            self._data.move_to_end(name)
            pinned = set(self._pinned.values())
            for old in [n for n in self._data if n not in pinned][:max(0, len(self._data) - self.maxsize)]:
                del self._data[old]
        return PREFIX + name

    def encoded(self, name: str) -> tuple[bytes, bytes | None] | None:
        """(gzip bytes, brotli bytes or None when stored in gzip only) under name, or None."""
        with self._lock:
            return self._data.get(name)

    def get(self, name: str) -> bytes | None:
        """The gzip bytes stored under name, or None."""
        stored = self.encoded(name)
        return stored[0] if stored else None

    def __len__(self) -> int:
        return len(self._data)
