"""The lessons as a static site (python app.py build-static): index.html opened from file:// in Chromium with no
server: the same lesson bar (#lessons), every lab lesson draws, asks its question and reveals its answer, dragging
w redraws, Korean works, and the MNIST lesson says it needs the full app. The size is reported."""
from __future__ import annotations

import pytest

from conftest import require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
require_chromium()

from explainer.lab.lessons import LESSONS  # noqa: E402
from explainer.words import say  # noqa: E402

READY = "window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from ui.lab import LAB
    from ui.static_site import build

    out = tmp_path_factory.mktemp("site")
    report = build(out, LAB, progress=lambda line: None)
    print(f"static site: {report['files']} files, {report['bytes'] / 1e6:.1f} MB")
    assert report["bytes"] < 30e6  # the aim
    return out


def _open(browser, url, width=1280, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.errors, page.requests = [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(url)
    page.wait_for_function(READY, timeout=60_000)
    return page


@pytest.mark.timeout(600)
def test_every_lesson_draws_asks_and_reveals_from_file(browser, site):
    page = _open(browser, (site / "index.html").as_uri())
    buttons = page.locator("#lessons button")
    assert buttons.count() == len(LESSONS)
    for i, lesson in enumerate(LESSONS):
        draws = page.evaluate("window.__cfgLab.draws")
        buttons.nth(i).click()
        if lesson.selection is None:  # MNIST: computed by the server
            page.wait_for_function("document.querySelector('#site-note').classList.contains('site-warn')")
            assert say("en", "ui.static_needs_app")[:20] in page.locator("#site-note").inner_text()
            continue
        page.wait_for_function(f"window.__cfgLab.lesson === '{lesson.key}' && window.__cfgLab.draws > {draws}",
                               timeout=60_000)
        assert page.locator("#lesson-question").is_visible() and not page.locator("#lesson-answer").is_visible()
        assert abs(page.evaluate("window.__cfgLab.w") - lesson.selection.w) < 1e-6
        page.locator("#lesson-question .ls-choice").first.click()
        page.locator("#lesson-answer").wait_for(state="visible", timeout=10_000)
        page.wait_for_timeout(1400)  # the reveal's glide
        before = page.evaluate("window.__cfgLab.draws")
        box = page.locator("#w-slider input[type=range]").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.37, box["y"] + box["height"] / 2)
        page.wait_for_function(f"window.__cfgLab.draws > {before}", timeout=10_000)
    assert all(u.startswith("file://") for u in page.requests), [u for u in page.requests if not u.startswith("file")]
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_korean_and_a_lesson_from_the_link(browser, site):
    key = LESSONS[2].key
    page = _open(browser, (site / "index.html").as_uri() + f"?lang=ko&lesson={key}")
    page.wait_for_function(f"window.__cfgLab.lesson === '{key}'", timeout=60_000)
    assert say("ko", f"lessons.{key}.question")[:15] in page.locator("#lesson-question").inner_text()
    assert say("ko", f"lessons.{key}.title") in page.locator("#lessons button").nth(2).inner_text()
    page.get_by_label("English").check()
    page.wait_for_function(f"document.querySelector('#lesson-question').innerText.includes("
                           f"{say('en', f'lessons.{key}.question')[:15]!r})", timeout=10_000)
    assert not page.errors, page.errors
    page.close()
