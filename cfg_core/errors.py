"""Errors that carry a code and their values, so the app can say them in the reader's language.

The English line is written where the error is raised and stays what the CLI prints; `code` names the same
message in the word catalog (explainer/locales/<lang>/errors.json, key = code) and `params` fills its
placeholders. A refusal raised as

    raise coded(PointsError, "points.too_many", "at most {max} points are allowed, got {n}",
              max=100_000, n=n)

is an ordinary PointsError (a ValueError) whose str() is "at most 100000 points are allowed, got 100001", with
err.code == "points.too_many" and err.params == {"max": 100000, "n": 100001}. A value may itself be coded: an
error it wraps ("line {line}: {reason}") or a Phrase (a control's name, a link's notice), and explain() says it in
the same language. recoded(kind, err, file=name) is err as another kind with some values replaced. Nothing here
knows any language but English; the catalog and its tests live in explainer/.
"""
from __future__ import annotations


class Phrase(str):
    """Text with a code, for words that are not errors themselves: a name inside an error ("class name {k}"), a
    link's notice. It is an ordinary str (its English); coded(Phrase, code, english, **params) builds one."""


def coded(kind: type, code: str, english: str, **params):
    """An exception (or Phrase) of type kind whose text is english.format(**params), tagged with code and params."""
    err = kind(english.format(**params) if params else english)
    err.code = code
    err.params = dict(params)
    err.template = english
    return err


def recoded(kind: type, err: BaseException, **params):
    """err as a kind, with the same code and values except those given (an uncoded err: its text only)."""
    if getattr(err, "code", None) is None:
        return kind(str(err))
    return coded(kind, err.code, err.template, **{**err.params, **params})
