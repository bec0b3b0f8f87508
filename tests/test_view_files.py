"""Views as files: the lab's event answers a small pointer, the view itself is a content-addressed gzip file served
from memory with immutable caching (explainer/view_files.py, ui/view_route.py); the trajectories travel as exact
integer deltas that gzip packs small."""
import gzip
import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from explainer.encode import VIEW_PATH_STEP, decode_deltas
from explainer.lab.selection import Selection
from explainer.lab.service import Lab
from explainer.view_files import PREFIX, ViewFiles, file_name
from ui.view_route import ViewRoute


def test_the_store_names_by_content_and_forgets_the_oldest():
    files = ViewFiles(maxsize=2)
    src = files.put(file_name("a"), "a")
    assert src == PREFIX + file_name("a") and gzip.decompress(files.get(file_name("a"))) == b"a"
    assert file_name("a") == file_name("a") != file_name("b") and len(file_name("a")) == 37
    files.put(file_name("b"), "b"), files.get(file_name("a")), files.put(file_name("c"), "c")
    assert files.get(file_name("a")) is None and len(files) == 2  # least recently *stored* goes first


async def _inner(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"the app"})


@pytest.fixture()
def client():
    files = ViewFiles()
    name = file_name('{"panels": []}')
    files.put(name, '{"panels": []}')
    return TestClient(ViewRoute(_inner, files)), name


def test_a_view_file_is_gzip_immutable_and_revalidates(client):
    http, name = client
    r = http.get(f"/views/{name}", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.json() == {"panels": []}
    assert r.headers["content-encoding"] == "gzip" and "immutable" in r.headers["cache-control"]
    again = http.get(f"/views/{name}", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    plain = http.get(f"/views/{name}", headers={"accept-encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers and plain.json() == {"panels": []}


def test_a_browser_gets_brotli_and_a_client_without_it_gzip(client):
    """Brotli when Accept-Encoding lists it (Chromium does, even over http), gzip otherwise; q=0 refuses one."""
    import brotli

    http, name = client
    stored = http.app.files.encoded(name)[1]
    for accept, coding in (("gzip, deflate, br, zstd", "br"), ("gzip, br;q=0", "gzip"), ("gzip", "gzip"),
                           ("BR", "br"), ("deflate", None)):
        r = http.get(f"/views/{name}", headers={"accept-encoding": accept})
        assert r.headers.get("content-encoding") == coding and r.json() == {"panels": []}, accept
    raw = http.get(f"/views/{name}", headers={"accept-encoding": "br"})
    assert raw.headers["content-encoding"] == "br" and brotli.decompress(stored) == b'{"panels": []}'


def test_unknown_or_malformed_names_and_other_paths(client):
    http, _ = client
    gone = http.get("/views/" + "0" * 32 + ".json")
    assert gone.status_code == 404 and "no longer stored" in gone.json()["error"]
    for path in ("/views/../app.py", "/views/abc.json", "/", "/views/" + "0" * 32 + ".json/x"):
        assert http.get(path).text == "the app"  # not a view name: the app answers (gradio's 404 in the real app)
    assert http.post("/views/" + "0" * 32 + ".json").text == "the app"


def test_the_pointer_names_the_views_file_and_the_file_is_the_view():
    lab = Lab()
    sel = Selection(dataset="two_overlapping", method="cfg|cg", score="exact")
    text, view, _ = lab.pointer(sel, {"lang": "ko"})
    pointer = json.loads(text)
    assert set(pointer) == {"src", "extras"} and pointer["extras"]["hints"] == {"lang": "ko"} and len(text) < 20_000
    body = lab.files.get(pointer["src"].removeprefix(PREFIX))
    assert gzip.decompress(body).decode() == view.json_text and file_name(view.json_text) in pointer["src"]
    assert len(body) < 0.4 * len(view.json_text)  # deltas: the file is far smaller than its text
    assert lab.pointer(sel, {"lang": "en"})[0] != text and json.loads(lab.pointer(sel, {})[0])["src"] == pointer["src"]
    panel = json.loads(view.json_text)["panels"][0]
    ints = decode_deltas(panel["traj"], tuple(panel["shape"]))
    back = ints / np.asarray(panel["coord_scales"]).reshape(-1, 1, 1, 1)
    error = np.abs(back - view.panels[0].traj)
    assert error[:, -1].max() <= 0.5 / min(panel["coord_scales"]) + 1e-9  # the samples: 0.01 units
    assert error.max() <= VIEW_PATH_STEP * 0.5 / min(panel["coord_scales"]) + 1e-9  # the paths: 0.02


def test_a_published_lessons_pointer_is_served_and_revalidated(client):
    http, name = client
    files = http.app.files
    assert http.get("/views/lessons/w_plus_one.json").status_code == 404  # not ready: the events show it
    files.publish_lesson("w_plus_one", file_name('{"panels": [1]}'), '{"panels": [1]}', {"tradeoff": {}})
    r = http.get("/views/lessons/w_plus_one.json")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert r.json() == {"src": "views/" + file_name('{"panels": [1]}'), "extras": {"tradeoff": {}}}
    assert http.get("/" + r.json()["src"]).json() == {"panels": [1]}
    assert http.get("/views/lessons/w_plus_one.json", headers={"if-none-match": r.headers["etag"]}).status_code == 304
    assert http.get("/views/lessons/Bad-Key.json").text == "the app"


def test_a_published_lesson_outlives_the_store_bound():
    files = ViewFiles(maxsize=2)
    files.publish_lesson("a", file_name("lesson"), "lesson", {})
    for text in ("b", "c", "d"):
        files.put(file_name(text), text)
    assert files.get(file_name("lesson")) is not None and files.get(file_name("b")) is None


def test_the_warm_up_publishes_each_lessons_view_as_it_computes_it():
    from dataclasses import replace

    from explainer.lab import warmup
    from explainer.lab.lessons import BY_KEY

    lab = Lab()
    sel = replace(BY_KEY["interval"].selection, w=Selection.w)
    state = warmup.run(lab, [sel], warmup.WarmupState(first=1))
    assert state.failed == [] and lab.files.lesson("noisy_classifier") is None
    pointer = json.loads(gzip.decompress(lab.files.lesson("interval")[0]))
    view, _ = lab.view(sel)
    assert pointer["src"].endswith(view.file_name) and "hints" not in pointer["extras"]
