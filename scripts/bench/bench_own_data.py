"""Issue 12's browser target, measured in headless Chromium against `python app.py` on localhost: dragging a fitted
component on the *Your data* canvas, from the pointer move to the redrawn canvas.

    fit_ms     Generate and fit (moons, 600 points): click -> canvas shows the fit (one Gradio event)
    drag_ms    per pointer move while dragging a component's centre: request sent -> samples redrawn (median, p95),
               with the canvas's own one-request-in-flight rule (moves during a request wait; the latest wins)
Writes docs/bench_own_data.json. Usage: python scripts/bench/bench_own_data.py [--port 7872] [--moves 60] [--shots]
(--shots: also a screenshot of the tab after the drag, docs/figures/own_data_1280x900.png)
Measured after the app's background warm-up has finished; run with nothing else on the machine (the report records
the load average).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from app_process import start_app  # noqa: E402 (scripts/bench/app_process.py)
from bench_classroom import ARGS, READY, wait_warmup  # noqa: E402

EXT = (-4.5, 4.5)  # the canvas window (explainer.own_data.service.EXTENT)


def to_page(box: dict, p) -> tuple[float, float]:
    return (box["x"] + (p[0] - EXT[0]) / (EXT[1] - EXT[0]) * box["width"],
            box["y"] + (1 - (p[1] - EXT[0]) / (EXT[1] - EXT[0])) * box["height"])


def measure(url: str, moves: int, shots: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_function(READY, timeout=300_000)
        page.get_by_role("tab", name="Your data").click()
        page.wait_for_function("window.__cfgOwn", timeout=30_000)
        t0 = time.perf_counter()
        page.locator("#own-generate").click()
        page.wait_for_function("window.__cfgOwn.xy.length === 600 && window.__cfgOwn.preview", timeout=60_000)
        fit_ms = 1000 * (time.perf_counter() - t0)
        canvas = page.locator("#own-view canvas")
        page.evaluate("document.querySelector('#own-view canvas').scrollIntoView({block: 'center'})")
        time.sleep(0.5)
        box = canvas.bounding_box()
        centre = page.evaluate("window.__cfgOwn.preview.ellipses[0].centre")
        x, y = to_page(box, centre)
        before = len(page.evaluate("window.__cfgOwn.latencies"))
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(moves):  # a slow circle around the start, ~30 moves per second like a hand
            page.mouse.move(x + 40 * (i % 10) / 10, y + 30 * ((i // 10) % 2))
            time.sleep(0.033)
        page.mouse.up()
        time.sleep(1.0)
        lat = page.evaluate("window.__cfgOwn.latencies")[before:]
        if shots:  # the tab after the drag, canvas in view (docs/RESULTS.md)
            page.screenshot(path=str(ROOT / "docs" / "figures" / "own_data_1280x900.png"))
        browser.close()
    lat = sorted(lat)
    return {"fit_ms": round(fit_ms), "drag_redraws": len(lat), "drag_ms_median": round(statistics.median(lat), 1),
            "drag_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 1), "pointer_moves": moves}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=7872)
    ap.add_argument("--moves", type=int, default=60)
    ap.add_argument("--shots", action="store_true", help="also write docs/figures/own_data_1280x900.png")
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench_own_data.json"))
    args = ap.parse_args()
    log, load = Path("/tmp/bench_own_data_app.log"), os.getloadavg()[0]
    proc, t0, _ = start_app(args.port, log)
    try:
        warm = wait_warmup(log, t0)  # the lab's background warm-up would share the cores with the drag
        result = measure(f"http://127.0.0.1:{args.port}/", args.moves, args.shots)
    finally:
        proc.kill()
    report = {"date": time.strftime("%Y-%m-%d"), "load_average_at_start": load,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}, headless Chromium",
              "target": "drag a component: redrawn <= 150 ms median",
              "after_warm_up_s": round(warm, 1) if warm else None, **result}
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
