"""A lesson teaches in the browser: its panel beside the figure asks first (2-4 choices, the answer hidden), a choice
reveals the answer while w glides to the lesson's reveal w, Enter reveals when presenting, the figure carries the
lesson's marks, the controls fold away until "Full lab", and the MNIST lesson has its own panel and keys."""
from __future__ import annotations

import gzip
import json

import pytest

from conftest import require_chromium

pytestmark = pytest.mark.browser
require_chromium()

from explainer.lab.lessons import BY_KEY, LESSONS  # noqa: E402

RECORD_CANVAS = """(() => { window.__drawn = [];
  const orig = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (t, ...r) {
    if (window.__drawn.length < 50000) window.__drawn.push(String(t)); return orig.call(this, t, ...r); }; })();"""
SLIDER = "parseFloat(document.querySelector('#{0} input[type=range]').value)"


def _page(browser, url, width=1280, height=800, locale="en-US"):
    page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.add_init_script(RECORD_CANVAS)
    page.goto(url)
    page.wait_for_function("window.__cfgLab && window.__cfgLab.view && window.__cfgLab.draws > 0", timeout=120_000)
    return page


def _panel_ready(page, key):
    page.wait_for_function(f"window.__cfgLab.extras.hints.lesson === '{key}' && "
                           "!document.querySelector('#toy-view .lab-lesson').hidden", timeout=90_000)


@pytest.mark.timeout(300)
def test_a_lesson_asks_first_then_the_figure_answers(browser, app_url):
    lesson = BY_KEY["noisy_classifier"]
    page = _page(browser, app_url + "?lesson=noisy_classifier")
    _panel_ready(page, lesson.key)
    panel = page.locator("#toy-view .lab-lesson")
    choices = panel.locator("#lesson-question .ls-choice")
    assert 2 <= choices.count() <= 4
    assert not panel.locator("#lesson-answer").is_visible()  # the answer waits for a prediction
    more = page.locator("#toy-view .lab-lesson-more")  # what to look at and the legend, under the question
    assert more.locator("#lesson-caption").is_visible() and more.locator("#lesson-legend li").count() >= 2
    assert page.evaluate("document.documentElement.classList.contains('cfg-lesson')")
    assert not page.locator(".lab-controls").first.is_visible()  # the controls fold away in a lesson
    assert abs(page.evaluate(SLIDER.format("w-slider")) - lesson.start_w) < 1e-6
    page.evaluate("window.__drawn = []")
    choices.nth(lesson.answer).click()
    page.wait_for_function(f"Math.abs({SLIDER.format('w-slider')} - {lesson.reveal_w}) < 0.02", timeout=20_000)
    assert panel.locator("#lesson-answer").is_visible()
    assert panel.locator(".ls-choice.ls-right").count() == 1 and panel.locator(".ls-choice[disabled]").count() == choices.count()
    page.wait_for_timeout(500)
    drawn = " ".join(page.evaluate("window.__drawn"))
    assert "outside the view" in drawn  # the clean classifier's samples left the canvas, and the canvas says so
    page.locator("#toy-view .ls-exit").click()  # the full lab again
    page.wait_for_function("!document.documentElement.classList.contains('cfg-lesson')", timeout=10_000)
    assert page.locator(".lab-controls").first.is_visible()
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_presenting_in_korean_enter_reveals_and_the_panel_fits(browser, app_url):
    lesson = BY_KEY["w_plus_one"]
    page = _page(browser, app_url + "?lesson=w_plus_one&present=1&lang=ko", 1280, 720, "ko-KR")
    _panel_ready(page, lesson.key)
    panel = page.locator("#toy-view .lab-lesson")
    assert "예측" in panel.locator("#lesson-question").inner_text()  # the question in the reader's language
    sel = ", ".join(f"#toy-view #lesson-{part}" for part in ("question", "caption", "legend"))
    boxes = page.evaluate("(sel) => [...document.querySelectorAll(sel)].map((e) => e.getBoundingClientRect().toJSON())",
                          sel + ", #toy-view .lab-panel canvas")
    assert len(boxes) == 5
    for box in boxes:  # question, caption, legend and both panels on one projector screen
        assert box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= 720.5 and box["right"] <= 1280.5, box
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs({SLIDER.format('w-slider')} - {lesson.reveal_w}) < 0.02", timeout=20_000)
    assert panel.locator("#lesson-answer").is_visible()
    page.wait_for_timeout(500)
    assert "샘플이 같음" in " ".join(page.evaluate("window.__drawn"))  # "identical samples", on the figure
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_the_mnist_lesson_has_its_panel_and_its_keys(browser, app_url):
    index = next(i for i, lesson in enumerate(LESSONS) if lesson.tab == "mnist")
    lesson = LESSONS[index]
    page = _page(browser, app_url)
    page.locator("#lessons button").nth(index).click()
    page.wait_for_function("document.querySelector('#mnist-view .mn-lesson') && "
                           "!document.querySelector('#mnist-view .mn-lesson').hidden", timeout=120_000)
    page.wait_for_function(f"Math.abs({SLIDER.format('mnist-w')} - {lesson.start_w}) < 0.02", timeout=20_000)
    assert not page.locator(".mnist-controls").first.is_visible()
    page.locator("#mnist-view .mn-lesson .ls-choice").nth(lesson.answer).click()
    page.wait_for_function(f"Math.abs({SLIDER.format('mnist-w')} - {lesson.reveal_w}) < 0.02", timeout=20_000)
    assert page.locator("#mnist-view .mn-lesson #lesson-answer").is_visible()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowLeft")  # this tab's w, not the lab's
    page.wait_for_function(f"{SLIDER.format('mnist-w')} < {lesson.reveal_w} - 0.1", timeout=10_000)
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_a_lesson_button_draws_from_the_files_before_the_events(browser, app_url):
    """Once the warm-up published a lesson's view, its button fetches the pointer and the view as files (the hall of
    students waits for no event), and only then sends its event; the event names the same file, which is not
    fetched again."""
    from explainer.lab.lessons import LESSONS
    from ui.lab import LAB

    lesson = BY_KEY["noisy_classifier"]
    LAB.publish_lesson(lesson.key, lesson.selection)
    page = _page(browser, app_url)
    views, order = [], []
    page.on("request", lambda r: views.append(r.url) if "/views/" in r.url else None)
    page.on("request", lambda r: order.append("event") if "/queue/join" in r.url else None)
    page.on("requestfinished", lambda r: order.append("view") if "/views/" in r.url and "/lessons/" not in r.url
            else None)
    page.locator("#lessons button").nth(LESSONS.index(lesson)).click()
    page.wait_for_function(f"window.__cfgLab.fromFiles >= 1 && window.__cfgLab.lesson === '{lesson.key}'",
                           timeout=30_000)
    _panel_ready(page, lesson.key)
    page.wait_for_timeout(1500)  # the events' pointer arrives: the same src, kept
    assert [u.split("/views/")[1] for u in views][:1] == [f"lessons/{lesson.key}.json"]
    assert len([u for u in views if "/lessons/" not in u]) == 1  # the view file, once
    assert order[:2] == ["view", "event"], order  # the event went after the view file was in
    assert abs(page.evaluate(SLIDER.format("w-slider")) - lesson.selection.w) < 1e-6
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_a_lesson_link_draws_the_baked_view_before_its_events(browser, app_url):
    """A fresh server publishes the baked lessons before it serves (explainer/lab/baked.py): a lesson's link draws
    from the files at once, in the link's language, and the page's events then name the same file."""
    from explainer.lab import baked
    from ui.lab import LAB

    assert "far_modes" in baked.load(LAB, log=pytest.fail)
    page = _page(browser, app_url + "?lesson=far_modes&lang=ko")
    page.wait_for_function("window.__cfgLab.fromFiles >= 1 && window.__cfgLab.lesson === 'far_modes'", timeout=30_000)
    _panel_ready(page, "far_modes")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__cfgLab.extras.hints.lang") == "ko"
    assert page.evaluate("window.__cfgLab.src") == json.loads(gzip.decompress(LAB.files.lesson("far_modes")[0]))["src"]
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_a_view_file_the_server_lost_is_a_message_on_the_canvas(browser, app_url, monkeypatch):
    """The page's event points to a file the server no longer holds (404): the canvas says so in words, no blank."""
    from ui.lab import LAB

    page = _page(browser, app_url)
    monkeypatch.setattr(LAB.files, "encoded", lambda name: None)
    page.locator(".lab-controls").get_by_role("radio", name="B", exact=True).check()  # class B: a new file
    page.wait_for_function("(document.querySelector('#toy-view .lab-empty') || {}).innerText"
                           "?.includes('could not be fetched')", timeout=60_000)
    assert "HTTP 404" in page.locator("#toy-view .lab-empty").inner_text()
    assert not page.errors, page.errors
    page.close()
