"""Browser tests: Debian's Chromium via Playwright drives the launched app.

Load the page, drag the w slider with the mouse, check the canvas really changed, no console errors,
no request leaves localhost; screenshots of each view go to test-artifacts/ (gitignored).
Skipped when /usr/bin/chromium is missing, unless CI=true (then it fails).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import urllib.parse
from pathlib import Path

import pytest

from conftest import CHROMIUM_ARGS, free_port, require_chromium

pytestmark = pytest.mark.browser  # Chromium through Playwright: pytest -m browser
ARGS = CHROMIUM_ARGS
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

playwright = require_chromium()
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import app  # noqa: E402


@pytest.fixture(scope="module")
def url(app_url):
    return app_url


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
    slider = page.locator("#w-slider input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
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
    page.get_by_role("tab", name="MNIST").click()  # the first view renders without touching a control
    page.wait_for_function("document.querySelector('#mnist-sweep img') !== null", timeout=90_000)  # sweep curves
    if app.MNIST.models() is None:
        page.wait_for_function("document.querySelector('#mnist-status').innerText.includes('could not be loaded')")
    else:  # the grids are drawn in the browser (ui/static/mnist.js; dragging w: tests/test_mnist_browser.py)
        page.wait_for_function("window.__cfgMnist && window.__cfgMnist.view && window.__cfgMnist.draws > 0 && "
                               "document.querySelector('#mnist-view .mn-table').innerText.includes('judge p(c|x)')",
                               timeout=90_000)
        page.locator("#mnist-view").scroll_into_view_if_needed()
        page.get_by_label("8", exact=True).check()  # another digit: a new view
        page.wait_for_function("window.__cfgMnist.view.label === 8 && window.__cfgMnist.panels.every(p => "
                               "!p.meta.pending) && window.__cfgMnist.panels.map(p => p.meta.method).join() === "
                               "'cfg,cg'", timeout=90_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "mnist.png"), full_page=True)
    page.get_by_role("tab", name="Train your own").click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "train.png"))
    page.get_by_role("tab", name="How it works").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "how_it_works.png"), full_page=True)
    assert not page.errors, page.errors


MIX = {"name": "two_blobs", "classes": ["left", "right"], "components": [
    {"mean": [-1.5, 0], "cov": [[0.3, 0], [0, 0.3]], "weight": 1, "class": 0},
    {"mean": [1.5, 0.5], "cov": [[0.3, 0.1], [0.1, 0.3]], "weight": 1, "class": 1}]}


def _download(page, sel: str, button: str, suffix: str, old_href: str = "") -> tuple[str, bytes]:
    """Click a download button, wait for the file component's link, fetch it through the page."""
    page.get_by_role("button", name=button).click()
    page.wait_for_function(f"(() => {{ const a = document.querySelector('{sel} a[href]'); "
                           f"return a && a.href.endsWith('{suffix}') && a.href !== '{old_href}'; }})()", timeout=60_000)
    href = page.evaluate(f"document.querySelector('{sel} a[href]').href")
    return href, page.request.get(href).body()


def _playable(page, href: str, kind: str) -> bool:
    """The browser decodes the file: a video with a duration, or an image with a width."""
    js = ("(u) => new Promise(r => { const v = document.createElement('video'); v.muted = true; "
          "v.onloadeddata = () => r(v.duration > 0 && v.videoWidth > 0); v.onerror = () => r(false); v.src = u; })"
          if kind == "video" else
          "(u) => new Promise(r => { const i = new Image(); i.onload = () => r(i.naturalWidth > 0); "
          "i.onerror = () => r(false); i.src = u; })")
    return page.evaluate(js, href)


@pytest.mark.timeout(240)
def test_lab_downloads_editor_upload_and_link(page, url, tmp_path):
    _wait_lab(page, url)
    mp4_href, mp4 = _download(page, "#lab-anim", "⬇ Animation (MP4)", ".mp4")
    assert len(mp4) > 10_000 and mp4[4:8] == b"ftyp" and _playable(page, mp4_href, "video")
    gif_href, gif = _download(page, "#lab-anim", "⬇ Animation (GIF)", ".gif", mp4_href)
    assert len(gif) > 10_000 and gif[:6] in (b"GIF89a", b"GIF87a") and _playable(page, gif_href, "image")

    page.get_by_text("Edit or upload a mixture").click()
    good, bad = tmp_path / "two_blobs.json", tmp_path / "broken.json"
    good.write_text(json.dumps(MIX))
    bad.write_text('{"classes": ["a", "b"], "components": [')
    page.locator("#mixture-upload input[type=file]").set_input_files(str(good))
    page.wait_for_function("document.querySelector('#class-names textarea').value === 'left, right'", timeout=30_000)
    page.get_by_role("button", name="Apply: use this mixture in the lab").click()
    page.wait_for_function("window.__cfgLab.view && window.__cfgLab.view.class_names.join() === 'left,right'",
                           timeout=60_000)
    page.locator("#mixture-upload button[aria-label*='Clear' i], #mixture-upload .label-clear-button").first.click(
        timeout=5_000)
    page.locator("#mixture-upload input[type=file]").set_input_files(str(bad))
    page.get_by_text("broken.json is not a usable mixture").first.wait_for(timeout=30_000)  # readable error
    assert page.locator("#class-names textarea").input_value() == "left, right"  # nothing changed

    draws = page.evaluate("window.__cfgLab.draws")
    _drag(page, 0.1, 0.6, steps=8)  # the app keeps working after the error
    page.wait_for_function(f"window.__cfgLab.draws > {draws}", timeout=10_000)
    w = page.evaluate("window.__cfgLab.w")
    page.wait_for_function(f"document.querySelector('#toy-summary').innerText.includes('w = {float(w):g}')",
                           timeout=30_000)
    page.get_by_role("button", name="Link to this view").click()
    page.wait_for_function("document.querySelector('#share-link textarea').value.includes('mixz=')", timeout=10_000)
    link = page.locator("#share-link textarea").input_value()
    assert link.startswith(url.rstrip("/")) and f"w={float(w)}" in link
    page.goto(link)  # the link restores the view: custom mixture, class, method, w
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.view.class_names.join() === "
                           f"'left,right' && window.__cfgLab.w === {float(w)}", timeout=60_000)
    assert page.evaluate("window.__cfgLab.panels.map(p => p.meta.method).join('|')") == "cfg|cg"
    page.screenshot(path=str(ARTIFACTS / "lab_custom_from_link.png"))
    assert not [e for e in page.errors if "not a usable mixture" not in e], page.errors


@pytest.mark.timeout(240)
def test_train_your_own_switches_the_lab(page, url):
    _wait_lab(page, url)
    page.get_by_role("tab", name="Train your own").click()
    for sel, value in (("#train-steps", "200"), ("#train-csteps", "100")):
        box = page.locator(f"{sel} input[type=number]")
        box.fill(value)
        box.press("Enter")
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function("document.querySelector('#train-progress').innerText.includes('Trained in')",
                           timeout=120_000)
    assert page.locator("#train-loss img, #train-loss svg, #train-loss canvas").count() > 0  # the loss curve
    page.screenshot(path=str(ARTIFACTS / "train_done.png"))
    page.get_by_role("tab", name="2D guidance lab").click()
    page.wait_for_function("window.__cfgLab.view && window.__cfgLab.view.panels[0].spec.dataset.startsWith('custom-')"
                           " && window.__cfgLab.view.panels[0].spec.score === 'learned'", timeout=60_000)
    assert page.evaluate("window.__cfgLab.view.mixture") == "three_gaussians"  # a custom copy of the preset
    assert not page.errors, page.errors


@pytest.fixture(scope="module")
def broken_url(tmp_path_factory):
    """`python app.py` on a copy of checkpoints/ without ring/ and with a corrupt MNIST checkpoint."""
    root = tmp_path_factory.mktemp("checkpoints")
    shutil.copytree(ROOT / "checkpoints", root, dirs_exist_ok=True)
    shutil.rmtree(root / "ring")
    (root / "mnist" / "model.safetensors").write_bytes(b"this is not a safetensors file\n" * 8)
    port = free_port()
    env = {**os.environ, "CFG_CHECKPOINT_DIR": str(root), "CFG_RETRAIN_STEPS": "400,150",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    log = open(root / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url, t0 = f"http://127.0.0.1:{port}/", time.perf_counter()
    try:
        while True:
            try:
                if urllib.request.urlopen(url, timeout=1).status == 200:
                    break
            except OSError:
                assert proc.poll() is None and time.perf_counter() - t0 < 60, (root / "app.log").read_text()[-2000:]
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.mark.timeout(240)
def test_missing_and_corrupt_checkpoints(page, broken_url):
    page.goto(broken_url + "?dataset=ring&method=cfg&score=learned")
    page.wait_for_function("document.body.innerText.includes('retraining ring')", timeout=60_000)  # progress
    page.screenshot(path=str(ARTIFACTS / "retraining_ring.png"))
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.view.mixture === 'ring' && "
                           "window.__cfgLab.view.panels[0].spec.score === 'learned'", timeout=120_000)
    page.get_by_role("tab", name="MNIST").click()
    page.wait_for_function("document.querySelector('#mnist-status').innerText.includes('could not be loaded')",
                           timeout=30_000)
    status = page.locator("#mnist-status").inner_text()
    assert "safetensors" in status and "python -m cfg_core train --dataset mnist" in status
    page.wait_for_function("document.querySelector('#mnist-sweep img') !== null", timeout=30_000)  # still shown
    page.screenshot(path=str(ARTIFACTS / "mnist_missing.png"), full_page=True)
    from gradio_client import Client

    with pytest.raises(Exception, match="MNIST models are not available"):
        Client(broken_url, verbose=False).predict(label=3, method="cfg", w=2.0, seed=0, api_name="/mnist")
    assert not page.errors, page.errors
