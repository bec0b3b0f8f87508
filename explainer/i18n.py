"""The UI's words by short key (t(lang, "w") is the catalog's "ui.w"), and method names in words.

The words themselves live in the one catalog, explainer/locales/<lang>/*.json (explainer.words); this module
is the UI's shorthand for its "ui" part plus the method names. pick_language() chooses from a URL parameter or
the browser's Accept-Language header, so a Korean browser gets Korean by default and ?lang=en overrides it.
"""
from __future__ import annotations

from explainer.words import LANGUAGE_NAMES, LANGUAGES, catalog, pick_language, say  # noqa: F401 (re-exported)

NOTE_KEYS = ("note_tau", "note_clean", "note_no_model", "note_no_weak", "note_retrained")  # the lab's notes (English text = key's)


def translate_note(note: str, lang: str) -> str:
    """One of the lab's notes (given in English) in lang; any other text as it is."""
    for key in NOTE_KEYS:
        if note == t("en", key):
            return t(lang, key)
    return note


HOW_IT_WORKS = {"en": "how_it_works.md", "ko": "how_it_works.ko.md"}  # the How-it-works page, in ui/static/


def method_short(lang: str, name: str) -> str:
    """A registry method's (or MNIST variant's) short name in lang: the catalog's, else the registry's English."""
    from cfg_core.mnist.variants import info

    key = f"methods.{name}.short"
    return say(lang, key) if key in catalog(lang) else info(name).short


def method_title(lang: str, name: str) -> str:
    """A registry method's (or MNIST variant's) long title in lang: the catalog's, else the registry's English."""
    from cfg_core.mnist.variants import info

    key = f"methods.{name}.title"
    return say(lang, key) if key in catalog(lang) else info(name).title


def short_in(lang: str, short: str) -> str:
    """A legend's English short method name (as matplotlib drew it) in lang; any other label as it is."""
    from cfg_core.mnist.variants import VARIANTS
    from cfg_core.methods import METHODS

    names = {entry.short: name for name, entry in [*METHODS.items(), *VARIANTS.items()]}
    return method_short(lang, names[short]) if short in names else short


def method_choice_label(choice: str, lang: str = "en") -> str:
    """A method choice of one method or two joined by "|" in lang: 'CFG', 'CFG vs CG', 'Score scaling (baseline)'."""
    from cfg_core.mnist.variants import info

    left, *right = [method_short(lang, m) for m in choice.split("|")]  # registry methods and MNIST's variants
    label = t(lang, "choice_vs", a=left, b=right[0]) if right else left
    if not right and getattr(info(choice), "baseline", False):
        label = t(lang, "choice_baseline", name=label)
    return label[0].upper() + label[1:]


def t(lang: str, key: str, **params) -> str:
    """The catalog's "ui.<key>" in lang (English when the language lacks it), params filled in."""
    return say(lang, f"ui.{key}", **params)
