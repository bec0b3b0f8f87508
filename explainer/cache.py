"""Caches the explainer shares: a thread-safe LRU in which concurrent requests for one missing key compute it
once (the others wait for that result), and a single-flight gate for long jobs whose waiters want progress.

Why: 40 students asking for the same new view must cost one computation, not 40.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class LruCache:
    """A thread-safe LRU; concurrent requests for one missing key compute it once."""

    def __init__(self, maxsize: int):
        self.maxsize, self._data, self._lock = maxsize, OrderedDict(), threading.Lock()
        self._key_locks: dict = {}

    def get_or_compute(self, key, compute: Callable[[], object]):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = compute()
            with self._lock:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def peek(self, key):
        """The cached value or None, without computing or waiting (a cache hit never waits on work)."""
        with self._lock:
            return self._data.get(key)

    def __len__(self) -> int:
        return len(self._data)


class SingleFlight:
    """Run a long job for a key at most once at a time; callers arriving meanwhile wait and see its progress.

    run(key, job, on_progress): job(report) calls report(frac, text) as it goes; every caller waiting on the
    same key gets on_progress(frac, text) about twice a second. Returns whatever the job returned.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: dict = {}  # key -> (lock, latest {"frac", "desc"})

    def state(self, key) -> dict | None:
        with self._lock:
            entry = self._jobs.get(key)
        return dict(entry[1]) if entry else None

    def run(self, key, job: Callable, on_progress: Callable | None = None, first: str = "starting…"):
        with self._lock:
            lock, state = self._jobs.setdefault(key, (threading.Lock(), {"frac": 0.0, "desc": first}))

        def report(frac: float, desc: str) -> None:
            state["frac"], state["desc"] = frac, desc
            if on_progress is not None:
                on_progress(frac, desc)

        while not lock.acquire(timeout=0.5):  # somebody else runs it: show their progress
            if on_progress is not None:
                on_progress(state["frac"], state["desc"])
        try:
            return job(report)
        finally:
            lock.release()
