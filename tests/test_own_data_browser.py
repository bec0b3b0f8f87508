"""Your data in a real browser: paint points of two classes, fit, see the fit and the guided samples appear, drag a
component's centre and see the samples follow, then open the fit in the lab."""
import time

import pytest

from conftest import require_chromium

pytestmark = pytest.mark.browser  # Chromium through Playwright: pytest -m browser

require_chromium()


def _canvas_box(page):
    page.evaluate("document.querySelector('#own-view canvas').scrollIntoView({block: 'center'})")
    time.sleep(0.3)
    return page.locator("#own-view canvas").bounding_box()


def _stroke(page, box, a, b):
    page.mouse.move(box["x"] + a[0] * box["width"], box["y"] + a[1] * box["height"])
    page.mouse.down()
    for i in range(1, 25):
        t = i / 24
        page.mouse.move(box["x"] + (a[0] + t * (b[0] - a[0])) * box["width"],
                        box["y"] + (a[1] + t * (b[1] - a[1])) * box["height"])
    page.mouse.up()


def test_paint_fit_drag_and_use_in_the_lab(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view", timeout=180_000)
    page.get_by_role("tab", name="Your data").click()
    page.wait_for_function("window.__cfgOwn", timeout=30_000)
    box = _canvas_box(page)
    for k in range(3):
        _stroke(page, box, (0.2, 0.3 + 0.04 * k), (0.45, 0.35 + 0.04 * k))
    page.locator("#own-view .own-class").nth(1).click()
    box = _canvas_box(page)
    for k in range(3):
        _stroke(page, box, (0.6, 0.6 + 0.04 * k), (0.8, 0.7 + 0.04 * k))
    labels = page.evaluate("window.__cfgOwn.labels")
    assert labels.count(0) >= 10 and labels.count(1) >= 10
    page.locator("#own-view .own-undo").click()  # undo removes the last stroke only
    assert len(page.evaluate("window.__cfgOwn.labels")) < len(labels)
    page.locator("#own-view .own-fit").click()
    page.wait_for_function("window.__cfgOwn.preview && window.__cfgOwn.fit", timeout=30_000)
    assert "BIC" in page.locator("#own-view .own-table").inner_text()
    before = page.evaluate("window.__cfgOwn.preview.samples.map(p => p[0]).reduce((a, b) => a + b) / 150")
    # drag class B's first component two units to the left: its guided samples follow
    centre = page.evaluate("window.__cfgOwn.preview.ellipses.filter(e => e.c === 1)[0].centre")
    box = _canvas_box(page)
    px = box["x"] + (centre[0] + 4.5) / 9 * box["width"]
    py = box["y"] + (1 - (centre[1] + 4.5) / 9) * box["height"]
    page.mouse.move(px, py)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(px - i * 2 / 9 * box["width"] / 20 * 2, py)
        time.sleep(0.02)
    page.mouse.up()
    page.wait_for_function("window.__cfgOwn.pending === false && window.__cfgOwn.queued === null", timeout=30_000)
    time.sleep(0.5)
    after = page.evaluate("window.__cfgOwn.preview.samples.map(p => p[0]).reduce((a, b) => a + b) / 150")
    assert after < before - 0.5
    page.locator("#own-view .own-use").click()
    page.wait_for_function("window.__cfgLab.view && window.__cfgLab.view.mixture === 'your_data'", timeout=120_000)
    page.close()


def test_a_bad_fit_is_a_message_on_the_canvas(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view", timeout=180_000)
    page.get_by_role("tab", name="Your data").click()
    page.wait_for_function("window.__cfgOwn", timeout=30_000)
    box = _canvas_box(page)
    _stroke(page, box, (0.2, 0.3), (0.45, 0.35))  # one class only
    page.locator("#own-view .own-fit").click()
    page.wait_for_function("document.querySelector('#own-view .own-status').classList.contains('error')", timeout=30_000)
    assert "class" in page.locator("#own-view .own-status").inner_text()
    page.get_by_label("한국어").check()  # the shown error follows the language switch
    page.wait_for_function("/[\\uac00-\\ud7a3]/.test(document.querySelector('#own-view .own-status').textContent)",
                           timeout=30_000)
    assert "클래스" in page.locator("#own-view .own-status").inner_text()
    page.close()
