"""Browser tests: Debian's Chromium via Playwright drives the launched app.

Load the page, drag the w slider with the mouse, check the canvas really changed, no console errors,
no request leaves localhost; screenshots of each view go to test-artifacts/ (gitignored).
Skipped when /usr/bin/chromium is missing, unless CI=true (then it fails).
"""
from __future__ import annotations

import os
import socket
import time
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing but CI=true: install Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
playwright = pytest.importorskip("playwright.sync_api")

import app  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    demo = app.build_demo()
    _, url, _ = app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", server_port=_free_port(), quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport={"width": 1500, "height": 1250})
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    hosts = {urllib.parse.urlsplit(u).hostname for u in pg.requests if not u.startswith(("data:", "blob:"))}
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left localhost: {hosts}"
    pg.close()


def _wait_lab(page, url):
    page.goto(url)
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0", timeout=90_000)


def _canvas(page) -> str:
    return page.evaluate("document.querySelector('#toy-view canvas').toDataURL()")


def _drag(page, frm: float, to: float, steps: int = 15):
    box = page.locator("#w-slider input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * frm, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(box["x"] + box["width"] * (frm + (to - frm) * i / steps), y)
        time.sleep(0.02)
    page.mouse.up()


@pytest.mark.timeout(180)
def test_lab_drag_redraws_in_the_browser(page, url):
    _wait_lab(page, url)
    page.screenshot(path=str(ARTIFACTS / "lab_initial.png"))
    before, w_before = _canvas(page), page.evaluate("window.__cfgLab.w")
    draws = page.evaluate("window.__cfgLab.draws")
    _drag(page, 0.2, 0.9)
    page.wait_for_timeout(500)
    w_after = page.evaluate("window.__cfgLab.w")
    assert float(w_after) > float(w_before)
    assert page.evaluate("window.__cfgLab.draws") > draws + 3  # redrew while dragging
    assert _canvas(page) != before  # the view really changed
    lat = sorted(page.evaluate("window.__cfgLab.latencies"))
    assert lat[len(lat) // 2] < 100  # input -> redrawn frame, median (ms)
    page.wait_for_function(f"document.querySelector('#toy-summary').innerText.includes('w = {float(w_after):g}')",
                           timeout=30_000)  # the server's change event caught up
    page.screenshot(path=str(ARTIFACTS / "lab_dragged.png"))
    assert not page.errors, page.errors


@pytest.mark.timeout(180)
def test_lab_play_scrub_and_url_state(page, url):
    page.goto(url + "?dataset=ring&label=1&method=cfg%7Cscaled&w=4&score=exact&lam=-2")
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.view.mixture === 'ring'",
                           timeout=90_000)
    page.wait_for_function("window.__cfgLab.w === 4", timeout=30_000)
    assert page.evaluate("window.__cfgLab.view.label") == 1
    assert page.evaluate("window.__cfgLab.panels.map(p => p.meta.method).join('|')") == "cfg|scaled"
    page.locator("#toy-view .lab-scrub").fill("3")
    page.wait_for_timeout(200)
    page.screenshot(path=str(ARTIFACTS / "lab_ring_scrub.png"))
    final = _canvas(page)
    page.locator("#toy-view .lab-play").click()
    page.wait_for_timeout(4500)  # 17 frames at 180 ms
    assert _canvas(page) != final
    page.locator("#toy-view .lab-scrub").fill("16")
    page.screenshot(path=str(ARTIFACTS / "lab_ring_cfg_vs_scaled.png"))
    assert not page.errors, page.errors


@pytest.mark.timeout(240)
def test_mnist_and_other_tabs(page, url):
    _wait_lab(page, url)
    page.get_by_role("tab", name="MNIST").click()
    if app.MNIST.models() is None:
        page.wait_for_function("document.querySelector('#mnist-status').innerText.includes('unavailable')")
    else:
        page.locator("#mnist-view").scroll_into_view_if_needed()
        page.get_by_label("8", exact=True).check()  # a digit: triggers sampling
        page.wait_for_function("document.querySelector('#mnist-view img') !== null", timeout=90_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "mnist.png"), full_page=True)
    page.get_by_role("tab", name="Train your own").click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "train.png"))
    page.get_by_role("tab", name="How it works").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "how_it_works.png"), full_page=True)
    assert not page.errors, page.errors
