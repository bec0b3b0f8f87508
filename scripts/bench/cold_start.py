"""Cold start: `python app.py` launched fresh, then a browser opens a lesson's link (?lesson=<key>) as soon as the
server answers; reports seconds from launch to serving and from launch to the lesson's figure drawn (issue 26's
target: both within 20 s). One fresh app per lesson asked (the warm-up starts with the lessons, in order).

Usage: python scripts/bench/cold_start.py [--lessons implicit_classifier far_modes] [--port 7874]
Measure with nothing else running.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import start_app  # noqa: E402 (scripts/bench/app_process.py)
from bench_classroom import ARGS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def cold(key: str, port: int) -> dict:
    from playwright.sync_api import sync_playwright

    log = Path("/tmp") / f"cold_start_{port}.log"
    proc, t0, serving = start_app(port, log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/?lesson={key}")
            page.wait_for_function(f"window.__cfgLab && window.__cfgLab.view && window.__cfgLab.lesson === '{key}' "
                                   "&& window.__cfgLab.draws > 0", timeout=300_000)
            drawn = time.perf_counter() - t0
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"lesson": key, "serving_s": round(serving, 2), "lesson_drawn_s": round(drawn, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lessons", nargs="+", default=["implicit_classifier", "far_modes"])
    ap.add_argument("--port", type=int, default=7874)
    args = ap.parse_args()
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "load_average_at_start": os.getloadavg()[0],
              "date": time.strftime("%Y-%m-%d %H:%M"), "runs": [cold(key, args.port) for key in args.lessons]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
