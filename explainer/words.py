"""The one catalog of words a person sees, in English and Korean: explainer/locales/<lang>/<part>.json.

Every label, choice, canvas word, panel title, legend, toast, progress line, estimate, error and lesson text is a
key of the catalog, named `<part>.<key>` after the file it lives in (ui.json -> "ui.title", errors.json ->
"errors.points.too_large"). Values are str.format templates: placeholders in braces ({n}, {max}); a test checks
that both languages have the same keys and the same placeholders. Python reads it here; the browser gets the
page language's part of it once, in the page (browser_words), and never carries its own word table.

    say("ko", "ui.mnist_sampling", method="CFG")  -> "CFG 샘플링 중…"
    explain(err, "ko")  -> an error with a code (cfg_core.errors) in Korean; any other error as its English line
Nothing here imports gradio.
"""
from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "ko")
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
LOCALES = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """Every key of lang's catalog ('<part>.<key>' -> template); an unknown language gets English's."""
    if lang not in LANGUAGES:
        lang = "en"
    words: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        words.update({f"{path.stem}.{key}": value for key, value in part.items()})
    return words


def placeholders(template: str) -> set[str]:
    """The named fields of a template ('{n} of {max}' -> {'n', 'max'})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def has(lang: str, key: str) -> bool:
    return key in catalog(lang)


def say(lang: str, key: str, **params) -> str:
    """The words for key in lang (English when lang lacks it), with params filled in."""
    template = catalog(lang).get(key)
    if template is None:
        template = catalog("en")[key]  # KeyError: a key nobody wrote is a bug the tests catch
    return template.format(**params) if params else template


def explain(err: BaseException, lang: str) -> str:
    """An error for a person: its catalog words when it carries a code (cfg_core.errors.coded), else its text.

    The English line raised with the error stays the source for English (the CLI prints it unchanged)."""
    code = getattr(err, "code", None)
    key = f"errors.{code}" if code else None
    if lang != "en" and key and has(lang, key):
        params = {name: explain(v, lang) if getattr(v, "code", None) else v  # a wrapped error, a Phrase
                  for name, v in getattr(err, "params", {}).items()}
        try:
            return say(lang, key, **params)
        except (KeyError, IndexError, ValueError):
            pass
    text = str(err)
    return text.splitlines()[0] if text else type(err).__name__


def browser_words(lang: str, parts: tuple[str, ...] = ("canvas", "ui")) -> dict[str, str]:
    """The keys of the given parts in lang, for the page (the browser's only word table)."""
    prefixes = tuple(f"{p}." for p in parts)
    english = {k: v for k, v in catalog("en").items() if k.startswith(prefixes)}
    return english | {k: v for k, v in catalog(lang).items() if k.startswith(prefixes)}


def pick_language(query_lang: str | None, accept_language: str | None) -> str:
    """?lang= wins; otherwise Korean when the browser prefers it; otherwise English."""
    if query_lang in LANGUAGES:
        return query_lang
    first = (accept_language or "").split(",")[0].strip().lower()
    return "ko" if first.startswith("ko") else "en"
