"""Cold start: `python app.py` launched fresh, then a browser opens a lesson's link (?lesson=<key>) as soon as the
server answers; reports seconds from launch to serving, from launch to the lesson's figure drawn (issue 26's
target: both within 20 s) and to the page's events done (the controls set to the lesson's w). Then, in the same
fresh app, the next lesson's button is clicked: milliseconds from click to its figure (a first click "as fast as
any other"). One fresh app per lesson asked. The lessons are baked (toy_data/lessons/, published before serving).

Usage: python scripts/bench/cold_start.py [--lessons implicit_classifier far_modes] [--port 7874] [--out FILE]
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
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench_classroom import ARGS  # noqa: E402

SLIDER = "parseFloat(document.querySelector('#{0} input[type=range]').value)"

CHROMIUM = "/usr/bin/chromium"


def cold(key: str, port: int) -> dict:
    from playwright.sync_api import sync_playwright

    from explainer.lab.lessons import BY_KEY, LESSONS

    log = Path("/tmp") / f"cold_start_{port}.log"
    proc, t0, serving = start_app(port, log)
    lesson = BY_KEY[key]
    after = next((les for les in LESSONS[LESSONS.index(lesson) + 1:] + LESSONS if les.selection is not None
                  and les.key != key), lesson)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/?lesson={key}")
            page.wait_for_function(f"window.__cfgLab && window.__cfgLab.view && window.__cfgLab.lesson === '{key}' "
                                   "&& window.__cfgLab.draws > 0", timeout=300_000)
            drawn = time.perf_counter() - t0
            page.wait_for_function(f"Math.abs({SLIDER.format('w-slider')} - {lesson.start_w}) < 1e-6",
                                   timeout=300_000)
            synced = time.perf_counter() - t0
            draws = page.evaluate("window.__cfgLab.draws")
            t1 = time.perf_counter()
            page.locator("#lessons button").nth(LESSONS.index(after)).click()
            page.wait_for_function(f"window.__cfgLab.lesson === '{after.key}' && window.__cfgLab.draws > {draws}",
                                   timeout=300_000)
            click = time.perf_counter() - t1
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    baked = next((line for line in log.read_text(errors="replace").splitlines() if "lessons ready" in line), "")
    return {"lesson": key, "serving_s": round(serving, 2), "lesson_drawn_s": round(drawn, 2),
            "events_done_s": round(synced, 2), "next_lesson": after.key, "next_click_to_draw_ms": round(click * 1000),
            "baked": baked}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lessons", nargs="+", default=["implicit_classifier", "far_modes"])
    ap.add_argument("--port", type=int, default=7874)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "load_average_at_start": os.getloadavg()[0],
              "date": time.strftime("%Y-%m-%d %H:%M"), "runs": [cold(key, args.port) for key in args.lessons]}
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
