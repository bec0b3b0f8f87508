"""The server's front door (an ASGI middleware around gradio's app): what may be called, how long a link may be,
and which browser pages are still open.

- Only the endpoints meant as an API (/toy, /mnist, /exact_score) are callable by name (`/gradio_api/call/<name>`,
  `/gradio_api/run/<name>`, ...); the UI's own events stay private to the page (it calls them by index).
- A by-name API call must give one value per parameter: gradio would refuse a short list with an empty error
  ({"error": null}); here it is one line naming the parameters, HTTP 400.
- A direct API call (`/gradio_api/run/<name>`) that names no session shares one stateless session
  (STATELESS_SESSION): gradio otherwise builds a fresh session, with the config of every component of this page,
  for each such call (~15 ms of a 2-core server per cached /toy, 15x the answer itself). The API's functions keep
  no state, so nothing is shared but that config.
- A link longer than MAX_URL_CHARS gets a short page that says so (in English and Korean), not HTTP 500
  (gradio's URL parser refuses URLs over 64 KB with an exception).
- The page's heartbeat connection (`/gradio_api/heartbeat/<session>`) is counted while it is open, so long work
  started for a page (training) can stop when nobody is there to read its result (`page_open`).
"""
from __future__ import annotations

import html
import json
import re
import threading

from cfg_core import jsontext

API_NAMES = frozenset({"toy", "mnist", "exact_score"})  # the public API (README); the rest is the UI's own
MAX_URL_CHARS = 48_000  # the longest share link is a 320-component mixture, compressed: about 20 KB
_BY_NAME = re.compile(r"^/gradio_api/(?:call/v2|call|run|api)/([^/]+)/?$")
STATELESS_SESSION = "api-stateless"  # the session of direct API calls that name none (see above)
_DIRECT = re.compile(r"^/gradio_api/(?:run|api)/")
_HEARTBEAT = re.compile(r"^/gradio_api/heartbeat/([^/]+)/?$")

_open_pages: dict[str, int] = {}
_lock = threading.Lock()


def page_open(session_hash: str | None) -> bool:
    """Whether a browser page of this session still holds its heartbeat connection."""
    with _lock:
        return bool(session_hash) and _open_pages.get(session_hash, 0) > 0


def _count(session_hash: str, delta: int) -> None:
    with _lock:
        n = _open_pages.get(session_hash, 0) + delta
        if n > 0:
            _open_pages[session_hash] = n
        else:
            _open_pages.pop(session_hash, None)


async def _answer(send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


TOO_LONG_PAGE = """<!doctype html><meta charset="utf-8"><title>Link too long</title>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;line-height:1.5">
<h1>This link is too long ({n:,} characters)</h1>
<p>A link may have at most {max:,} characters. Open <a href="/">the explainer</a> and load the mixture as a
JSON file in the mixture editor instead.</p>
<p lang="ko">이 링크는 너무 깁니다 ({n:,}자). 링크는 최대 {max:,}자까지입니다. <a href="/">설명 앱</a>을 열고
혼합 분포 편집기에서 JSON 파일로 불러오세요.</p></body>"""


MAX_API_BODY = 2_000_000  # a /toy or /exact_score call with its mixture or points: far below this


async def _read_body(receive) -> tuple[bytes, bool]:
    """The request body (up to MAX_API_BODY + 1 bytes) and whether it was all read."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_API_BODY or not message.get("more_body"):
            return b"".join(chunks), size <= MAX_API_BODY


def _payload(body: bytes):
    """The call's JSON body, or None when it is not JSON."""
    try:
        return jsontext.loads(body, "the body", MAX_API_BODY)
    except ValueError:
        return None


def _arguments_problem(name: str, payload, params: list[str]) -> str:
    """'' when a by-name call's {"data": [...]} has one value per parameter (or names the UI's fn_index), else
    one line saying what the endpoint takes (gradio would answer {"error": null})."""
    if not isinstance(payload, dict):
        return f"/{name} takes a JSON body {{\"data\": [...]}}"
    if payload.get("fn_index") is not None:  # the page's own call by index: gradio checks it
        return ""
    data = payload.get("data")
    if not isinstance(data, list) or len(data) != len(params):
        got = len(data) if isinstance(data, list) else type(data).__name__
        return f"/{name} takes {len(params)} values in \"data\", in this order: {', '.join(params)}; got {got}"
    return ""


class Guard:
    """ASGI middleware: refuses by-name calls of UI events, API calls with the wrong number of values, and
    over-long URLs; counts open pages. api_params: each API endpoint's parameter names, in order."""

    def __init__(self, app, api_params: dict[str, list[str]] | None = None):
        self.app, self.api_params = app, api_params or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        length = len(path) + len(query)
        if length > MAX_URL_CHARS:
            page = TOO_LONG_PAGE.format(n=length, max=MAX_URL_CHARS)
            return await _answer(send, 414, page.encode(), b"text/html; charset=utf-8")
        named = _BY_NAME.match(path)
        if named and scope.get("method") == "POST" and named.group(1) not in API_NAMES | {"predict"}:
            msg = (f"/{html.escape(named.group(1))[:60]} is not an API endpoint: this app's API is "
                   f"{', '.join('/' + n for n in sorted(API_NAMES))} (see README)")
            return await _answer(send, 404, json.dumps({"error": msg}).encode(), b"application/json")
        if named and scope.get("method") == "POST" and named.group(1) in self.api_params and "/v2/" not in path:
            body, whole = await _read_body(receive)
            payload = _payload(body) if whole else None
            problem = (f"/{named.group(1)} takes at most {MAX_API_BODY:,} bytes" if not whole
                       else _arguments_problem(named.group(1), payload, self.api_params[named.group(1)]))
            if problem:
                return await _answer(send, 400, json.dumps({"error": problem}).encode(), b"application/json")
            if _DIRECT.match(path) and not payload.get("session_hash"):
                body = json.dumps({**payload, "session_hash": STATELESS_SESSION}).encode()
                scope = {**scope, "headers": [(k, str(len(body)).encode() if k == b"content-length" else v)
                                              for k, v in scope.get("headers", [])]}
            sent = [False]

            async def replay():
                if not sent[0]:
                    sent[0] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()
            return await self.app(scope, replay, send)
        beat = _HEARTBEAT.match(path)
        if beat is None:
            return await self.app(scope, receive, send)
        _count(beat.group(1), +1)
        try:
            return await self.app(scope, receive, send)
        finally:
            _count(beat.group(1), -1)
