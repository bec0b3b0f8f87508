"""The MNIST tab in Debian's Chromium: dragging w swaps the grids in the browser with no request to the server; a w
that is not ready is sampled on release only, the grids being sampled showing their x_hat as they form; the
confidence table never wraps (1280 x 720 and a 390 px phone) and follows the language switch, as do the sweep's
words (written over its PNG).
Skipped without /usr/bin/chromium unless CI=true."""
from __future__ import annotations

import pytest

from conftest import require_chromium

require_chromium()

import ui.mnist  # noqa: E402

pytestmark = [pytest.mark.browser,  # Chromium through Playwright: pytest -m browser
              pytest.mark.skipif(ui.mnist.MNIST.models() is None, reason="MNIST models not available")]
READY = ("window.__cfgMnist && window.__cfgMnist.view && window.__cfgMnist.draws > 0 && "
         "window.__cfgMnist.panels.every(p => !p.meta.pending)")
BIG = "document.querySelector('#mnist-view .mn-big').toDataURL()"


def _open(browser, url, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
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
    page.wait_for_function(READY, timeout=120_000)
    return page


def _drag(page, frm: float, to: float, steps: int = 25):
    slider = page.locator("#mnist-w input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * frm, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(box["x"] + box["width"] * (frm + (to - frm) * i / steps), y)
        page.wait_for_timeout(20)
    page.mouse.up()


def _table_fits(page) -> dict:
    """Every cell of the confidence table on one line, and the table inside the viewport."""
    return page.evaluate("""() => {
      const t = document.querySelector('#mnist-view .mn-table'), cells = Array.from(t.querySelectorAll('th, td'));
      const tall = cells.filter(c => { const s = getComputedStyle(c), f = parseFloat(s.fontSize);
        return c.getBoundingClientRect().height > 1.6 * f + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom) + 2; });
      return {cells: cells.length, wrapped: tall.map(c => c.innerText), right: t.getBoundingClientRect().right,
              width: window.innerWidth};
    }""")


@pytest.mark.timeout(300)
def test_dragging_w_swaps_grids_with_no_server_request(browser, app_url):
    if ui.mnist.ATLAS.atlas() is None or not ui.mnist.ATLAS.atlas().complete:
        pytest.skip("no complete atlas shipped (scripts/build/build_mnist_atlas.py)")
    page = _open(browser, app_url, 1280, 720)
    assert page.evaluate("window.__cfgMnist.panels.every(p => p.meta.ready.every(Boolean))")  # every w ready
    before, k0, draws = page.evaluate(BIG), page.evaluate("window.__cfgMnist.k"), page.evaluate("window.__cfgMnist.draws")
    sent = len(page.requests)
    _drag(page, 0.2, 0.9)
    page.wait_for_timeout(600)  # a release that needed the server would have asked by now
    assert page.requests[sent:] == []  # no request at all while dragging and on release
    assert page.evaluate("window.__cfgMnist.k") > k0 and page.evaluate("window.__cfgMnist.draws") > draws + 5
    assert page.evaluate(BIG) != before  # the grid really changed
    title = page.locator("#mnist-view .mn-title").first.inner_text()
    assert "CFG" in title and "guidance_scale" in title
    assert page.locator("#mnist-view .mn-small-row figcaption").all_inner_texts()[:4] == ["w = 0", "w = 1", "w = 3", "w = 6"]
    lat = sorted(page.evaluate("window.__cfgMnist.latencies"))
    assert lat and lat[len(lat) // 2] < 100  # input -> redrawn frame, median (ms)
    fits = _table_fits(page)
    assert fits["cells"] == 12 and fits["wrapped"] == [] and fits["right"] <= fits["width"]
    assert page.evaluate("window.__cfgMnistSweep && window.__cfgMnistSweep.draws") > 1  # the sweep's w line moved
    sweep_words = "document.querySelector('#mnist-sweep .mn-sweep').innerText"
    assert "judge accuracy" in page.evaluate(sweep_words) and "autoguidance" in page.evaluate(sweep_words)
    page.get_by_label("한국어").check()  # the language switch reaches the table, its footnote and the sweep's words
    page.wait_for_function("document.querySelector('#mnist-view .mn-foot').innerText.includes('심판')", timeout=30_000)
    page.wait_for_function(f"{sweep_words}.includes('심판 정확도') && {sweep_words}.includes('오토가이던스')",
                           timeout=30_000)
    assert "판정" in page.locator("#mnist-view .mn-table").inner_text()
    page.locator("label:visible", has_text="노이즈 인식").first.wait_for(timeout=30_000)  # CG's classifier, buttons
    assert page.get_by_role("button", name="⬇ 디노이징 애니메이션 (MP4)").count() == 1
    assert not page.errors, page.errors
    page.close()


@pytest.mark.timeout(300)
def test_phone_table_fits_and_a_new_seed_samples_on_release_only(browser, app_url):
    page = _open(browser, app_url, 390, 844)
    fits = _table_fits(page)
    assert fits["wrapped"] == [] and fits["right"] <= fits["width"], fits
    seed = page.locator("#mnist-seed input")
    seed.fill("77")
    seed.press("Enter")
    page.wait_for_function("window.__cfgMnist.view.seed === 77 && window.__cfgMnist.panels.every(p => "
                           "!p.meta.pending)", timeout=180_000)  # streamed: CFG first, then CG
    previews = page.evaluate("window.__cfgMnist.previews")  # x_hat drawn while each grid formed
    methods = [p.split("@")[0] for p in previews]
    assert "cfg" in methods and "cg" in methods and methods == sorted(methods, key=["cfg", "cg"].index), previews
    ready = page.evaluate("window.__cfgMnist.panels[0].meta.ready")
    sent = len(page.requests)
    slider = page.locator("#mnist-w input[type=range]")
    slider.focus()
    slider.press("ArrowRight")  # 2.05: still the grid's w = 2, ready: nothing to ask
    page.wait_for_timeout(400)
    assert not any("queue/join" in u for u in page.requests[sent:])
    page.evaluate("(() => { const el = document.querySelector('#mnist-w input[type=range]'); el.value = '8';"
                  "el.dispatchEvent(new Event('input', {bubbles: true})); })()")  # dragging to 8: no request
    page.wait_for_timeout(400)
    assert not any("queue/join" in u for u in page.requests[sent:]) and not ready[12]
    page.evaluate("document.querySelector('#mnist-w input[type=range]').dispatchEvent(new Event('change', "
                  "{bubbles: true}))")  # released at w = 8: sample it
    page.wait_for_function("window.__cfgMnist.panels.every(p => p.meta.ready[12])", timeout=180_000)
    assert any("queue/join" in u for u in page.requests[sent:])
    assert not page.errors, page.errors
    page.close()
