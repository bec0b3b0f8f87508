"""Caches: the LRU computes a missing key once and evicts the oldest; SingleFlight runs one job per key."""
import threading
import time

from explainer.cache import LruCache, SingleFlight


def test_lru_computes_once():
    cache, calls = LruCache(2), []
    for k in (1, 1, 2, 3, 1):
        cache.get_or_compute(k, lambda k=k: calls.append(k) or k)
    assert calls == [1, 2, 3, 1] and len(cache) == 2


def test_lru_concurrent_requests_compute_once():
    cache, calls = LruCache(4), []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return 42

    out = []
    threads = [threading.Thread(target=lambda: out.append(cache.get_or_compute("k", slow))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [42] * 5 and len(calls) == 1


def test_single_flight_waiters_see_progress():
    gate, seen = SingleFlight(), []

    def job(report):
        for i in range(3):
            report(i / 3, f"step {i}")
            time.sleep(0.3)
        return "done"

    t = threading.Thread(target=lambda: gate.run("k", job))
    t.start()
    time.sleep(0.1)
    assert gate.run("k", lambda report: "second", lambda f, d: seen.append(d)) == "second"
    t.join()
    assert seen and all(d.startswith("step") for d in seen)
