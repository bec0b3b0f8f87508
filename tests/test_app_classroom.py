"""Browser tests of the classroom features: lessons, presenter mode at 1280x720, Korean by default for a Korean
browser, the language switch, keyboard control of w, and bad URL parameters falling back with a notice."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser  # Chromium through Playwright: pytest -m browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
READY = "window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing but CI=true: install Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


def _open(browser, url, width=1280, height=900, locale="en-US"):
    page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(READY, timeout=120_000)
    return page


@pytest.mark.timeout(300)
def test_lessons_set_the_whole_view_and_caption(browser, app_url):
    page = _open(browser, app_url)
    assert page.locator("#lessons button").count() >= 7
    for index, key, methods in ((2, "w_plus_one", "cg|cg"), (0, "implicit_classifier", "cfg|cg"),
                                (3, "naive", "scaled|reduced")):
        page.locator("#lessons button").nth(index).click()
        page.wait_for_function(f"window.__cfgLab.extras && window.__cfgLab.extras.hints.lesson === '{key}'",
                               timeout=90_000)
        assert page.evaluate("window.__cfgLab.panels.map(p => p.meta.method).join('|')") == methods
        assert page.locator("#toy-view .lab-lesson .ls-title").inner_text().strip().startswith(f"{index + 1} ·")
    assert page.evaluate("document.querySelector('#toy-view .lab-field').value") == "off"  # no arrows unless asked
    page.keyboard.press("ArrowRight")  # the keyboard moves w (the naive lesson starts at w = 0)
    page.wait_for_function("Math.abs(window.__cfgLab.w - 0.05) < 1e-9", timeout=10_000)
    assert page.locator("#w-readout").inner_text().startswith("w = 0.05")
    assert page.locator("#tradeoff-view canvas").count() == 1
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(240)
def test_presenter_mode_fits_a_1280x720_projector(browser, app_url):
    page = _open(browser, app_url + "?present=1", 1280, 720)
    page.wait_for_timeout(500)
    geo = page.evaluate("""() => { const r = (e) => e.getBoundingClientRect();
      return {s: r(document.querySelector('#w-slider input[type=range]')),
              c: [...document.querySelectorAll('#toy-view .lab-panel canvas')].map(r)}; }""")
    for box in [geo["s"], *geo["c"]]:
        assert box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= 720.5 and box["right"] <= 1280.5, box
    assert min(c["width"] for c in geo["c"]) >= 600
    assert not page.locator(".lab-controls").first.is_visible()
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('#w-readout')).fontSize)") >= 20
    page.close()


@pytest.mark.timeout(240)
def test_korean_browser_gets_korean_and_the_switch_changes_it(browser, app_url):
    page = _open(browser, app_url, locale="ko-KR")
    page.wait_for_function("window.__cfgLab.lang === 'ko'", timeout=60_000)
    page.wait_for_function("document.querySelector('#lessons').innerText.includes('가이던스')", timeout=30_000)
    assert "가이던스" in page.locator("#app-title").inner_text()
    page.get_by_label("English").check()
    page.wait_for_function("window.__cfgLab.lang === 'en'", timeout=60_000)
    assert "Diffusion guidance" in page.locator("#app-title").inner_text()
    page.close()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("query", ["?lesson=nope", "?w=NaN&label=zz", "?w=99", "?method=%3Cscript%3E&lam=garbage"])
def test_bad_url_parameters_fall_back_with_a_notice(browser, app_url, query):
    page = _open(browser, app_url + query)
    page.get_by_text("not valid", exact=False).or_(page.get_by_text("Unknown lesson", exact=False)).first.wait_for(
        timeout=30_000)
    assert page.evaluate("window.__cfgLab.w") == 2 and page.evaluate("window.__cfgLab.view.mixture") == "three_gaussians"
    assert not page.errors, page.errors
    page.close()
