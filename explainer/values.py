"""Values a person typed or a link carried, read strictly: one line saying what is allowed when they cannot be used.

Shared by every feature (the lab's Selection, the MNIST tab's MnistSelection, Your data): plain ASCII decimals
only (float() would also take '1_0', full-width digits, 'inf' and 'nan'), ranges checked once at the edge.
Errors carry a code (cfg_core.errors.coded), so the app says them in the reader's language.
"""
from __future__ import annotations

import math
import re

from cfg_core.errors import coded

MAX_SEED = 2**31 - 1


class SelectionError(ValueError):
    """A control value that cannot be used, with one line saying what is allowed."""



_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII digits only: no 1_0, no ３ or ٣


def parse_number(text, name: str) -> float:
    """A number written in plain ASCII decimal (what a link or a form sends), strictly: float() would also take
    '1_0' (as 10), full-width and Arabic-Indic digits, 'inf' and 'nan'."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if not isinstance(text, str) or not _NUMBER.fullmatch(text.strip()):
        raise coded(SelectionError, "link.not_a_number", "{name} must be a plain decimal number, got {got!r}",
                    name=name, got=str(text)[:40])
    v = float(text)
    if not math.isfinite(v):
        raise coded(SelectionError, "link.too_large", "{name} must be a finite number, got {got!r} (too large)",
                    name=name, got=str(text)[:40])
    return v


def check_number(value, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise coded(SelectionError, "value.number_range", "{name} must be a number in [{lo:g}, {hi:g}], got {got!r}",
                    name=name, lo=lo, hi=hi, got=value)
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise coded(SelectionError, "value.number_range", "{name} must be a number in [{lo:g}, {hi:g}], got {got!r}",
                    name=name, lo=lo, hi=hi, got=str(value)[:40]) from None
    if not math.isfinite(v):
        raise coded(SelectionError, "value.finite_range", "{name} must be a finite number in [{lo:g}, {hi:g}], got "
                    "{got!r}", name=name, lo=lo, hi=hi, got=str(value)[:40])
    if not lo <= v <= hi:
        raise coded(SelectionError, "value.out_of_range", "{name} must be in [{lo:g}, {hi:g}], got {got!r}", name=name,
                    lo=lo, hi=hi, got=str(value)[:40])
    return v


def check_integer(value, name: str, lo: int, hi: int) -> int:
    v = check_number(value, name, lo, hi)
    if v != int(v):
        raise coded(SelectionError, "value.integer_range", "{name} must be an integer in [{lo}, {hi}], got {got!r}",
                    name=name, lo=lo, hi=hi, got=value)
    return int(v)


def one_of(value, name: str, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise coded(SelectionError, "value.one_of", "{name} must be one of {names}, got {got!r}", name=name,
                    names=", ".join(allowed), got=value)
    return value
