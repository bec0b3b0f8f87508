"""Issue 13's regression tests: names never reach a path, 127.0.0.1 by default, every bad input one line,
atomic writes, broken checkpoint records retrained, cancellable one-at-a-time training, Spaces start-up."""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from cfg_core.atomic import atomic_path, check_writable
from cfg_core.checkpoint import RECORD, WEIGHTS, CheckpointError, load_checkpoint, save_checkpoint
from cfg_core.mixture_json import MixtureError, load_mixture_file, mixture_from_dict, parse_mixture_json
from cfg_core.toy.pretrained import default_checkpoint, load_trained_mixture
from cfg_core.toy.training import MixtureTrainConfig, TrainingCancelled, train_mixture
from explainer.encode import coord_scale, decode_deltas, encode_deltas
from explainer.lab.registry import MAX_CUSTOM, ModelRegistry
from explainer.lab.selection import Selection
from explainer.lab.train_job import SPACE_MAX_STEPS, TrainingJobs, training_config

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"name": "mine", "classes": ["a", "b"],
        "components": [{"mean": [0, 0], "cov": [[1, 0], [0, 1]], "weight": 1, "class": 0},
                       {"mean": [2, 1], "cov": [[0.4, 0], [0, 0.4]], "weight": 2, "class": 1}]}
TINY = MixtureTrainConfig(steps=20, classifier_steps=10, batch_size=64)


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "cfg_core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_exit_2(r):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


# --- 1. names never reach a file path -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../evil", "a/b", "a\\b", "..", "x\x00y", "tab\there", "n" * 81])
def test_bad_names_are_refused(name):
    with pytest.raises(MixtureError, match="name"):
        mixture_from_dict({**GOOD, "name": name})
    with pytest.raises(MixtureError, match="class name"):
        mixture_from_dict({**GOOD, "classes": ["a", name]})


@pytest.mark.slow  # renders an animation (~8 s)
def test_dotdot_name_in_a_link_writes_no_file_outside_the_temp_folder(tmp_path, monkeypatch):
    gr = pytest.importorskip("gradio")
    import ui.lab as ui_lab

    mix = base64.urlsafe_b64encode(json.dumps({**GOOD, "name": "../../../" + str(tmp_path / "pwned")}).encode())
    sel, _ = Selection.from_query({"dataset": "custom", "mix": mix.decode()})
    with pytest.raises(gr.Error, match="name must be printable"):  # the link's mixture is refused, one line
        ui_lab.make_animation("gif", *sel.values())
    ok = Selection(dataset="custom", custom_json=json.dumps({**GOOD, "name": "fine name"}), method="cfg", score="exact")
    value = ui_lab.make_animation("gif", *ok.values()).value
    out = Path(value["path"] if isinstance(value, dict) else getattr(value, "path", value))
    assert out.name == "cfg-lab-cfg-w2.gif" and out.read_bytes()[:3] == b"GIF"  # a fixed name, no user text
    assert list(ui_lab._ANIM_DIR[0].glob("*/cfg-lab-cfg-w2.gif"))  # written in the app's temp folder (gradio copies it)
    assert not list(tmp_path.glob("pwned*"))


def test_animation_folder_is_pruned(monkeypatch):
    import ui.lab as ui_lab

    first = ui_lab.animation_path("a.gif")
    first.write_bytes(b"x")
    old = time.time() - ui_lab.ANIM_MAX_AGE_S - 5
    os.utime(first, (old, old))
    ui_lab.animation_path("b.gif")
    assert not first.exists() and not first.parent.exists()


# --- 2. 127.0.0.1 by default; GRADIO_SERVER_NAME wins ------------------------------------------------------
def test_server_binds_localhost_unless_told(monkeypatch):
    pytest.importorskip("gradio")
    import app

    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert app.server_name() == "127.0.0.1"
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    assert app.server_name() == "0.0.0.0"
    assert "show_error=False" in (ROOT / "app.py").read_text()


@pytest.mark.slow  # starts app.py in a subprocess
def test_app_starts_as_on_spaces(tmp_path):
    """SPACE_ID set and GRADIO_SERVER_NAME=0.0.0.0, as Hugging Face Spaces runs app.py."""
    from conftest import free_port

    port = free_port()
    env = {**os.environ, "SPACE_ID": "user/cfg-explainer", "GRADIO_SERVER_NAME": "0.0.0.0",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(1)
        else:
            pytest.fail("the app did not start within 180 s")
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/info", timeout=30).read()
        assert b"toy" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- 3. training: cancellable, one at a time, capped on Spaces, custom models bounded -----------------------
def test_should_stop_stops_training_at_once():
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(TrainingCancelled):
        train_mixture(mixture_from_dict(GOOD), TINY, torch.Generator().manual_seed(0), should_stop=stop)
    assert len(calls) == 6


def test_training_jobs_one_at_a_time_and_cancel_frees_the_slot():
    registry = ModelRegistry()
    key = registry.add_custom(mixture_from_dict(GOOD))
    jobs = TrainingJobs(registry)
    slow = MixtureTrainConfig(steps=200_000, classifier_steps=10, batch_size=64)
    first = jobs.start(key, slow)
    updates = first.updates(poll=0.05)
    assert next(updates)[0] == "progress"
    second = jobs.start(key, TINY)
    kinds = [k for k, _ in (next(second.updates(poll=0.05)) for _ in range(2))]
    assert kinds == ["waiting", "waiting"]  # the first holds the slot
    first.cancel()
    assert [k for k, _ in updates][-1] == "cancelled"
    assert [k for k, _ in second.updates(poll=0.05)][-1] == "done"
    deadline = time.time() + 10
    while jobs.running() and time.time() < deadline:
        time.sleep(0.05)
    assert jobs.running() == 0


def test_a_client_that_goes_away_stops_its_training():
    registry = ModelRegistry()
    key = registry.add_custom(mixture_from_dict(GOOD))
    jobs = TrainingJobs(registry, idle_timeout=0.5)
    job = jobs.start(key, MixtureTrainConfig(steps=200_000, classifier_steps=10, batch_size=64))
    deadline = time.time() + 20  # nobody reads the updates: the worker gives up after idle_timeout
    while jobs.running() and time.time() < deadline:
        time.sleep(0.1)
    assert jobs.running() == 0


def test_space_caps_training_steps():
    config, note = training_config(4000, 2000, 0.1, space=True)
    assert config.steps == SPACE_MAX_STEPS and note == (SPACE_MAX_STEPS, config.classifier_steps)
    config, note = training_config(4000, 2000, 0.1, space=False)
    assert config.steps == 4000 and note is None
    with pytest.raises(ValueError):
        training_config(True, 10, 0.1, space=False)


def test_custom_mixtures_are_evicted_lru():
    registry = ModelRegistry()
    keys = []
    for i in range(MAX_CUSTOM + 3):
        keys.append(registry.add_custom(mixture_from_dict({**GOOD, "components": [
            {**GOOD["components"][0], "mean": [i, 0]}, GOOD["components"][1]]})))
    held = [k for k in registry._mixtures if k.startswith("custom-")]
    assert held == keys[-MAX_CUSTOM:]


# --- 4. deep JSON, huge integers, broken records -----------------------------------------------------------
@pytest.mark.slow  # two CLI subprocesses
def test_deep_json_and_huge_integer_are_one_line_errors(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    huge = json.dumps(GOOD).replace('"mean": [0, 0]', '"mean": [' + "9" * 400 + ", 0]")
    for text, match in ((deep, "nested too deeply"), (huge, "integer of 400 digits")):
        with pytest.raises(MixtureError, match=match) as err:
            parse_mixture_json(text)
        assert "\n" not in str(err.value)
        f = tmp_path / "m.json"
        f.write_text(text)
        r = cli("sample", "--dataset", f, "--label", "0", "--guidance", "cfg", "--w", "1", "--n", "4",
                "--score", "exact", "--out", tmp_path / "s.npz")
        assert_one_line_exit_2(r)
        assert match in r.stderr
    gr = pytest.importorskip("gradio")
    import ui.api as ui_api

    with pytest.raises(gr.Error, match="integer of 400 digits"):
        ui_api.toy(dataset="custom", mixture_json=huge)


def test_a_bad_link_falls_back_to_the_default_view():
    gr = pytest.importorskip("gradio")
    import ui.lab as ui_lab

    huge = json.dumps(GOOD).replace('"mean": [0, 0]', '"mean": [' + "9" * 400 + ", 0]")

    class Request:
        query_params = {"dataset": "custom", "mix": base64.urlsafe_b64encode(huge.encode()).decode()}

    values = ui_lab.restore_from_url(Request())
    n = len(Selection().values())  # then the canvas hints, the language, the caption, the toggled controls
    assert values[1] == "" and tuple(values[3:n]) == Selection().values()[3:]  # the default view, other controls fine


def test_devices_directories_and_unwritable_outputs(tmp_path):
    with pytest.raises(MixtureError, match="not a regular file"):
        load_mixture_file("/dev/zero")
    with pytest.raises(MixtureError, match="is a directory"):
        load_mixture_file(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError, match="is not a folder"):
        check_writable(tmp_path / "file" / "x.npz")
    r = cli("sample", "--dataset", "ring", "--label", "0", "--guidance", "cfg", "--w", "1", "--n", "4",
            "--out", tmp_path / "file" / "s.npz")
    assert_one_line_exit_2(r)
    assert "not a folder" in r.stderr


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    mix = mixture_from_dict(GOOD)
    from cfg_core.mixture_json import mixture_to_dict
    from cfg_core.toy.pretrained import save_trained_mixture

    out = tmp_path_factory.mktemp("ck") / "ck"
    save_trained_mixture(out, train_mixture(mix, TINY, torch.Generator().manual_seed(0)), mixture_to_dict(mix), {})
    return out


@pytest.mark.slow  # a CLI subprocess per case
@pytest.mark.parametrize("hidden", [-1, 10**12, 1e12, "x", True])
def test_broken_record_is_a_checkpoint_error(tmp_path, hidden):
    legacy = tmp_path / "ring"  # a pre-hash checkpoint (weights without their record's hash) with a hand-broken record
    shutil.copytree(default_checkpoint("ring"), legacy)
    from safetensors.torch import load_file, save_file

    from cfg_core.checkpoint import WEIGHTS
    save_file(load_file(legacy / WEIGHTS), legacy / WEIGHTS)  # no metadata: as checkpoints were before the hash
    rec = json.loads((legacy / RECORD).read_text())
    rec["modules"]["eps_model"]["hidden"] = hidden
    (legacy / RECORD).write_text(json.dumps(rec))
    with pytest.raises(CheckpointError, match="unusable module settings"):
        load_trained_mixture(legacy)
    r = cli("sample", "--dataset", "ring", "--checkpoint", legacy, "--label", "0", "--guidance", "cfg", "--w", "1",
            "--n", "4", "--out", tmp_path / "s.npz")
    assert_one_line_exit_2(r)


def test_broken_record_is_retrained_like_a_truncated_one(tmp_path):
    root = tmp_path / "cks"
    shutil.copytree(default_checkpoint("ring"), root / "ring")
    rec = json.loads((root / "ring" / RECORD).read_text())
    rec["modules"]["eps_model"]["hidden"] = -1
    (root / "ring" / RECORD).write_text(json.dumps(rec))
    registry = ModelRegistry(root)
    tm, _ = registry.trained_or_retrain("ring", TINY)
    assert tm is not None and tm.record["config"]["steps"] == TINY.steps


# --- 5. no clipping, --steps 0, w = True -------------------------------------------------------------------
def test_far_coordinates_are_encoded_without_clipping():
    x = np.array([[999.5, -1000.0], [0.001, 40.25]])
    scale = coord_scale(x)
    assert round(1000 * scale) <= 32767  # fits int16, so nothing is clipped
    back = decode_deltas(encode_deltas(x, [scale] * len(x)), x.shape) / scale
    assert np.abs(back - x).max() <= 0.5 / scale + 1e-9
    small = np.array([[1.234, -2.5]])
    assert coord_scale(small) == 1000.0


@pytest.mark.slow  # four CLI subprocesses
def test_zero_steps_and_boolean_w_are_refused(tmp_path):
    for extra in (("--steps", "0"), ("--steps", "-3"), ("--w", "True")):
        args = {"--w": "1", "--steps": "10"}
        args[extra[0]] = extra[1]
        r = cli("sample", "--dataset", "ring", "--label", "0", "--guidance", "cfg", "--n", "4",
                "--out", tmp_path / "s.npz", *[t for kv in args.items() for t in kv])
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert not (tmp_path / "s.npz").exists()
    with pytest.raises(ValueError, match="w must be"):
        Selection(w=True).validated()
    r = cli("train", "--dataset", "ring", "--out", tmp_path / "ck", "--steps", "0")
    assert_one_line_exit_2(r)


# --- 6. atomic writes --------------------------------------------------------------------------------------
def test_interrupted_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "s.npz"
    np.savez(out, x=np.ones(3))
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(out) as tmp:
            np.savez(tmp, x=np.zeros(10**5))
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-write
    assert np.array_equal(np.load(out)["x"], np.ones(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npz"]  # no temp file left


@pytest.mark.slow  # CLI subprocesses, one killed mid-write
def test_sample_killed_while_writing_leaves_a_valid_file(tmp_path):
    out = tmp_path / "s.npz"
    base = ["sample", "--dataset", "ring", "--label", "0", "--guidance", "cfg", "--w", "1", "--steps", "5",
            "--score", "exact", "--out", out]
    assert cli(*base, "--n", "4").returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "cfg_core", *map(str, base), "--n", "100000"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".s.npz.*")) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert np.load(out)["x"].shape in ((4, 2), (100000, 2))  # the old file or the whole new one, never half


def test_checkpoint_weights_and_record_change_together(tiny_checkpoint, tmp_path, monkeypatch):
    ck = tmp_path / "ck"
    shutil.copytree(tiny_checkpoint, ck)
    states, record = load_checkpoint(ck)
    import cfg_core.checkpoint as checkpoint

    real_replace = os.replace

    def fail_on_record(src, dst):  # the weights move, then the machine dies before the record moves
        if str(dst).endswith(RECORD):
            raise OSError("disk full")
        real_replace(src, dst)

    net = torch.nn.Linear(2, 2)
    monkeypatch.setattr(os, "replace", fail_on_record)
    with pytest.raises(OSError):
        save_checkpoint(ck, {"eps_model": net}, {**record, "note": "new"})
    monkeypatch.setattr(os, "replace", real_replace)
    with pytest.raises(CheckpointError, match="does not belong to"):
        load_checkpoint(ck)
    assert sorted(p.name for p in ck.iterdir()) == [RECORD, WEIGHTS]
    r = cli("sample", "--dataset", json_path(tmp_path), "--checkpoint", ck, "--label", "0", "--guidance", "cfg",
            "--w", "1", "--n", "4", "--out", tmp_path / "s.npz")
    assert_one_line_exit_2(r)  # never exit 0 with wrong samples


def json_path(tmp_path) -> Path:
    p = tmp_path / "mine.json"
    p.write_text(json.dumps(GOOD))
    return p
