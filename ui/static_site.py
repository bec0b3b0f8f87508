"""The lessons as a static site: a folder that opens from file:// or any static host with no Python running.

`python app.py build-static --out site/` writes
    index.html       the lesson bar (#lessons), the w slider (#w-slider), the lab's canvas (#toy-view) with its
                     lesson panel; the same common.js (with the page's config), lesson.js, lab.js and CSS as the app
    static.js        the page's own small script (ui/static/static.js): what the app's server does on a lesson click,
                     done in the browser (the lesson's view, its w, its layers and language)
    lab.js           ui/static/lab.js, given the canvas element and a props/watch pair like Gradio's js_on_load
    views/<key>.js   each lab lesson's view (the same JSON the app serves), loaded on first use by a script tag
                     (file:// pages may not fetch(), but they may load scripts)
What needs computing (your own data, training, MNIST, other selections) says it needs the full app. Both languages
are in the page; ?lang=ko and ?lesson=<key> and ?present=1 work as in the app.
Why here (ui/): the site is the UI's own assets put together; the explainer layer below never imports ui.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from explainer.lab.lessons import LESSONS, title
from explainer.lab.service import Lab
from explainer.words import LANGUAGE_NAMES, LANGUAGES
from explainer.i18n import t
from ui.canvas import STATIC, W_BOUNDS, head
from ui.lab import lesson_hints

SHELL_KEYS = ("page_title", "w", "static_intro", "static_needs_app", "static_loading")  # the page's own words (ui part)


def shell_words() -> dict:
    """The words the static page itself shows, per language (the catalog's "ui" part)."""
    return {lang: {key: t(lang, key) for key in SHELL_KEYS} for lang in LANGUAGES}


def lesson_view(lab: Lab, lesson) -> dict:
    """The view a lesson click shows in the app, with its extras (the hints' language is set by the page)."""
    view, _, extras = lab.payload_parts(lesson.selection, json.loads(lesson_hints("en", lesson.key)))
    return {**json.loads(view.json_text), "extras": extras, "w": lesson.selection.w}


def page(lessons_meta: list[dict]) -> str:
    """index.html: the app's head (config, lesson.js, CSS) and a shell with the same ids as the app's page."""
    lo, hi = W_BOUNDS["w-slider"]
    template = (STATIC / "lab.html").read_text(encoding="utf-8")
    present = (STATIC / "present.html").read_text(encoding="utf-8")
    lab_css = (STATIC / "lab.css").read_text(encoding="utf-8")
    site_css = (STATIC / "static.css").read_text(encoding="utf-8")
    buttons = "".join(f'<button type="button" class="lesson-btn" data-key="{m["key"]}"></button>' for m in lessons_meta)
    meta = json.dumps({"lessons": lessons_meta, "words": shell_words()}, ensure_ascii=False).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t("en", "page_title")}</title>
{head()}
{present}
<style>
{lab_css}
{site_css}
</style>
<script>const cfgSite = {meta};</script>
</head><body>
<header class="app-header site-header"><h1 id="app-title"></h1>
<div id="lang-switch" role="radiogroup">{"".join(
        f'<label><input type="radio" name="lang" value="{lang}"> {LANGUAGE_NAMES[lang]}</label>' for lang in LANGUAGES)}
</div></header>
<div id="lessons" class="lessons-bar">{buttons}</div>
<p id="site-note" class="site-note"></p>
<main class="lab-main">
<div id="w-slider" class="site-slider"><label for="w-range" class="site-w-label"></label>
<input id="w-range" type="range" min="{lo}" max="{hi}" step="0.05" value="0"><output id="w-number">0</output></div>
<div id="toy-view">{template}</div>
</main>
<script src="static.js"></script>
<script src="lab.js"></script>
</body></html>
"""


def build(out: Path, lab: Lab | None = None, progress=print) -> dict:
    """Write the site into out (created; its old views/ replaced); returns {files, bytes}."""
    lab = lab or Lab()
    out = Path(out)
    (out / "views").mkdir(parents=True, exist_ok=True)
    for old in (out / "views").glob("*.js"):
        old.unlink()
    meta = []
    for i, lesson in enumerate(LESSONS, 1):
        entry = {"key": lesson.key, "titles": {lang: title(lesson, lang) for lang in LANGUAGES},
                 "lab": lesson.selection is not None}
        meta.append(entry)
        if lesson.selection is None:
            continue
        progress(f"[{i}/{len(LESSONS)}] {lesson.key}")
        view = json.dumps(lesson_view(lab, lesson), separators=(",", ":")).replace("<", "\\u003c")
        (out / "views" / f"{lesson.key}.js").write_text(f"cfgStatic.arrive({json.dumps(lesson.key)}, {view});\n",
                                                       encoding="utf-8")
    (out / "index.html").write_text(page(meta), encoding="utf-8")
    shutil.copyfile(STATIC / "static.js", out / "static.js")
    lab_js = (STATIC / "lab.js").read_text(encoding="utf-8")
    (out / "lab.js").write_text("// ui/static/lab.js, given what Gradio's js_on_load would give it (static.js)\n"
                                "(function (element, props, watch) {\n" + lab_js +
                                "\n})(cfgStatic.element, cfgStatic.props, cfgStatic.watch);\n", encoding="utf-8")
    files = [p for p in out.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
