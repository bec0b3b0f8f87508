"""A lecture hall: N students press the same lesson at the same moment (issue 26's load targets).

One headless Chromium page records what a lesson click sends (its event calls, in order, and when the first
left) and the bytes it receives until the lesson's view is drawn; then N sessions replay that click at once over
raw HTTP, in the page's order: the lesson's pointer and view as files (views/lessons/<key>.json, published by the
warm-up; lab.js draws from them), then the recorded events in order (the button's event waits for the files, see
ui/canvas.py lesson_files_first; each event waits for the one before, as the page does), accepting what Chromium
accepts (brotli, gzip). Without published files the events come first and the view file their pointer names after them. Reported per N: p50 / p95 / max seconds from click
to view drawn and from click to the events done (controls, numbers, link in sync), errors, and the bytes on the
wire per click (compressed). Also N API users x 3 cached /toy calls.

The app runs its warm-up first (the report says how long); the replay starts after it.
With --bytes-of-every-lesson, one browser also clicks each lab lesson (a fresh page each) and the report lists the
bytes on the wire per click.
Usage: python scripts/bench/lecture_hall.py [--lesson w_plus_one] [--users 40 200] [--port 7873]
       [--bytes-of-every-lesson] [--out docs/results/lecture_hall.json]
Measure with nothing else running; the report records the load average and the machine.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from explainer.lab.lessons import LESSONS  # noqa: E402
from app_process import start_app  # noqa: E402 (scripts/bench/app_process.py)
from bench_classroom import wait_warmup  # noqa: E402
from load_test import at_once, toy  # noqa: E402 (scripts/bench/load_test.py)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"  # what Chromium 150 sends, even to http://127.0.0.1
READY = "window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0"


def record_click(url: str, lesson: str) -> tuple[list[dict], dict]:
    """The event calls one lesson click sends (path and JSON body, in order), and what the page received for it:
    encoded bytes on the wire (CDP's encodedDataLength, every response and stream chunk) and the ms to the draw."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        got = {"bytes": 0}
        cdp.on("Network.dataReceived", lambda e: got.__setitem__("bytes", got["bytes"] + e["encodedDataLength"]))
        calls: list[dict] = []
        page.on("request", lambda r: calls.append({"path": r.url.split("/", 3)[3], "body": r.post_data,
                                                   "at": time.perf_counter()})
                if r.method == "POST" and "/gradio_api/" in r.url else None)
        page.goto(url)
        page.wait_for_function(READY, timeout=300_000)
        page.wait_for_timeout(2000)
        button = page.locator("#lessons button").nth([les.key for les in LESSONS].index(lesson))
        calls.clear()
        got["bytes"] = 0
        draws = page.evaluate("window.__cfgLab.draws")
        t0 = time.perf_counter()
        button.click()
        page.wait_for_function(f"window.__cfgLab.lesson === {json.dumps(lesson)} && window.__cfgLab.draws > {draws}"
                               " && window.__cfgLab.view", timeout=300_000)
        ms = (time.perf_counter() - t0) * 1000
        page.wait_for_timeout(1500)  # let the chained events finish
        seen = {"bytes_on_wire": got["bytes"], "click_to_draw_ms": round(ms),
                "click_to_first_event_ms": round((calls[0]["at"] - t0) * 1000) if calls else None}
        browser.close()
    return calls, seen


def _completed(url: str, session: str, event_id: str) -> tuple[int, dict]:
    """Read this session's event stream until event_id completes (reopened if the server closes it first, as the
    page does); returns (bytes read, the event's output)."""
    received = 0
    for _ in range(20):
        with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=300) as stream:
            for line in stream:
                received += len(line)
                if not line.startswith(b"data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event_id and msg.get("msg") == "process_completed":
                    if not msg.get("success", True):
                        raise RuntimeError(f"event failed: {msg.get('output')}")
                    return received, msg.get("output") or {}
    raise RuntimeError("the event never completed")


def _get(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept-Encoding": BROWSER_ENCODINGS})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read()  # urllib does not decompress: these are the bytes on the wire


def events(url: str, calls: list[dict], session: str) -> tuple[int, str]:
    """Send the recorded event calls as one new session, each after the one before completed (as the page does).
    Returns (bytes received, the view src the events pointed to)."""
    received, src = 0, ""
    for call in calls:
        body = json.loads(call["body"])
        if "session_hash" in body:
            body["session_hash"] = session
        req = urllib.request.Request(url + call["path"], data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            answer = r.read()
        received += len(answer)
        output = json.loads(answer)
        if "queue/join" in call["path"]:
            got, output = _completed(url, session, output["event_id"])
            received += got
        for value in output.get("data", []) if isinstance(output, dict) else []:
            if isinstance(value, str) and value.startswith('{"src":'):
                src = json.loads(value)["src"]
    return received, src


def replay(url: str, calls: list[dict], lesson: str) -> dict:
    """One student's click, as the page makes it: the lesson's pointer and view fetched as files first (lab.js
    lessonFromFiles; the view is drawn when they are in: view_s), then the events (the controls and numbers are in
    sync when they complete: sync_s). Without a published lesson the view waits for the events and is fetched after
    them."""
    t0, out = time.perf_counter(), {"bytes": 0, "view_s": None}
    try:
        pointer = _get(f"{url}views/lessons/{lesson}.json")  # gzip'd by gradio's middleware when large
        text = gzip.decompress(pointer) if pointer[:2] == b"\x1f\x8b" else pointer
        view = _get(url + json.loads(text)["src"])
        out["bytes"] += len(pointer) + len(view)
        out["view_s"] = time.perf_counter() - t0
    except urllib.error.HTTPError:
        pass
    got, src = events(url, calls, uuid.uuid4().hex[:11])
    out["bytes"] += got
    if out["view_s"] is None and src:  # the slow path: the events' pointer, then the file
        out["bytes"] += len(_get(url + src))
        out["view_s"] = time.perf_counter() - t0
    out["sync_s"] = time.perf_counter() - t0
    return out


def each_at_once(n: int, work) -> list[tuple[float, object, str | None]]:
    """work(i) for i < n in threads released together (load_test.at_once); (seconds, result, error) each."""
    results: list = [None] * n
    timed = at_once([lambda i=i: results.__setitem__(i, work(i)) for i in range(n)])
    return [(seconds, results[i], error) for i, (seconds, error) in enumerate(timed)]


def stats(values: list[float], errors: list[str]) -> dict:
    s = sorted(values) or [float("nan")]
    q = statistics.quantiles(s, n=20) if len(s) > 1 else s * 19
    return {"n": len(values), "p50_s": round(statistics.median(s), 3), "p95_s": round(q[18], 3),
            "max_s": round(s[-1], 3), "errors": len(errors), "first_error": errors[0] if errors else None}


def hall(results) -> dict:
    """Click-to-view and click-to-sync statistics of one hall, and the bytes per click."""
    ok = [r[1] for r in results if r[2] is None]
    errors = [r[2] for r in results if r[2] is not None]
    return {"view": stats([r["view_s"] for r in ok if r["view_s"] is not None], errors),
            "sync": stats([r["sync_s"] for r in ok], errors),
            "bytes_per_click_median": int(statistics.median([r["bytes"] for r in ok])) if ok else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lesson", default="w_plus_one")
    ap.add_argument("--users", type=int, nargs="+", default=[40, 200])
    ap.add_argument("--api-users", type=int, default=40)
    ap.add_argument("--port", type=int, default=7873)
    ap.add_argument("--bytes-of-every-lesson", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
              "load_average_at_start": os.getloadavg()[0], "lesson": args.lesson,
              "date": time.strftime("%Y-%m-%d %H:%M")}
    log = Path("/tmp") / f"lecture_hall_{args.port}.log"
    proc, t0, serving = start_app(args.port, log)
    url = f"http://127.0.0.1:{args.port}/"
    try:
        warm = wait_warmup(log, t0)  # measured after the warm-up, like the numbers
        report["serving_s"], report["warmup_s"] = round(serving, 2), warm and round(warm, 1)
        calls, seen = record_click(url, args.lesson)  # also computes the lesson's view once
        report["one_browser_click"] = {**seen, "events": [c["path"] for c in calls]}
        for call in calls:
            call.pop("at")
        print(report["one_browser_click"], flush=True)
        report["one_replayed_click"] = replay(url, calls, args.lesson)
        for n in args.users:
            report[f"students_{n}"] = hall(each_at_once(n, lambda i: replay(url, calls, args.lesson)))
            print(n, report[f"students_{n}"], flush=True)
        if args.bytes_of_every_lesson:
            report["bytes_per_lesson_click"] = {les.key: record_click(url, les.key)[1] for les in LESSONS
                                                if les.selection is not None}
            print(report["bytes_per_lesson_click"], flush=True)
        api = each_at_once(args.api_users, lambda i: [toy(url, seed=0, w=w) for w in (1.0, 2.0, 3.0)])
        report[f"api_{args.api_users}x3_cached_toy"] = stats([r[0] for r in api], [r[2] for r in api if r[2]])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
