"""Which component shows which words: bound once where the component is built, relabelled as {component: update}.

A builder writes `bind(gr.Slider(..., label=t("en", "w")), label="w")`; the language switch then returns
relabel(lang), a dict of every bound component to its update in that language, so no positional tuple has to
match outputs assembled in other files. Keys are the catalog's "ui" part (explainer/locales/<lang>/ui.json);
choices are (key, value) pairs; a function of lang may stand for any word that is built (lesson captions).
build_demo() starts a fresh binding per app (reset()), and its language switch keeps a snapshot() of that
binding: a later build in the same process (tests build several apps) never redirects an earlier app's switch to
its own components.
"""
from __future__ import annotations


import gradio as gr

from explainer.i18n import t

_BOUND: list[tuple[object, dict]] = []  # (component, {update field: key, (key, value) pairs, or lang -> words})


def reset() -> None:
    """Forget the components of an earlier build (each build_demo binds its own)."""
    _BOUND.clear()


def bind(component, **fields):
    """Record the words a component shows (label=, value=, info=, placeholder=, choices=); returns the component."""
    _BOUND.append((component, fields))
    return component


def _say(lang: str, spec):
    if callable(spec):
        return spec(lang)
    if isinstance(spec, (list, tuple)):  # choices: (key, value) pairs
        return [(t(lang, key), value) for key, value in spec]
    return t(lang, spec)


def snapshot() -> tuple:
    """This build's bindings, frozen: what one app's language switch relabels."""
    return tuple(_BOUND)


def relabel(lang: str, bound: tuple | None = None) -> dict:
    """{component: gr.update(...)} for every component of bound (default: the current build's), in lang."""
    return {comp: gr.update(**{name: _say(lang, spec) for name, spec in fields.items()})
            for comp, fields in (_BOUND if bound is None else bound)}


def components(bound: tuple | None = None) -> list:
    """The bound components (the language switch's outputs)."""
    return [comp for comp, _ in (_BOUND if bound is None else bound)]


def choices(pairs: tuple[tuple[str, str], ...], lang: str = "en") -> list[tuple[str, str]]:
    """(words, value) choices from (key, value) pairs, for building a component in lang."""
    return [(t(lang, key), value) for key, value in pairs]
