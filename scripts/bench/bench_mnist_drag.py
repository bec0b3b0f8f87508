"""The MNIST tab's targets (issue 11), measured against `python app.py` on localhost with headless Chromium.

    warm_up              the app's reports: the lab's warm-up, and where the MNIST atlas came from (shipped / computed)
                         and when it was complete (seconds after launch); everything below is measured after both
    drag                 after warm-up, default seed: mouse drags over #mnist-w; input event -> grid redrawn in the next
                         animation frame (median, p95) and the requests the page made meanwhile (target: none)
    users                N users at once, each opening the tab (mnist_open: the grids of every w and the sweep) and
                         picking 3 other digits (mnist_view), as the browser sends them -- dragging itself sends
                         nothing, so this is all a dragging class asks of the server: p50 / p95 / max s, errors, KiB
                         (as sent, brotli allowed); each request carries its page's session hash, as browsers do
    users_without_session  the same without session hashes (as before 2026-12-01: every request then pays for a
                         new Gradio session state, which a browser pays once, at page load)
    new_selection        a new seed, then a new digit and a new method (score scaling) at that seed, each from rest
                         (the previous view's small grids done): control change (a typed seed, a digit clicked, a
                         method picked in the open menu) -> first picture in the first panel
                         (x_hat at step 4 of 16 while it samples), -> first grid drawn, -> every main grid drawn
                         (browser; a change while small grids are still sampled waits for the grid in
                         progress, at most one more)
    cfg_w3               /mnist API, CFG, w = 3, 16 digits at seeds never sampled: client seconds and server seconds
    reference            before the app starts: CFG, w = 3, 16 digits sampled in this process (this machine's speed
                         on the work itself); ratio_to_reference divides cfg_w3 and the first grids by it
Writes docs/bench_mnist_drag.json with the machine, the date and the load average before and after.
Usage: python scripts/bench/bench_mnist_drag.py [--port 7872] [--users 40] [--rounds 5] [--cold] [--shots | --shots-only]
    --cold   start the app on a copy of the checkpoint without atlas.npz, so the background warm-up computes it
             (measures the warm-up; ~5-15 min on 2 cores)
    --shots  also write docs/figures/mnist_tab_1280x720.png and mnist_tab_390x844.png (digit 8, w = 6), and
             mnist_tab_auto_ko_1280x720.png (in Korean, digit 8, CFG vs autoguidance at w = 3) and
             mnist_tab_preview_1280x720.png (a new seed: CFG's x_hat at step 8 of 16 while it samples)
Measure with nothing else running on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import start_app  # noqa: E402 (scripts/bench/app_process.py)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
READY = ("window.__cfgMnist && window.__cfgMnist.view && window.__cfgMnist.draws > 0 && "
         "window.__cfgMnist.panels.every(p => !p.meta.pending)")
DEFAULT = [3, "cfg|cg", 2.0, 0, "noisy"]  # digit, method, w, seed, CG's classifier
SETTLED = ("window.__cfgMnist.panels.every(p => window.__cfgMnist.view.small_ws.every(w => "
           "p.meta.ready[window.__cfgMnist.view.w_grid.indexOf(w)]))")


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def wait_warm(log: Path, t0: float, limit: float = 1800) -> dict:
    """Seconds from launch to the app's report lines of the lab's warm-up ('warm-up: ...') and of the MNIST atlas
    ('MNIST atlas: ...'), and the lines: the benchmark measures the served app at rest, after both."""
    found: dict = {}
    while time.perf_counter() - t0 < limit and len(found) < 2:
        for line in log.read_text(errors="replace").splitlines():
            for key, prefix in (("lab", "warm-up:"), ("atlas", "MNIST atlas")):
                if line.startswith(prefix) and key not in found:
                    found[key] = {"after_launch_s": round(time.perf_counter() - t0, 1), "app_log": line}
        time.sleep(1.0)
    return found


def open_tab(browser, url: str, width: int = 1280, height: int = 720):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.tab-wrapper button').length > 0", timeout=60_000)
    page.wait_for_timeout(500)  # the tab row measures itself, then hides what does not fit
    tab = page.get_by_role("tab", name="MNIST")
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:  # a phone: the tabs sit behind the overflow button
        page.evaluate("Array.from(document.querySelectorAll('.tab-wrapper button')).filter(b => "
                      "!b.textContent.trim() && b.offsetParent)[0].click()")
        page.wait_for_timeout(300)
        page.evaluate("Array.from(document.querySelectorAll('.tab-wrapper button')).filter(b => "
                      "b.textContent.trim() === 'MNIST' && b.offsetParent).pop().click()")
    page.wait_for_function(READY, timeout=180_000)
    return page


def shots(browser, url: str) -> list[str]:
    """docs/figures/mnist_tab_<w>x<h>.png: digit 8, CFG vs CG at w = 6, the slider at the top of the screen."""
    written = []
    for width, height in ((1280, 720), (390, 844)):
        page = open_tab(browser, url, width, height)
        page.get_by_label("8", exact=True).check()
        page.wait_for_function("window.__cfgMnist.view.label === 8 && window.__cfgMnist.panels.every(p => "
                               "!p.meta.pending)", timeout=120_000)
        page.evaluate("(() => { const el = document.querySelector('#mnist-w input[type=range]'); el.value = '6'; "
                      "el.dispatchEvent(new Event('input', {bubbles: true})); "
                      "el.dispatchEvent(new Event('change', {bubbles: true})); })()")
        page.wait_for_timeout(800)
        page.evaluate("document.querySelector('#mnist-w').scrollIntoView({block: 'start'})")
        if width < 700:  # a phone: scroll on to the grids, the slider stays on top
            page.evaluate("window.scrollBy(0, document.querySelector('#mnist-view').getBoundingClientRect().top - 90)")
        page.wait_for_timeout(500)
        name = f"mnist_tab_{width}x{height}.png"
        page.screenshot(path=str(ROOT / "docs" / "figures" / name))
        written.append(name)
        page.close()
    written.append(shot_autoguidance_ko(browser, url))
    written.append(shot_preview(browser, url))
    return written


def shot_preview(browser, url: str, seed: int = 4242) -> str:
    """docs/figures/mnist_tab_preview_1280x720.png: a new seed, CFG's grid being sampled (x_hat at step 8 of 16)."""
    page = open_tab(browser, url, 1280, 720)
    seed_box = page.locator("#mnist-seed input")
    seed_box.fill(str(seed))
    seed_box.press("Enter")
    page.evaluate("document.querySelector('#mnist-w').scrollIntoView({block: 'start'})")
    page.wait_for_function(f"window.__cfgMnist.view.seed === {seed} && window.__cfgMnist.panels[0].prev && "
                           "window.__cfgMnist.panels[0].meta.preview_step[0] >= 8", timeout=120_000)
    name = "mnist_tab_preview_1280x720.png"
    page.screenshot(path=str(ROOT / "docs" / "figures" / name))
    page.wait_for_function(SETTLED, timeout=300_000)
    page.close()
    return name


def shot_autoguidance_ko(browser, url: str) -> str:
    """docs/figures/mnist_tab_auto_ko_1280x720.png: the tab in Korean, digit 8, CFG next to autoguidance at w = 3
    (not in the atlas: sampled on release, then the small grids)."""
    page = open_tab(browser, url + "?lang=ko", 1280, 720)
    page.get_by_label("8", exact=True).check()
    page.wait_for_function("window.__cfgMnist.view.label === 8", timeout=120_000)
    _pick_method(page, "CFG vs autoguidance")
    page.wait_for_function("window.__cfgMnist.panels.length === 2 && window.__cfgMnist.panels[1].meta.method === "
                           "'auto'", timeout=120_000)
    page.evaluate("(() => { const el = document.querySelector('#mnist-w input[type=range]'); el.value = '3'; "
                  "el.dispatchEvent(new Event('input', {bubbles: true})); "
                  "el.dispatchEvent(new Event('change', {bubbles: true})); })()")
    page.wait_for_function("window.__cfgMnist.panels.every(p => p.meta.ready[window.__cfgMnist.k])", timeout=300_000)
    page.wait_for_function(SETTLED, timeout=300_000)
    page.evaluate("document.querySelector('#mnist-w').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    name = "mnist_tab_auto_ko_1280x720.png"
    page.screenshot(path=str(ROOT / "docs" / "figures" / name))
    page.close()
    return name


def drag(browser, url: str, passes: int = 3, moves: int = 40) -> dict:
    page = open_tab(browser, url)
    slider = page.locator("#mnist-w input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    sent = len(page.requests)
    page.evaluate("window.__cfgMnist.latencies.length = 0")
    for k in range(passes):
        a, b = (0.02, 0.98) if k % 2 == 0 else (0.98, 0.02)
        page.mouse.move(box["x"] + box["width"] * a, y)
        page.mouse.down()
        for i in range(1, moves + 1):
            page.mouse.move(box["x"] + box["width"] * (a + (b - a) * i / moves), y)
            page.wait_for_timeout(25)
        page.mouse.up()
    page.wait_for_timeout(800)
    lat = page.evaluate("window.__cfgMnist.latencies")
    requests = [u for u in page.requests[sent:] if not u.startswith("data:")]
    page.close()
    return {"events": len(lat), "median_ms": round(statistics.median(lat), 2), "p95_ms": round(pct(lat, 0.95), 2),
            "requests_during_drag": len(requests)}


def post(url: str, api_name: str, data: list, session: str | None = None, timeout: float = 120) -> int:
    """One queue-free event as the browser sends it (with the page's session hash, unless session is None);
    returns the bytes of the reply."""
    body = {"data": data} if session is None else {"data": data, "session_hash": session}
    req = urllib.request.Request(f"{url}gradio_api/run/{api_name}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Accept-Encoding": "gzip, br"})
    body = urllib.request.urlopen(req, timeout=timeout).read()
    if b'"error"' in body[:200]:
        raise RuntimeError(body[:200].decode(errors="replace"))
    return len(body)


def users(url: str, n: int, changes: int = 3, sessions: bool = True) -> dict:
    """n users released together; each opens the tab (mnist_open: the view and the sweep) and then picks `changes`
    other digits (mnist_view), all at the default seed (precomputed): every byte the class fetches while it drags.

    sessions=True is what browsers do: each user's page is already open, so its Gradio session exists (the page load
    creates it; here one untimed mnist_view before the start) and every request carries its session hash.
    sessions=False sends no session hash, so Gradio builds a session state for every request (an API client's
    cost, ~20 ms each with this app's ~200 components)."""
    post(url, "mnist_open", [False, *DEFAULT])  # models, atlas and sweep loaded, as after the warm-up
    barrier, lock, opens, picks, sizes, errors = threading.Barrier(n), threading.Lock(), [], [], [], []
    run = f"{time.time_ns():x}"  # fresh sessions on every run (the tab-open state is per session)

    def user(i):
        session = f"bench-{run}-{i}" if sessions else None
        if sessions:  # the page load (untimed)
            post(url, "mnist_view", [(i + 5) % 10, "cfg|cg", 2.0, 0, "noisy"], session)
        barrier.wait()
        try:
            t0 = time.perf_counter()
            size = post(url, "mnist_open", [False, i % 10, "cfg|cg", 2.0, 0, "noisy"], session)
            with lock:
                opens.append(time.perf_counter() - t0)
            for k in range(changes):
                t0 = time.perf_counter()
                size += post(url, "mnist_view", [(i + k + 1) % 10, "cfg|cg", 2.0, 0, "noisy"], session)
                with lock:
                    picks.append(time.perf_counter() - t0)
            with lock:
                sizes.append(size)
        except Exception as err:  # counted and reported
            with lock:
                errors.append(f"{type(err).__name__}: {str(err)[:120]}")

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    both = opens + picks
    summary = lambda v: {"n": len(v), "p50_s": round(pct(v, 0.5), 3), "p95_s": round(pct(v, 0.95), 3),  # noqa: E731
                         "max_s": round(max(v), 3)} if v else {"n": 0}
    return {"users": n, "sessions": sessions, "errors": len(errors), "open_tab": summary(opens),
            "new_digit": summary(picks), "all_requests": summary(both),
            "kib_per_user": round(statistics.median(sizes) / 1024, 1) if sizes else None,
            "wall_s": round(time.perf_counter() - t0, 2), "first_errors": errors[:3]}


def _time_change(page, action, check: str, prepare=None) -> tuple[float, float, float]:
    """Seconds from an action to the first picture in the first panel (its x_hat while sampling, or the grid), to
    the first main grid drawn, and to every main grid drawn; prepare() runs before the clock starts (opening a
    menu is not the change: picking its entry is)."""
    if prepare is not None:
        prepare()
    page.evaluate("window.__cfgMnist.__old = window.__cfgMnist.view")
    t0 = time.perf_counter()
    action()
    new = f"window.__cfgMnist.view !== window.__cfgMnist.__old && {check}"
    page.wait_for_function(f"{new} && (window.__cfgMnist.panels[0].prev || "
                           "window.__cfgMnist.panels[0].meta.ready[window.__cfgMnist.k])", timeout=120_000)
    picture = time.perf_counter() - t0
    page.wait_for_function(f"{new} && window.__cfgMnist.panels[0].meta.ready[window.__cfgMnist.k]", timeout=120_000)
    first = time.perf_counter() - t0
    page.wait_for_function(f"{check} && window.__cfgMnist.panels.every(p => p.meta.ready[window.__cfgMnist.k])",
                           timeout=120_000)
    both = time.perf_counter() - t0
    page.wait_for_function(SETTLED, timeout=300_000)  # the small grids too: the next change starts from rest
    return picture, first, both


def _open_methods(page) -> None:
    page.locator("#mnist-method input").click()
    page.get_by_role("option").first.wait_for()


def _pick_method(page, label: str) -> None:
    _open_methods(page)
    page.get_by_role("option", name=label, exact=True).click()


def new_selection(browser, url: str, rounds: int = 5) -> dict:
    page = open_tab(browser, url)
    seed_box = page.locator("#mnist-seed input")
    out = {"new_seed": [], "new_digit": [], "new_method": []}
    for i in range(rounds):
        seed = 5000 + 10 * i

        def set_seed(seed=seed):
            seed_box.fill(str(seed))
            seed_box.press("Enter")

        out["new_seed"].append(_time_change(page, set_seed, f"window.__cfgMnist.view.seed === {seed}"))
        digit = (4 + i) % 10
        out["new_digit"].append(_time_change(page, lambda d=digit: page.get_by_label(str(d), exact=True).check(),
                                             f"window.__cfgMnist.view.label === {digit}"))
        out["new_method"].append(_time_change(
            page, lambda: page.get_by_role("option", name="Score scaling (baseline)", exact=True).click(),
            "window.__cfgMnist.panels[0].meta.method === 'scaled'", prepare=lambda: _open_methods(page)))
        _pick_method(page, "CFG vs CG")  # back (ready: no sampling)
        page.wait_for_function("window.__cfgMnist.panels.length === 2", timeout=60_000)
    page.close()
    return {k: {"first_picture_median_s": round(statistics.median(t[0] for t in v), 3),
                "first_grid_median_s": round(statistics.median(t[1] for t in v), 3),
                "first_grid_max_s": round(max(t[1] for t in v), 3),
                "all_grids_median_s": round(statistics.median(t[2] for t in v), 3), "n": len(v)}
            for k, v in out.items()} | {"note": "seed and digit with CFG vs CG (CFG is the first grid); method: "
                                                "score scaling alone"}


def cfg_w3(url: str, repeats: int = 4) -> dict:
    from gradio_client import Client

    client = Client(url, verbose=False)
    times, server = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        out = client.predict(label=i % 10, method="cfg", w=3.0, seed=9000 + i, api_name="/mnist")
        times.append(time.perf_counter() - t0)
        server.append(out["seconds"])
    return {"n": repeats, "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "server_sampling_median_s": round(statistics.median(server), 3)}


def reference() -> dict:
    """This machine's speed on a fixed workload, before the app starts: CFG, w = 3, 16 digits, 50 DDIM steps (the tab's
    sampler before 2026-12-01; kept so ratios compare with older runs; the tab now runs 20 ancestral steps), in
    this process with torch's default threads (bench_mnist.time_method: median of 3 after one warm-up). The app's
    timings divided by this compare across machines (the shared 2-core machines of this project differ by up to
    ~2x between days)."""
    import torch
    from bench_mnist import time_method
    from cfg_core.mnist.models import load_mnist_models

    with torch.inference_mode():
        seconds = time_method(load_mnist_models(), "cfg", repeats=3)
    return {"cfg_w3_16_in_process_s": round(seconds, 3), "torch_threads": torch.get_num_threads()}


def with_ratios(report: dict) -> dict:
    """The targets' timings as multiples of the reference workload (cfg_w3 and the first grids)."""
    ref = report["reference"]["cfg_w3_16_in_process_s"]
    ratios = {"cfg_w3": round(report["cfg_w3"]["median_s"] / ref, 2)} if "cfg_w3" in report else {}
    for key, row in report.get("new_selection", {}).items():
        if isinstance(row, dict):
            ratios[f"first_grid_{key}"] = round(row["first_grid_median_s"] / ref, 2)
    return {**report, "ratio_to_reference": ratios}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=7872)
    ap.add_argument("--users", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5, help="new seed / digit / method rounds (medians over them)")
    ap.add_argument("--cold", action="store_true", help="no shipped atlas: measure the background warm-up")
    ap.add_argument("--shots", action="store_true", help="also write docs/figures/mnist_tab_*.png")
    ap.add_argument("--shots-only", action="store_true", help="only the screenshots (no measurements)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    checkpoints = None
    if args.cold:
        checkpoints = Path(tempfile.mkdtemp(prefix="cfg-ckpt-"))
        shutil.copytree(ROOT / "checkpoints", checkpoints, dirs_exist_ok=True)
        (checkpoints / "mnist" / "atlas.npz").unlink(missing_ok=True)
    log = Path(tempfile.gettempdir()) / "bench_mnist_drag_app.log"
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, Python "
                         f"{platform.python_version()}", "date": time.strftime("%Y-%m-%d"),
              "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "cold_atlas": args.cold}
    if not args.shots_only:
        report["reference"] = reference()
    proc, t0, serving = start_app(args.port, log, checkpoints)
    url = f"http://127.0.0.1:{args.port}/"
    report["start_to_serving_s"] = round(serving, 2)
    try:
        report["warm_up"] = wait_warm(log, t0)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            if args.shots_only:
                print(shots(browser, url))
                return
            report["drag"] = drag(browser, url)
            report["users"] = users(url, args.users)
            report["users_without_session"] = users(url, args.users, sessions=False)
            report["new_selection"] = new_selection(browser, url, args.rounds)
            if args.shots:
                report["screenshots"] = shots(browser, url)
            browser.close()
        report["cfg_w3"] = cfg_w3(url)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if checkpoints is not None:
            shutil.rmtree(checkpoints, ignore_errors=True)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report = with_ratios(report)
    out = ROOT / "docs" / "bench_mnist_drag.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
