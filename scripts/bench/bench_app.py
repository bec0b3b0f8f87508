"""Benchmark of the app's targets, against localhost only; prints one JSON report.

    start_to_serving_s   `python app.py` launched to the first HTTP 200 on /
    drag_ms              headless Chromium: slider input event -> redrawn canvas frame (median, p95)
    mnist_grid_s         /mnist, 16 digits at a w not seen before (median of 4, client side)
    mnist_stream         headless Chromium, MNIST tab: a new seed, digit or method -> first grid drawn, -> every
                         main grid (dragging w itself is instant: scripts/bench/bench_mnist_drag.py)
    concurrent_*         USERS raw-HTTP users at once, each REQUESTS calls at random w: w_sync is what the
                         lab's slider sends the server while a user drags (the canvas itself redraws in the
                         browser), toy is the documented /toy API; p50/p95/max, errors
Usage: python scripts/bench/bench_app.py [--users 40] [--requests 5] [--port 7870]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def start_app(port: int) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1,localhost"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while time.perf_counter() - t0 < 60:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).status == 200:
                return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("app did not start within 60 s")


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def bench_drag(url: str, passes: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1250})
        page.goto(url)
        page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0", timeout=120_000)
        box = page.locator("#w-slider input[type=range]").bounding_box()
        y = box["y"] + box["height"] / 2
        for k in range(passes):
            a, b = (0.02, 0.98) if k % 2 == 0 else (0.98, 0.02)
            page.mouse.move(box["x"] + box["width"] * a, y)
            page.mouse.down()
            for i in range(1, 41):
                page.mouse.move(box["x"] + box["width"] * (a + (b - a) * i / 40), y)
                page.wait_for_timeout(25)
            page.mouse.up()
        page.wait_for_timeout(300)
        lat = page.evaluate("window.__cfgLab.latencies")
        browser.close()
    return {"events": len(lat), "median_ms": round(statistics.median(lat), 1), "p95_ms": round(pct(lat, 0.95), 1)}


def bench_mnist(url: str) -> dict:
    from gradio_client import Client

    client = Client(url, verbose=False)
    times, out = [], None
    for w in (1.5, 2.5, 3.5, 4.5):
        t0 = time.perf_counter()
        out = client.predict(label=7, method="cfg", w=w, seed=11, api_name="/mnist")
        times.append(time.perf_counter() - t0)
    sys.path.insert(0, str(ROOT))
    from explainer.mnist.service import tab_sampler

    return {"sampler": "%s %d steps" % tab_sampler("cfg"), "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "server_seconds_last": out["seconds"]}


def bench_mnist_stream(url: str) -> dict:
    """MNIST tab: a new seed, digit or method -> first grid drawn (the full MNIST set: scripts/bench/bench_mnist_drag.py)."""
    from playwright.sync_api import sync_playwright

    from bench_mnist_drag import new_selection  # scripts/bench/ is on sys.path when run as a script

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            return new_selection(browser, url, rounds=2)
        finally:
            browser.close()


DEFAULT_LAB = ["three_gaussians", "", 0, "cfg|cg", None, "ddim", "learned", "noisy", "conditional", 0.0, 0]


def _post(url: str, endpoint: str, data: list) -> dict:
    req = urllib.request.Request(f"{url}gradio_api/run/{endpoint}", data=json.dumps({"data": data}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def _payload(endpoint: str, w: float) -> list:
    if endpoint == "toy":  # the documented API: final samples and numbers at w
        return ["three_gaussians", 0, "cfg", w, "ddim", "learned", "noisy", 0, ""]
    return [w if v is None else v for v in DEFAULT_LAB]  # w_sync: what the slider's change event sends


def bench_users(url: str, users: int, requests: int, endpoint: str, timeout: float = 180.0) -> dict:
    """Raw HTTP threads (one per user, all released at once), each making `requests` calls at random w."""
    _post(url, endpoint, _payload(endpoint, 0.0))  # the default selection is cached, as after the first page load
    barrier, lat, errors, lock = threading.Barrier(users), [], [], threading.Lock()

    def user(seed):
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(requests):
            t0 = time.perf_counter()
            try:
                r = _post(url, endpoint, _payload(endpoint, rng.choice([x / 2 for x in range(21)])))
                assert "data" in r, r
                with lock:
                    lat.append(time.perf_counter() - t0)
            except Exception as err:  # counted and reported
                with lock:
                    errors.append(str(err)[:120])

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, timeout - (time.perf_counter() - t0)))
    return {"endpoint": endpoint, "users": users, "requests": len(lat), "errors": len(errors), "p50_s": round(pct(lat, 0.5), 3),
            "p95_s": round(pct(lat, 0.95), 3), "max_s": round(max(lat), 3),
            "wall_s": round(time.perf_counter() - t0, 2), "first_errors": errors[:3]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=40)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--port", type=int, default=7870)
    a = ap.parse_args()
    a.users, a.requests = min(a.users, 100), min(a.requests, 20)  # bounded
    os.environ.update(GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost")
    proc, start_s = start_app(a.port)
    url = f"http://127.0.0.1:{a.port}/"
    try:
        report = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()}-core CPU, no GPU, {platform.platform()}",
                  "start_to_serving_s": round(start_s, 2), "drag": bench_drag(url), "mnist_grid": bench_mnist(url),
                  "mnist_stream": bench_mnist_stream(url),
                  "concurrent_w_sync": bench_users(url, a.users, a.requests, "w_sync"),
                  "concurrent_toy_api": bench_users(url, a.users, a.requests, "toy")}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
