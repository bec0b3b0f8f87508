"""Shared fixtures: mixtures the code has never seen, built at random and handed over as JSON."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from cfg_core.random_mixture import random_mixture_spec  # noqa: E402
torch.set_num_threads(1)  # tiny tensors: one thread is many times faster than two contending ones
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


# The test tiers (pytest.ini): `pytest -m "not slow and not browser"` is the developer loop (a few minutes),
# CI (scripts/test.sh) runs everything. Whole tests are marked where they are written (pytestmark or
# @pytest.mark.slow); these are the single parameters of otherwise quick tests that are slow on their own.
SLOW_CASES = {
    "test_mixture.py::test_densities_integrate_to_one[two_squares-0.0]",  # a 500x500 grid x 288 components (~20 s)
    "test_mixture.py::test_densities_integrate_to_one[two_squares-None]",
    "test_mixture.py::test_tilting_raises_the_posterior_mass[two_squares]",  # three 150x150 grids of it (~5 s)
    "test_fit.py::test_fit_recovers_a_known_mixture[unseen_404]",  # EM with BIC on an unseen mixture (~5 s)
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if f"{item.path.name}::{item.name}" in SLOW_CASES:
            item.add_marker(pytest.mark.slow)
        if "browser" in getattr(item, "fixturenames", ()):  # a test that drives Chromium, wherever it is written
            item.add_marker(pytest.mark.browser)


@pytest.fixture(params=[101, 202])
def unseen_json(request, tmp_path) -> Path:
    """Path to a random mixture JSON file the code has not seen before."""
    path = tmp_path / f"unseen_{request.param}.json"
    path.write_text(json.dumps(random_mixture_spec(request.param)))
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """`python -m cfg_core ARGV` in this process: (exit status, stdout, stderr). For tests of what the command
    line parses, refuses and writes; a real subprocess only where the process is the point (test_cli*.py)."""
    from cfg_core.__main__ import main

    capsys.readouterr()  # drop what came before
    try:
        status = main([str(a) for a in argv])
    except SystemExit as done:  # main returns its status; an exit from deeper down is caught all the same
        status = done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    out = capsys.readouterr()
    return status, out.out, out.err


def one_line_error(capsys, argv) -> str:
    """Run the command line in-process; it must exit 2 with exactly one `error: ...` line on stderr (no usage,
    no traceback). Returns that line."""
    status, _, err = run_cli(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and lines[0].startswith("error: "), (status, lines)
    return lines[0]


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the app under test listens only on loopback)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """The app launched once in this process on a free loopback port; its URL."""
    import app

    demo = app.build_demo()
    _, url, _ = app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(),
                           quiet=True)
    try:
        yield url
    finally:
        demo.close()


CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium: the browser tests never download one
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def require_chromium():
    """A browser test module's first line: skip it without Debian's Chromium or Playwright, but fail under CI=true
    (CI installs Chromium; a silently skipped browser suite would pass)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing but CI=true: install Debian's chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium via Playwright, one per test module (the modules skip themselves without it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
