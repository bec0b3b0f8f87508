"""The command line's argument parsing: one-line errors, no abbreviations, and numbers written plainly.

Why a module of its own: every subcommand's parser is a CliParser, and every number option parses with the same
strict readers (float() and int() would take 1_0 as 10, and full-width or Arabic-Indic digits).
"""
from __future__ import annotations

import argparse
import math
import re

# Numbers as people type them: ASCII digits, a sign, a point, an exponent (inf and nan by name, for the checks
# to refuse with their own message). float() and int() also take 1_0 (= 10), full-width '３' and Arabic-Indic '٣'.
_UNSIGNED = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan"
_NUMBER = re.compile(rf"[+-]?(?:{_UNSIGNED})", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
# what argparse takes as a value, not an option, after an option that wants one: -2, -1e3, -inf, -1,2 (a list)
_NEGATIVE_VALUE = re.compile(rf"^-(?:{_UNSIGNED})(?:,[+-]?(?:{_UNSIGNED}))*\Z", re.IGNORECASE)


class CliParser(argparse.ArgumentParser):
    """argparse with the CLI's contract: an error is one line `error: ...` and exit status 2 (not the usage),
    options are never abbreviated (--ste is not --steps), and -inf, -1e3 or -1,2 after an option are its
    value (which the checks then refuse or take), not an unknown option. Subparsers are CliParsers too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE

    def error(self, message):
        self.exit(2, f"error: {' '.join(str(message).split())}\n")


def _strict_float(text: str) -> float:
    """float(text) for plain decimal notation only (inf and nan pass, for the range checks to refuse)."""
    if not _NUMBER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a plain number: {text!r} (ASCII digits, sign, point, exponent)")
    return float(text)


def _strict_int(text: str) -> int:
    """int(text) for ASCII digits with an optional sign only (no 1e3, 1_0, 3.0 or '３')."""
    if not _INTEGER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not an integer: {text!r} (ASCII digits, optional sign)")
    return int(text)


def _finite_float(text: str) -> float:
    v = _strict_float(text)
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return v


def _w_list(text: str) -> list[float]:
    try:
        return [_finite_float(t.strip()) for t in text.split(",") if t.strip()]
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"--w takes comma-separated finite numbers: {err}") from None
