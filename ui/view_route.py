"""GET /views/<name>.json: a stored view file (explainer/view_files.py) straight from memory, as an ASGI middleware
in front of gradio (no queue, no Python work per request beyond a dict lookup).

The body is sent gzip-compressed (decompressed for the rare client that does not accept gzip), with
`Cache-Control: immutable` and an ETag: the name is the content's hash, so a file never changes. An unknown name
is a 404 with one line of JSON (the view was dropped from the store: the page asks again through its event).
GET /views/lessons/<key>.json: a lesson's pointer ({"src", "extras"}) once the warm-up has its view, so a lesson
button draws from files while the page's events (controls, numbers, link) catch up; revalidated, never immutable.
"""
from __future__ import annotations

import gzip
import hashlib
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
        match, lesson = _PATH.match(path), _LESSON.match(path)
        if lesson is not None:
            return await self._lesson(lesson.group(1), scope, send)
        if match is None:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        body, etag = self.files.get(match.group(1)), b'"' + match.group(1).encode() + b'"'
        if body is None:
            msg = json.dumps({"error": "this view is no longer stored; the page will ask for it again"}).encode()
            return await _send(send, 404, msg, [(b"content-type", b"application/json")], scope)
        common = [(b"etag", etag), (b"cache-control", IMMUTABLE), (b"vary", b"accept-encoding")]
        if headers.get(b"if-none-match") == etag:
            return await _send(send, 304, b"", common, scope)
        extra = [(b"content-type", b"application/json")]
        if b"gzip" in headers.get(b"accept-encoding", b""):
            extra.append((b"content-encoding", b"gzip"))
        else:
            body = gzip.decompress(body)
        return await _send(send, 200, body, common + extra, scope)


    async def _lesson(self, key: str, scope, send):
        """A lesson's pointer: small, revalidated each time (a restarted server may hold other files)."""
        body = self.files.lesson(key)
        if body is None:
            msg = json.dumps({"error": f"lesson {key!r} is not ready as files yet; the page's events will show it"})
            return await _send(send, 404, msg.encode(), [(b"content-type", b"application/json")], scope)
        etag = b'"' + hashlib.sha256(body).hexdigest()[:16].encode() + b'"'
        common = [(b"etag", etag), (b"cache-control", b"no-cache")]
        if dict(scope.get("headers") or []).get(b"if-none-match") == etag:
            return await _send(send, 304, b"", common, scope)
        return await _send(send, 200, body, common + [(b"content-type", b"application/json")], scope)


async def _send(send, status: int, body: bytes, headers: list, scope) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})
