"""A Korean reader walks every tab and every lesson: no English word on the page or drawn on a canvas, outside a
short allow-list (acronyms, symbols, ids, authors' names). The page runs in a Korean browser (Gradio's own
widget strings follow its i18n) with ?lang=ko; canvas text is recorded by wrapping fillText before the page loads.
The words found go to test-artifacts/korean_walk.json (the issue note reports the count)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import require_chromium

pytestmark = pytest.mark.browser
require_chromium()

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ALLOWED = {  # the issue's list, units and file kinds, and the names of the papers' authors
    "CFG", "CG", "ICG", "APG", "CFG++", "DDIM", "DDPM", "PC", "MNIST", "SW", "BIC", "SMC", "ESS", "MALA", "FD",
    "CFG-Zero*", "CFG-rescale", "U-Net", "log-SNR", "SNR", "JSON", "CSV", "MP4", "GIF", "PNG", "MB", "KB", "ms", "s",
    "API", "URL", "diffusers", "guidance_scale", "p_uncond", "tau", "eps", "x_hat", "sigma", "lam", "std",
    "Ho", "Salimans", "Dhariwal", "Nichol", "Karras", "Sadat", "Chung", "Lin", "Saharia", "Kynkäänniemi", "Fan",
    "Skreta", "Imagen", "et", "al", "arXiv", "ICLR", "NeurIPS", "Gradio", "scikit-learn", "make_moons",
    "make_circles", "make_blobs", "make_swiss_roll", "make_classification", "custom", "moons", "circles", "blobs",
    "swiss_roll", "classification", "English", "ESC", "Enter", "Del", "Moral", "Doucet", "Jasra", "docs", "md",
    "RESULTS", "MNIST.md", "RESULTS.md", "FID", "IS", "EDM", "MLP", "CPU", "Bradley", "Nakkiran",
    "guided-diffusion", "label",  # label: the CSV column x,y,label
    "processing", "queue",  # Gradio's own status line, which its Korean translation leaves in English
}
WORD = re.compile(r"(?<!\w)[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9_'*+-]*[A-Za-zÀ-ÿ0-9*+]|(?<!\w)[A-Za-z]")  # not a subscript (ε_bad)
VISIBLE_TEXT = """
(() => { const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('.katex, script, style, noscript')) continue;  // typeset maths is symbols, not words
    if (!el.getClientRects().length) continue;  // not rendered (a hidden tab, a closed accordion)
    out.push(walker.currentNode.textContent);
  }
  return out.join(' '); })()
"""
TITLE = re.compile(r"“[^”]*”")  # a cited paper's title (in “quotes”) is its name, not words to translate
GRADIO_OWN = re.compile(r"In queue: \d+ of \d+")  # Gradio's status line, which its Korean translation leaves English
RECORD_CANVAS = """
(() => { window.__drawnText = [];
  for (const name of ["fillText", "strokeText"]) {
    const orig = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (text, ...rest) {
      if (window.__drawnText.length < 20000) window.__drawnText.push(String(text));
      return orig.call(this, text, ...rest); };
  } })();
"""


def english_words(text: str, ids: set[str]) -> list[str]:
    """The words of text that are English: Latin-letter words not in the allow-list, not an id, not a symbol."""
    out = []
    text = TITLE.sub(" ", GRADIO_OWN.sub(" ", text))
    for word in WORD.findall(text):
        if len(word) == 1 or word in ALLOWED or word in ids or word.rstrip("s") in ALLOWED:
            continue
        if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+|[A-Z]|[a-z]_[a-z]+|[xzc]_?[a-z0-9]*|[a-z][+-]\d+|log|exp", word):
            continue  # snake_case ids and the maths (x_t, z_lam, c, w+1, log p)
        out.append(word)
    return out


def test_korean_page_has_no_english_words(browser, app_url):
    from cfg_core.mixture_json import PRESETS

    from cfg_core.mixture_json import load_preset

    ids = set(PRESETS) | {name for key in PRESETS for name in load_preset(key).class_names}  # data, not words
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(RECORD_CANVAS)
    found: dict[str, list[str]] = {}

    def collect(where: str) -> None:
        text = page.evaluate(VISIBLE_TEXT)
        drawn = " ".join(page.evaluate("window.__drawnText.splice(0)"))
        words = english_words(text, ids) + english_words(drawn, ids)
        if words:
            found[where] = sorted(set(words))

    page.goto(app_url + "?lang=ko")
    page.wait_for_function("document.querySelector('#toy-view canvas') && window.__drawnText.length > 20",
                           timeout=120_000)
    page.wait_for_timeout(1500)
    collect("lab")
    lessons = page.locator("#lessons button")
    for i in range(lessons.count()):
        lessons.nth(i).click()
        page.wait_for_timeout(2500)  # the lesson's view arrives and is drawn
        collect(f"lesson {i + 1}")
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(2500)
        collect(f"tab {i + 1}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "korean_walk.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    page.screenshot(path=str(ARTIFACTS / "korean_walk_last.png"))
    context.close()
    count = sum(len(v) for v in found.values())
    assert count == 0, f"{count} English words on the Korean page: {json.dumps(found, ensure_ascii=False)[:3000]}"
