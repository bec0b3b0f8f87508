"""Walk every lesson as a student or a lecturer sees it, in three layouts, and report what is in view.

    presenter  1280x720, Korean, ?present=1 (a lecturer's projector)
    desktop    1280x800, English (a laptop)
    phone      390x844, English

Per lesson and layout: the question (#lesson-question), caption (#lesson-caption), legend (#lesson-legend) and the
figure (all the lesson's canvases; figure_first: the first panel's) fully inside the viewport, yes or no, after the page shows the lesson (on a phone the
student scrolls the lesson's panel to the top, as they would); the lesson switch time (button -> the lesson's panel
and its figure drawn); the reveal time (the right choice clicked -> the answer shown and w arrived at the lesson's
reveal w). Screenshots of each go to docs/figures/lessons/<key>_<layout>.png with --shots.
Used by bench_classroom.py (which starts the app and records the machine); run on its own against a running app:
    python scripts/bench/lesson_walk.py --url http://127.0.0.1:7860/ [--shots]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from explainer.lab.lessons import LESSONS  # noqa: E402

LAYOUTS = {"presenter": (1280, 720, "ko", True), "desktop": (1280, 800, "en", False), "phone": (390, 844, "en", False)}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
IN_VIEW = """([root, sels]) => { const box = document.querySelector(root); const out = {};
  for (const [name, sel] of Object.entries(sels)) {
    const els = box ? [...box.querySelectorAll(sel)] : [];
    out[name] = els.length > 0 && els.every((e) => { const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.top >= -1 && r.left >= -1 && r.bottom <= innerHeight + 1 &&
        r.right <= innerWidth + 1; });
  } return out; }"""


def lesson_root(lesson) -> tuple[str, str]:
    """(the lesson panel's selector, the figure's selector inside the page) for a lab or an MNIST lesson."""
    if lesson.tab == "mnist":
        return "#mnist-view .mn-lesson", "#mnist-view .mn-big"
    return "#toy-view .lab-lesson", "#toy-view .lab-panel canvas"


def first_panel(figure: str) -> str:
    """The first panel's canvas of a figure selector (on a phone the panels stack: the first comes right after
    the question)."""
    return figure.replace(".lab-panel canvas", ".lab-panel:first-child canvas").replace(
        ".mn-big", ".mn-panel:first-child .mn-big")


def walk(browser, base: str, layout: str, shots: Path | None = None) -> list[dict]:
    """One row per lesson: what is in view, switch and reveal times (ms)."""
    w, h, lang, present = LAYOUTS[layout]
    page = browser.new_page(viewport={"width": w, "height": h}, locale="ko-KR" if lang == "ko" else "en-US")
    page.goto(f"{base}?lang={lang}" + ("&present=1" if present else ""))
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0", timeout=180_000)
    rows = []
    for i, lesson in enumerate(LESSONS):
        panel, figure = lesson_root(lesson)
        t = time.perf_counter()
        page.evaluate("(i) => document.querySelectorAll('#lessons button')[i].click()", i)  # hidden when presenting
        page.wait_for_function(f"""() => {{ const p = document.querySelector('{panel}');
            return p && !p.hidden && p.querySelector('#lesson-question') && document.querySelector('{figure}'); }}""",
                               timeout=120_000)
        if lesson.tab == "mnist":
            page.wait_for_function("window.__cfgMnist && window.__cfgMnist.draws > 0", timeout=120_000)
        else:
            page.wait_for_function(f"window.__cfgLab.extras.hints.lesson === '{lesson.key}' && "
                                   "window.__cfgLab.draws > 0", timeout=120_000)
        switch_ms = 1000 * (time.perf_counter() - t)
        page.wait_for_timeout(400)
        if layout == "phone":  # the student scrolls the lesson to the top of the screen
            page.evaluate(f"document.querySelector('{panel}').scrollIntoView({{block: 'start'}})")
        else:
            page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(200)
        more = panel.replace(".lab-lesson", ".lab-lesson-more") if lesson.tab != "mnist" else panel
        seen = page.evaluate(IN_VIEW, ["body", {"question": f"{panel} #lesson-question",
                                                "caption": f"{more} #lesson-caption",
                                                "legend": f"{more} #lesson-legend", "figure": figure,
                                                "figure_first": first_panel(figure)}])
        if shots is not None:
            page.screenshot(path=str(shots / f"{lesson.key}_{layout}.png"))
        t = time.perf_counter()
        page.locator(f"{panel} .ls-choice").nth(lesson.answer).click()
        slider = "mnist-w" if lesson.tab == "mnist" else "w-slider"
        page.wait_for_function(f"""() => {{ const a = document.querySelector('{panel} #lesson-answer');
            const s = document.querySelector('#{slider} input[type=range]');
            return a && !a.hidden && Math.abs(parseFloat(s.value) - {lesson.reveal_w}) < 0.02; }}""", timeout=30_000)
        reveal_ms = 1000 * (time.perf_counter() - t)
        page.wait_for_timeout(600)
        if shots is not None:
            page.screenshot(path=str(shots / f"{lesson.key}_{layout}_revealed.png"))
        rows.append({"lesson": lesson.key, "layout": layout, **seen, "switch_ms": round(switch_ms),
                     "reveal_ms": round(reveal_ms)})
    page.close()
    return rows


def walk_all(browser, base: str, shots: bool = False) -> dict:
    """Every layout; the summary a report keeps (switch median after the first, counts of what was in view)."""
    out_dir = ROOT / "docs" / "figures" / "lessons"
    if shots:
        out_dir.mkdir(parents=True, exist_ok=True)
    rows = [row for layout in LAYOUTS for row in walk(browser, base, layout, out_dir if shots else None)]
    summary = {}
    for layout in LAYOUTS:
        mine = [r for r in rows if r["layout"] == layout]
        summary[layout] = {k: f"{sum(r[k] for r in mine)}/{len(mine)}" for k in ("question", "caption", "legend",
                                                                                  "figure", "figure_first")}
        summary[layout]["switch_ms_median"] = round(statistics.median(r["switch_ms"] for r in mine[1:]))
        summary[layout]["reveal_ms_median"] = round(statistics.median(r["reveal_ms"] for r in mine))
    return {"summary": summary, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:7860/")
    ap.add_argument("--shots", action="store_true", help="write docs/figures/lessons/<key>_<layout>.png")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        print(json.dumps(walk_all(browser, args.url, args.shots), indent=1))
        browser.close()


if __name__ == "__main__":
    main()
