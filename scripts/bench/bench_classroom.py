"""The classroom targets of issue 9, measured in headless Chromium against `python app.py` on localhost, and the
lesson screenshots (both languages, presenter mode) for docs/ and the How-it-works page.

    start_to_serving_s   app launched -> first HTTP 200 (the page serves while the warm-up runs)
    warmup_s             the app's own report: every view a lesson or a control can reach, computed
    present              ?present=1 at 1280x720: slider and every canvas fully in view, canvas width (>= 600)
    switch_ms            after the warm-up: a lesson button or a class/score change -> redrawn canvas (median)
    lessons              every lesson in presenter (1280x720, Korean), desktop (1280x800) and phone (390x844) layouts:
                         question, caption, legend and figure in view; switch and reveal times (lesson_walk.py)
    drag_ms              moving w to arbitrary values (not grid points): one canvas frame per value (median, p95)
Writes docs/bench_classroom.json and, with --shots, docs/figures/lessons/*.png (the old full-page shots and the
walk's <key>_<layout>.png) and ui/static/lessons/*.png.
Usage: python scripts/bench/bench_classroom.py [--port 7871] [--shots]
Measure with nothing else running on the machine; the report records the load average. The Korean screenshots
need a CJK font on the machine that takes them (apt-get install -y fonts-noto-cjk); --shots refuses without one.
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import start_app  # noqa: E402 (scripts/bench/app_process.py)
from explainer.lab.lessons import LESSONS  # noqa: E402
from lesson_walk import walk_all  # noqa: E402 (scripts/bench/lesson_walk.py: the lessons in three layouts)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
READY = "window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0"


def wait_warmup(log: Path, t0: float, limit: float = 900) -> float | None:
    """Seconds from launch to the warm-up's report line (None if it never came)."""
    while time.perf_counter() - t0 < limit:
        text = log.read_text(errors="replace")
        if "warm-up:" in text:
            return time.perf_counter() - t0
        time.sleep(0.5)
    return None


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def open_page(browser, url, w=1280, h=720, locale="en-US"):
    page = browser.new_page(viewport={"width": w, "height": h}, locale=locale)
    page.goto(url)
    page.wait_for_function(READY, timeout=180_000)
    return page


def present_geometry(browser, base) -> dict:
    page = open_page(browser, base + "?present=1")
    page.wait_for_timeout(800)
    boxes = page.evaluate("""() => { const r = (e) => { const b = e.getBoundingClientRect();
        return {left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width}; };
      return {slider: r(document.querySelector('#w-slider input[type=range]')),
              canvases: [...document.querySelectorAll('#toy-view .lab-panel canvas')].map(r), w: innerWidth, h: innerHeight}; }""")
    page.close()
    inside = lambda b: b["left"] >= 0 and b["top"] >= 0 and b["right"] <= boxes["w"] + 0.5 and b["bottom"] <= boxes["h"] + 0.5  # noqa: E731
    return {"viewport": [boxes["w"], boxes["h"]], "slider_in_view": inside(boxes["slider"]),
            "canvases_in_view": all(inside(c) for c in boxes["canvases"]),
            "canvas_width_px": min(c["width"] for c in boxes["canvases"]), "canvases": len(boxes["canvases"])}


def redraw_after(page, action) -> float:
    """Milliseconds from an action to a canvas redrawn from a newly received view."""
    page.evaluate("window.__cfgLab.__old = window.__cfgLab.view")
    t = time.perf_counter()
    action()
    page.wait_for_function("window.__cfgLab.view && window.__cfgLab.view !== window.__cfgLab.__old", timeout=60_000)
    return 1000 * (time.perf_counter() - t)


def switches(browser, base) -> list[float]:
    page = open_page(browser, base, 1280, 900)
    times = []
    for i in [i for i, lesson in enumerate(LESSONS) if lesson.selection is not None][:6]:  # 2D lessons
        key = LESSONS[i].key
        times.append(redraw_after(page, lambda i=i: page.locator("#lessons button").nth(i).click()))
        page.wait_for_function(f"window.__cfgLab.extras.hints.lesson === '{key}'", timeout=60_000)
    page.locator("#toy-view .ls-exit").click()  # out of the lesson: the lab's controls again
    page.wait_for_function("!document.documentElement.classList.contains('cfg-lesson')", timeout=10_000)
    names = page.evaluate("window.__cfgLab.view.class_names")
    radio = lambda label: page.get_by_label(label, exact=True).first  # noqa: E731
    checked = next(label for label in names if radio(label).is_checked())  # checking it again would not redraw
    other = next(label for label in names if label != checked)
    for label in (other, checked):  # two class changes: away from the lesson's class, and back
        times.append(redraw_after(page, lambda label=label: radio(label).check()))
    page.close()
    return times


def drag(browser, base, n=120) -> dict:
    page = open_page(browser, base, 1280, 900)
    rng = random.Random(0)
    frames = page.evaluate("""(ws) => { const el = document.querySelector('#w-slider input[type=range]'); const out = [];
        for (const w of ws) { el.value = String(w); const t = performance.now();
          el.dispatchEvent(new Event('input', {bubbles: true})); out.push(performance.now() - t); }
        return out; }""", [round(rng.uniform(0, 10), 2) for _ in range(n)])
    page.close()
    return {"median_ms": round(statistics.median(frames), 2), "p95_ms": round(pct(frames, 0.95), 2), "n": n}


def shots(browser, base) -> list[str]:
    out_docs, out_static = ROOT / "docs" / "figures" / "lessons", ROOT / "ui" / "static" / "lessons"
    out_docs.mkdir(parents=True, exist_ok=True)
    out_static.mkdir(parents=True, exist_ok=True)
    written = []
    for lang, locale in (("en", "en-US"), ("ko", "ko-KR")):
        for present in (False, True):
            for i, lesson in enumerate(LESSONS):
                url = f"{base}?lesson={lesson.key}&lang={lang}" + ("&present=1" if present else "")
                if lesson.selection is None and present:
                    continue
                page = open_page(browser, url, 1280, 720 if present else 900, locale)
                if lesson.selection is None:
                    page.locator("#lessons button").nth(i).click()
                    page.wait_for_function("window.__cfgMnist && window.__cfgMnist.draws > 0 && "
                                           "window.__cfgMnist.panels.every(p => !p.meta.pending)", timeout=120_000)
                page.wait_for_timeout(1200)
                name = f"{lesson.key}_{lang}{'_present' if present else ''}.png"
                page.screenshot(path=str(out_docs / name), full_page=not present)
                written.append(name)
                thumb = out_static / f"{lesson.key}{'' if lang == 'en' else '.' + lang}.png"  # How it works, per language
                if not present and lesson.selection is not None:
                    page.locator("#toy-view .lab-panels").screenshot(path=str(thumb))
                elif not present:
                    page.locator("#mnist-view").screenshot(path=str(thumb))
                page.close()
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=7871)
    ap.add_argument("--shots", action="store_true", help="also write the lesson screenshots")
    args = ap.parse_args()
    if args.shots and "CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        sys.exit("--shots: no CJK font, the Korean screenshots would show boxes (apt-get install -y fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    log = Path("/tmp/bench_classroom_app.log")
    proc, t0, serving = start_app(args.port, log)
    base = f"http://127.0.0.1:{args.port}/"
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
              "date": time.strftime("%Y-%m-%d"), "load_average_at_start": os.getloadavg(),
              "start_to_serving_s": round(serving, 2)}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            first = time.perf_counter()
            page = open_page(browser, base)  # the first page loads while the warm-up runs
            report["first_view_s"] = round(time.perf_counter() - first, 2)
            page.close()
            warm = wait_warmup(log, t0)
            report["warmup_s"] = round(warm, 1) if warm else None
            report["warmup_log"] = [line for line in log.read_text().splitlines() if "warm-up" in line]
            report["present_1280x720"] = present_geometry(browser, base)
            times = switches(browser, base)
            report["switch_ms"] = {"median": round(statistics.median(times), 1), "max": round(max(times), 1),
                                   "n": len(times), "each": [round(t) for t in times],
                                   "order": [lesson.key for lesson in LESSONS if lesson.selection][:6] + ["class", "class"]}
            report["lessons"] = walk_all(browser, base, args.shots)  # every lesson in three layouts
            report["drag_ms"] = drag(browser, base)
            if args.shots:
                report["screenshots"] = shots(browser, base)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    report["load_average_at_end"] = os.getloadavg()
    (ROOT / "docs" / "bench_classroom.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
