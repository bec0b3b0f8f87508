"""`python app.py --mcp`: the API as MCP tools. An MCP client lists the tools (toy, mnist, exact_score) and calls
exact_score, checked against the mixture's closed form (autograd of the exact log density, another route than
the analytic score); a bad argument is one error line."""
import ast
import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch

pytest.importorskip("mcp")
from conftest import free_port  # noqa: E402

from cfg_core.mixture_json import load_preset  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # starts `python app.py --mcp` in a subprocess


@pytest.fixture(scope="module")
def mcp_url():
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "app.py", "--mcp"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                assert proc.poll() is None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/gradio_api/mcp/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _session_run(url, calls):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def run():
        async with streamablehttp_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                results = [await session.call_tool(name, args) for name, args in calls]
                return tools.tools, results
    return asyncio.run(run())


def test_tools_are_listed_and_exact_score_is_the_closed_form(mcp_url):
    pts = [[0.3, -0.2], [1.5, 2.0]]
    tools, (good, bad) = _session_run(mcp_url, [
        ("exact_score", {"points": str(pts), "lam": 0.5, "label": 1, "w": 2.0}),
        ("exact_score", {"points": str(pts), "lam": 0.5, "label": 9, "w": 2.0})])
    by_name = {t.name: t for t in tools}
    assert {"toy", "mnist", "exact_score"} <= set(by_name)
    schema = by_name["exact_score"].inputSchema["properties"]
    assert "guidance_scale = 1 + w" in by_name["exact_score"].description and "log-SNR" in schema["lam"]["description"]
    assert not good.isError
    out = ast.literal_eval(good.content[0].text)
    mix = load_preset("three_gaussians")
    z = torch.tensor(pts, dtype=torch.float64, requires_grad=True)
    cond, = torch.autograd.grad(mix.log_prob(z, 0.5, 1).sum(), z)
    uncond, = torch.autograd.grad(mix.log_prob(z, 0.5, None).sum(), z)
    assert torch.allclose(torch.tensor(out["score_conditional"], dtype=torch.float64), cond, atol=1e-6)
    assert torch.allclose(torch.tensor(out["score_guided"], dtype=torch.float64), 3 * cond - 2 * uncond, atol=1e-6)
    sigma = torch.sigmoid(torch.tensor(-0.5, dtype=torch.float64)).sqrt()
    assert torch.allclose(torch.tensor(out["eps_conditional"], dtype=torch.float64), -sigma * cond, atol=1e-6)
    assert out["guidance_scale"] == 3.0 and abs(sum(out["posterior"][0]) - 1) < 1e-6
    assert bad.isError and "label must be a class index in [0, 2], got 9" in bad.content[0].text
