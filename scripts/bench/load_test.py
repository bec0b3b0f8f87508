"""A class at once: USERS users hit the 2D lab's /toy together (half ask a cached view, half a new selection),
then MNIST_USERS users hit /mnist together. Prints one JSON report (p50 / p95 / max seconds, errors).

The target (issue 13): cached /toy answers p95 <= 1 s while the uncached ones compute, every request
answered, 0 errors; MNIST p95 reported. Localhost only; starts its own `python app.py`.
Usage: python scripts/bench/load_test.py [--users 40] [--mnist-users 10] [--port 7871]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_app(port: int, timeout: float = 180.0) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1,localhost"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"app did not start within {timeout:.0f} s")


def toy(url: str, seed: int, w: float, timeout: float = 600.0) -> dict:
    """POST /toy (registered with queue=False, so /gradio_api/run answers directly)."""
    data = ["three_gaussians", 0, "cfg", w, "ddim", "learned", "noisy", seed, ""]
    req = urllib.request.Request(f"{url}gradio_api/run/toy", data=json.dumps({"data": data}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=timeout).read())


def at_once(calls: list) -> list[tuple[float, str | None]]:
    """Run every call in its own thread, all released together; (seconds, error or None) per call."""
    out: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def user(i):
        barrier.wait()
        t0 = time.perf_counter()
        try:
            calls[i]()
            out[i] = (time.perf_counter() - t0, None)
        except Exception as err:  # counted as an error in the report
            out[i] = (time.perf_counter() - t0, f"{type(err).__name__}: {str(err)[:120]}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def stats(results: list[tuple[float, str | None]]) -> dict:
    times = sorted(t for t, _ in results)
    pick = lambda q: round(times[min(len(times) - 1, int(round(q * (len(times) - 1))))], 3)  # noqa: E731
    errors = [e for _, e in results if e]
    return {"n": len(results), "answered": len(results) - len(errors), "errors": len(errors),
            "p50_s": pick(0.5), "p95_s": pick(0.95), "max_s": round(times[-1], 3), "first_errors": errors[:3]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=40, help="2D lab users: half cached, half new selections")
    ap.add_argument("--mnist-users", type=int, default=10)
    ap.add_argument("--port", type=int, default=7871)
    ap.add_argument("--url", default=None, help="test a running app instead of starting one")
    args = ap.parse_args()
    proc = None if args.url else start_app(args.port)
    url = args.url or f"http://127.0.0.1:{args.port}/"
    try:
        t0 = time.perf_counter()
        toy(url, 0, 2.0)  # the cached view: seed 0 (as after the first page load)
        report = {"cpus": os.cpu_count(), "first_view_s": round(time.perf_counter() - t0, 2)}
        half = args.users // 2
        cached = [lambda i=i: toy(url, 0, 0.5 * (i % 21)) for i in range(half)]
        fresh = [lambda i=i: toy(url, 1000 + i, 2.0) for i in range(args.users - half)]  # a new seed: a new view
        results = at_once(cached + fresh)
        report["toy_cached"], report["toy_new"] = stats(results[:half]), stats(results[half:])
        if args.mnist_users:
            from gradio_client import Client

            client = Client(url, verbose=False)
            mnist = [lambda i=i: client.predict(i % 10, "cfg", 0.5 * (i + 1), 0, api_name="/mnist")
                     for i in range(args.mnist_users)]
            report["mnist"] = stats(at_once(mnist))
        print(json.dumps(report, indent=2))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
