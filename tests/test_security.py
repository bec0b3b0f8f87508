"""Bad input from links, endpoints and uploads: one clear line each, nothing breaks, cost and memory bounded.

Each test names the defect it guards against (the security-and-robustness issue, defects 2-6 and 10)."""
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from explainer.lab.selection import Selection, SelectionError, parse_number

ROOT = Path(__file__).resolve().parent.parent
TWO = {"name": "mine", "classes": ["a", "b"],
       "components": [{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "weight": 1, "class": 0},
                      {"mean": [2, 1], "cov": [[0.4, 0], [0, 0.4]], "weight": 2, "class": 1}]}
DEEP = "[" * 100_000 + "]" * 100_000


# --- 2. numbers out of range in a link ------------------------------------------------------------------------
@pytest.mark.parametrize("name, text", [("label", "1e309"), ("seed", "inf"), ("corrector_steps", "1e400"),
                                        ("w", "1_0"), ("w", "３"), ("w", "٣"), ("w", "nan"), ("lam", "-1e999"),
                                        ("label", "0.5"), ("seed", "-1"), ("w", "11")])
def test_a_bad_number_in_a_link_is_a_notice_not_a_crash(name, text):
    sel, notices = Selection.from_query({name: text})
    assert getattr(sel, name) == getattr(Selection(), name)  # the default stays
    assert len(notices) == 1 and name in notices[0]


def test_numbers_parse_strictly_and_ranges_say_range():
    assert parse_number(" 2.5 ", "w") == 2.5 and parse_number("1e1", "w") == 10.0
    for bad in ("1_0", "٣", "inf", "0x10", ""):
        with pytest.raises(SelectionError, match="plain decimal number"):
            parse_number(bad, "w")
    with pytest.raises(SelectionError, match=r"label must be in \[0, 63\], got '-1'"):  # not "must be finite"
        Selection(label=-1).validated()


# --- 3. deeply nested JSON -------------------------------------------------------------------------------------
def test_deep_json_in_hints_and_use_in_lab_is_handled():
    gr = pytest.importorskip("gradio")
    import ui.lab as ui_lab
    from ui.own_data import use_in_lab

    assert ui_lab.hints_of(DEEP) == {}
    out = ui_lab.set_language("ko", DEEP, "hints", "caption")  # the language switch still relabels
    assert json.loads(out["hints"])["lang"] == "ko"
    with pytest.raises(gr.Error, match="nested too deeply"):
        use_in_lab(DEEP)
    sel, notices = Selection.from_query({"mix": base64.urlsafe_b64encode(DEEP.encode()).decode()})
    assert sel.custom_json == "" and notices == ["the link's custom mixture could not be read"]


# --- 4. mathtext in names --------------------------------------------------------------------------------------
@pytest.mark.slow  # renders an animation and runs a sweep (~9 s)
def test_dollar_names_draw_as_text(tmp_path):
    pytest.importorskip("gradio")
    import ui.lab as ui_lab

    spec = {**TWO, "name": "$^$", "classes": ["$^$", "a$b$c"]}
    sel = Selection(dataset="custom", custom_json=json.dumps(spec), method="cfg", score="exact")
    value = ui_lab.make_animation("gif", *sel.values()).value
    out = Path(value["path"] if isinstance(value, dict) else getattr(value, "path", value))
    assert out.read_bytes()[:3] == b"GIF"
    (tmp_path / "m.json").write_text(json.dumps(spec))
    from cfg_core.__main__ import main
    assert main(["sweep", "--dataset", str(tmp_path / "m.json"), "--score", "exact", "--w", "0,1", "--n", "20",
                 "--steps", "5", "--out", str(tmp_path / "sw")]) == 0
    assert (tmp_path / "sw" / "sweep.png").stat().st_size > 1000


# --- 5. long links ---------------------------------------------------------------------------------------------
def test_the_largest_mixture_makes_a_link_under_the_limit():
    from ui.guard import MAX_URL_CHARS

    spec = json.loads((ROOT / "toy_data" / "presets" / "two_squares.json").read_text())
    spec["components"] = (spec["components"] * 2)[:320]  # 320 components, the most a mixture may have
    for c in spec["components"]:
        c["mean"] = [m + 0.123456789012 for m in c["mean"]]  # full-precision numbers: the worst case
    sel = Selection(dataset="custom", custom_json=json.dumps(spec))
    query = sel.to_query()
    assert len(query) < MAX_URL_CHARS / 2
    back, notices = Selection.from_query(dict(urllib.parse.parse_qsl(query)))
    assert notices == [] and json.loads(back.custom_json) == json.loads(sel.custom_json)


def test_a_zip_bomb_link_is_refused():
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 5_000_000 + b"0]", 9)).decode()
    sel, notices = Selection.from_query({"dataset": "custom", "mixz": bomb})
    assert sel.dataset == "three_gaussians" and notices == ["the link's custom mixture could not be read"]


def _get(url):
    try:
        r = urllib.request.urlopen(url, timeout=60)
        return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return _get(req)


def test_server_front_door(app_url):
    """An over-long link gets a page that says so (was HTTP 500); only /toy and /mnist are callable by name; a
    100,000-row CSV fits the upload limit (the limit was 1 MB, the file 2.1 MB)."""
    base = app_url.rstrip("/")
    status, body = _get(f"{base}/?dataset=custom&mix=" + "A" * 60_000)
    assert status == 414 and b"too long" in body and "너무 깁니다".encode() in body
    for name in ("train_custom", "update_view", "set_language", "use_in_lab", "mnist_stream", "w_sync"):
        status, body = _post(f"{base}/gradio_api/call/{name}", {"data": []})
        assert status == 404 and b"not an API endpoint" in body, (name, status, body)
    status, body = _post(f"{base}/gradio_api/call/toy", {"data": ["three_gaussians", 0, "cfg", 2.0, "ddim",
                                                                  "exact", "noisy", 0, ""]})
    assert status == 200 and b"event_id" in body
    for name, n in (("toy", 9), ("mnist", 4), ("exact_score", 6)):  # wrong counts: one line naming the parameters
        status, body = _post(f"{base}/gradio_api/call/{name}", {"data": [1]})
        assert status == 400 and f"/{name} takes {n} values".encode() in body, (name, status, body)
    status, body = _post(f"{base}/gradio_api/run/toy", {"data": "x"})
    assert status == 400 and b"in this order: dataset, label, method, w" in body
    info = json.loads(_get(f"{base}/gradio_api/info")[1])
    assert sorted(info["named_endpoints"]) == ["/exact_score", "/mnist", "/toy"]
    rows = "x,y,label\n" + "".join(f"{i % 997 / 100:.4f},{i % 991 / 100:.4f},{i % 3}\n" for i in range(100_000))
    boundary = "cfgboundary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n"
               f"Content-Type: text/csv\r\n\r\n{rows}\r\n--{boundary}--\r\n").encode()
    assert len(payload) > 1_500_000  # over the old 1 MB limit
    req = urllib.request.Request(f"{base}/gradio_api/upload", data=payload,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    status, body = _get(req)
    assert status == 200, body[:200]


# --- 10. cost, training nobody reads, bad settings ---------------------------------------------------------------
def _custom(n_components, n_classes=2):
    comps = [{"mean": [i * 0.1, (i % 5) * 0.3], "cov": [[0.2, 0], [0, 0.2]], "weight": 1, "class": i % n_classes}
             for i in range(n_components)]
    return json.dumps({"name": "big", "classes": [f"c{k}" for k in range(n_classes)], "components": comps})


@pytest.mark.parametrize("text, method, k, match", [
    (_custom(33), "cfg", 1, "at most 32 components"),
    (_custom(9, 9), "cfg", 1, "at most 8 classes"),
    (_custom(7), "cfg:corrector", 20, r"lower K to 17 or fewer"),
])
def test_one_view_of_a_custom_mixture_is_bounded(text, method, k, match):
    from explainer.lab.service import Lab

    sel = Selection(dataset="custom", custom_json=text, method=method, score="exact", corrector_steps=k).validated()
    with pytest.raises(SelectionError, match=match):
        Lab().view(sel)


def test_toy_refuses_a_mixture_with_a_preset_and_explains_label():
    gr = pytest.importorskip("gradio")
    import ui.api as ui_api

    with pytest.raises(gr.Error, match="mixture_json is used only with dataset='custom'"):
        ui_api.toy("three_gaussians", 0, "cfg", 2.0, mixture_json=json.dumps(TWO))
    with pytest.raises(gr.Error, match=r"label must be in \[0, 63\], got '-1'"):
        ui_api.toy("three_gaussians", -1, "cfg", 2.0)


def test_a_half_class_in_the_table_is_refused():
    from cfg_core.mixture_json import MixtureError
    from explainer.lab.editor import rows_to_spec

    with pytest.raises(MixtureError, match="row 1: class must be a whole number"):
        rows_to_spec([[0, 0, 1, 0, 1, 1, 0.5]], "a, b")
    assert rows_to_spec([[0, 0, 1, 0, 1, 1, 1.0]], "a, b")["components"][0]["class"] == 1


def test_training_with_no_open_page_stops(monkeypatch):
    gr = pytest.importorskip("gradio")
    import ui.lab as ui_lab

    monkeypatch.setattr(ui_lab, "PAGE_GRACE_S", 0.3)

    class NoPage:
        session_hash = "nobody-reads-this"

    t0 = time.perf_counter()
    with pytest.raises(gr.Error, match="runs only while its page is open"):
        for _ in ui_lab.train_custom("three_gaussians", "", 0.1, 4000, 2000, "", request=NoPage()):
            pass
    assert time.perf_counter() - t0 < 30
    deadline = time.time() + 10  # the worker stops at its next step
    while ui_lab.TRAINING.running() and time.time() < deadline:
        time.sleep(0.1)
    assert not ui_lab.TRAINING.running()


def test_a_retrained_checkpoint_says_so(tmp_path, capsys):
    import shutil

    from cfg_core.toy.pretrained import default_checkpoint
    from cfg_core.toy.training import MixtureTrainConfig
    from explainer.lab.service import RETRAINED_NOTE, Lab

    root = tmp_path / "cks"
    shutil.copytree(default_checkpoint("ring"), root / "ring")
    (root / "ring" / "model.safetensors").write_bytes(b"broken")
    lab = Lab(root, retrain=MixtureTrainConfig(steps=20, classifier_steps=10, batch_size=64))
    _, note = lab.view(Selection(dataset="ring", method="cfg"))
    assert note == RETRAINED_NOTE
    log = capsys.readouterr().out
    assert "checkpoint of ring unusable" in log and "retrained ring" in log


@pytest.mark.slow  # starts app.py in a subprocess
def test_a_bogus_server_name_is_one_line(tmp_path):
    env = {**os.environ, "GRADIO_SERVER_NAME": "bogus.invalid"}
    r = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: GRADIO_SERVER_NAME='bogus.invalid' is not an address or host name of this machine "
        "(use 127.0.0.1, or 0.0.0.0 for every interface)"]


@pytest.mark.slow  # imports the app in a subprocess
def test_sigterm_removes_the_animation_folder():
    code = ("import sys, time; sys.path.insert(0, '.'); import app; app.exit_on_sigterm(); "
            "from ui.lab import animation_path; p = animation_path('a.gif'); p.write_bytes(b'x'); "
            "print(p.parent.parent, flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    folder = Path(proc.stdout.readline().strip())
    assert folder.name.startswith("cfg-anim-") and folder.exists()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert not folder.exists()


def test_session_tables_stay_bounded(monkeypatch):
    pytest.importorskip("gradio")
    import ui.mnist as um

    monkeypatch.setattr(um.TAB, "max_sessions", 10)
    monkeypatch.setattr(um.TAB, "latest", {f"old{i}": time.monotonic() - 7200 for i in range(50)})

    class Req:
        session_hash = "new"

    um.mnist_mark(Req())
    assert list(um.TAB.latest) == ["new"]


def test_link_notices_and_caps_read_in_korean():
    from explainer.lab.service import Lab
    from explainer.lab.selection import unknown_lesson_notice, unusable_mixture_notice
    from explainer.words import explain

    _, notices = Selection.from_query({"w": "1e309", "seed": "３", "mix": "%%%"})
    big = Selection(dataset="custom", custom_json=_custom(40), method="cfg", score="exact")
    with pytest.raises(SelectionError) as err:
        Lab().resolve(big)
    notices += [unusable_mixture_notice(err.value), unknown_lesson_notice("x")]
    assert notices[-2:] == [f"the link's mixture could not be used ({err.value}); showing the default view",
                            "unknown lesson 'x': showing the default view"]  # the English lines as before
    for line in notices:  # each in Korean, the mixture's reason too: no English sentence left
        ko = explain(line, "ko")
        assert any("\uac00" <= ch <= "\ud7a3" for ch in ko) and not any(
            words in ko for words in ("could not", "not valid", "the lab", "showing")), (line, ko)


def test_direct_api_calls_share_one_stateless_session():
    """A direct API call that names no session gets the shared stateless one (gradio would build the whole page's
    config for each such call, ~15 ms of the server per cached /toy); one that names its session keeps it, and the
    body's length header follows the rewritten body."""
    import asyncio

    from ui.guard import STATELESS_SESSION, Guard

    seen = []

    async def app(scope, receive, send):
        message = await receive()
        seen.append((dict(scope["headers"]), json.loads(message["body"])))

    def call(path, payload):
        body = json.dumps(payload).encode()
        scope = {"type": "http", "method": "POST", "path": path, "query_string": b"",
                 "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}
        asyncio.run(Guard(app, api_params={"toy": ["a", "b"]})(scope, receive, None))
        return seen[-1]

    headers, got = call("/gradio_api/run/toy", {"data": [1, 2]})
    assert got["session_hash"] == STATELESS_SESSION and got["data"] == [1, 2]
    assert int(headers[b"content-length"]) == len(json.dumps(got).encode())
    assert call("/gradio_api/run/toy", {"data": [1, 2], "session_hash": "mine"})[1]["session_hash"] == "mine"
    assert "session_hash" not in call("/gradio_api/call/toy", {"data": [1, 2]})[1]  # the queue: gradio's own
