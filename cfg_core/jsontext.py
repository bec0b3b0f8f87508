"""JSON text from outside (a link, an upload, a browser event) read safely: a size cap, and no RecursionError.

Why: `json.loads` raises RecursionError on deeply nested input (`[[[[...]]]]` 100,000 deep), which is not a
ValueError, so a handler that catches ValueError lets it through and the client sees an empty error. Here every
failure is a ValueError with one line that names what was being read.
"""
from __future__ import annotations

import json

MAX_DEPTH = 64  # our JSON (mixtures, points, hints) is at most 4 deep; anything deeper is refused


def loads(text, what: str = "the JSON", max_bytes: int = 8_000_000):
    """The value of JSON `text`, or ValueError with one line (not text, too large, invalid, nested too deeply)."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise ValueError(f"{what} must be JSON text, got {type(text).__name__}")
    if len(text) > max_bytes:
        raise ValueError(f"{what} may be at most {max_bytes:,} bytes, got {len(text):,}")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} is not valid JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    except ValueError as err:  # e.g. an integer of more than 4300 digits
        raise ValueError(f"{what} is not valid JSON ({str(err).splitlines()[0][:80]})") from None
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"{what} is nested too deeply (at most {MAX_DEPTH} levels)")
    return value


def depth(value) -> int:
    """How deeply lists and dicts nest in a decoded JSON value (a number or string: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        if children is None:
            continue
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return deepest
