"""GET /views/<name>.json: a stored view file (explainer/view_files.py) straight from memory, as an ASGI middleware
in front of gradio (no queue, no Python work per request beyond a dict lookup).

The body is sent in brotli when the client accepts it (every current browser), else gzip (decompressed for the rare
client that accepts neither), with
`Cache-Control: immutable` and an ETag: the name is the content's hash, so a file never changes. An unknown name
is a 404 with one line of JSON (the view was dropped from the store: the page asks again through its event).
GET /views/lessons/<key>.json: a lesson's pointer ({"src", "extras"}) once the warm-up has its view, so a lesson
button draws from files while the page's events (controls, numbers, link) catch up; revalidated, never immutable.
"""
from __future__ import annotations

import gzip
import json
import re

from explainer.view_files import ViewFiles

_PATH = re.compile(r"^/views/([0-9a-f]{32}\.json)$")
_LESSON = re.compile(r"^/views/lessons/([a-z_]{1,40})\.json$")
IMMUTABLE = b"public, max-age=31536000, immutable"


class ViewRoute:
    """ASGI middleware serving the store's files; every other request goes on to the app."""

    def __init__(self, app, files: ViewFiles):
        self.app, self.files = app, files

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") else ""
        view, lesson = _PATH.match(path), _LESSON.match(path)
        if lesson is not None:  # small, revalidated each time (a restarted server may hold other files)
            body, etag = self.files.lesson(lesson.group(1)) or (None, None)
            gone = f"lesson {lesson.group(1)!r} is not ready as files yet; the page's events will show it"
            return await _file(send, scope, body, etag, b"no-cache", gone)
        if view is not None:  # the name is the content's hash: never changes
            gone = "this view is no longer stored; the page will ask for it again"
            gz, br = self.files.encoded(view.group(1)) or (None, None)
            return await _file(send, scope, gz, view.group(1), IMMUTABLE, gone, br)
        return await self.app(scope, receive, send)


async def _file(send, scope, gz: bytes | None, etag: str | None, cache: bytes, gone: str,
                br: bytes | None = None) -> None:
    """Stored bytes (gzip, and brotli when stored) as a response: 404 with one line of JSON when absent, 304 when
    the client has them."""
    if gz is None:
        body = json.dumps({"error": gone}).encode()
        return await _send(send, scope, 404, body, [(b"content-type", b"application/json")])
    tag = f'"{etag}"'.encode()
    common = [(b"etag", tag), (b"cache-control", cache), (b"vary", b"accept-encoding")]
    headers = dict(scope.get("headers") or [])
    if headers.get(b"if-none-match") == tag:
        return await _send(send, scope, 304, b"", common)
    status, body, extra = _encoded(gz, br, headers)
    return await _send(send, scope, status, body, extra + common)


def _accepts(headers: dict, coding: bytes) -> bool:
    """Whether Accept-Encoding lists coding (without q=0)."""
    for part in headers.get(b"accept-encoding", b"").lower().split(b","):
        name, _, params = part.strip().partition(b";")
        if name.strip() == coding:
            return params.replace(b" ", b"") not in (b"q=0", b"q=0.0", b"q=0.00", b"q=0.000")
    return False


def _encoded(gz: bytes, br: bytes | None, headers: dict) -> tuple[int, bytes, list]:
    """(200, body, headers): brotli when stored and accepted, else gzip when accepted, else decompressed."""
    json_type = (b"content-type", b"application/json")
    if br is not None and _accepts(headers, b"br"):
        return 200, br, [json_type, (b"content-encoding", b"br")]
    if _accepts(headers, b"gzip"):
        return 200, gz, [json_type, (b"content-encoding", b"gzip")]
    return 200, gzip.decompress(gz), [json_type]


async def _send(send, scope, status: int, body: bytes, headers: list) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})
