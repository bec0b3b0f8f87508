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


@pytest.fixture(params=[101, 202])
def unseen_json(request, tmp_path) -> Path:
    """Path to a random mixture JSON file the code has not seen before."""
    path = tmp_path / f"unseen_{request.param}.json"
    path.write_text(json.dumps(random_mixture_spec(request.param)))
    return path


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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium via Playwright, one per test module (the modules skip themselves without it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
