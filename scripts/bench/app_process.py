"""`python app.py` as a child process for the benchmarks: launched on a loopback port with its output in a log file,
returned once it answers HTTP 200 (the page serves while the warm-up runs)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_app(port: int, log: Path, checkpoints: Path | None = None,
              limit: float = 120.0) -> tuple[subprocess.Popen, float, float]:
    """(process, launch time on perf_counter, seconds to the first HTTP 200); checkpoints: CFG_CHECKPOINT_DIR."""
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    if checkpoints is not None:
        env["CFG_CHECKPOINT_DIR"] = str(checkpoints)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    while time.perf_counter() - t0 < limit:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).status == 200:
                return proc, t0, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"app did not start within {limit:.0f} s")
