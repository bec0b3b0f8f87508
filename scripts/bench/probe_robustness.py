"""Rerun the security issue's kinds of probes against a fresh `python app.py` and report the counts as JSON.

Probes (all traffic to 127.0.0.1): bad values in a share link (every link field x overflow, non-ASCII digits,
underscores, NaN, out of range, junk), deeply nested and huge JSON, bad /toy and /mnist arguments over HTTP,
by-name calls of every UI event, over-long links; then mixed traffic for --minutes (cached and new /toy views,
custom mixtures, /mnist grids, bad requests) while the server's memory (RSS) is sampled.
Counted: inputs tried, crashes (HTTP 5xx that is not our one-line error, or a dead server), tracebacks in the
server's log, silent acceptances (a bad value answered as if it were good), files left in the temp folder.

Usage: python scripts/bench/probe_robustness.py [--minutes 60] [--port 7893] [--out docs/results/probe_robustness.json]
Run it with nothing else running: the soak's request counts depend on the CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from explainer.lab.selection import Selection  # noqa: E402
from explainer.lab.selection import fields as _fields  # noqa: E402
from ui.guard import API_NAMES  # noqa: E402

BAD_NUMBERS = ["1e309", "inf", "-inf", "nan", "1e400", "1_0", "３", "٣", "0x10", "", "abc", "-1", "99999999999"]
DEEP = "[" * 100_000 + "]" * 100_000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def every(samples: list[tuple[float, float]], seconds: float) -> list[int]:
    """The RSS (MB) of the first sample at or after each multiple of `seconds` into the soak."""
    out, mark = [], 0.0
    for t, mb in samples:
        if t - samples[0][0] >= mark:
            out.append(round(mb))
            mark += seconds
    return out


def call(url: str, path: str, data=None, timeout: float = 300.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url + path, data=None if data is None else json.dumps({"data": data}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        r = urllib.request.urlopen(req, timeout=timeout)
        return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def one_line_error(status: int, body: bytes) -> bool:
    """Our refusals: gradio answers a gr.Error with 500 and {"error": one line}; the guard with 404/414."""
    if status in (404, 414):
        return True
    try:
        err = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(err, str) and bool(err) and "\n" not in err


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--port", type=int, default=7893)
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    tmp_before = set(os.listdir(tempfile.gettempdir()))
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    env = {**os.environ, "GRADIO_SERVER_PORT": str(args.port), "GRADIO_ANALYTICS_ENABLED": "False",
           "NO_PROXY": "127.0.0.1,localhost"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}"
    counts = {"tried": 0, "crashes": 0, "silent_acceptances": 0, "refused_one_line": 0}
    examples: list[str] = []
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        rss_start = rss_mb(proc.pid)

        def expect_refusal(what: str, status: int, body: bytes) -> None:
            counts["tried"] += 1
            if status >= 500 and not one_line_error(status, body) or proc.poll() is not None:
                counts["crashes"] += 1
                examples.append(f"crash: {what}: {status} {body[:120]!r}")
            elif status == 200:
                counts["silent_acceptances"] += 1
                examples.append(f"accepted: {what}")
            else:
                counts["refused_one_line"] += 1

        # 1. links: each field with each bad value falls back with a notice (in-process: the page's restore)
        for f in _fields(Selection):
            if f.name == "custom_json":
                continue
            signed = f.name in ("lam", "lam_lo", "lam_hi")  # -1 is a valid log-SNR
            for bad in [b for b in BAD_NUMBERS if not (signed and b == "-1")] + ["<img src=x onerror=alert(1)>"]:
                counts["tried"] += 1
                try:
                    sel, notices = Selection.from_query({f.name: bad})
                except Exception as err:  # a crash of the page's restore
                    counts["crashes"] += 1
                    examples.append(f"crash: link {f.name}={bad!r}: {type(err).__name__}")
                    continue
                if notices:
                    counts["refused_one_line"] += 1
                elif getattr(sel, f.name) != getattr(Selection(), f.name):
                    counts["silent_acceptances"] += 1
                    examples.append(f"accepted: link {f.name}={bad!r}")
                else:
                    counts["refused_one_line"] += 1  # unchanged default (e.g. an empty value)
        # 2. /toy and /mnist arguments over HTTP
        good_toy = ["three_gaussians", 0, "cfg", 2.0, "ddim", "learned", "noisy", 0, ""]
        for i, bads in enumerate([["nope", DEEP[:1000]], [1e309, -1, 0.5, "x", True, 64], ["cfg|cg", "bogus", 1],
                                  [float("nan"), -1, 11, "w"], ["sde", "x"], ["magic", 3], ["dirty", 2],
                                  [-1, 2**40, 0.5, "x"], [DEEP, "{", "[1]"]]):
            for bad in bads:
                data = list(good_toy)
                data[i] = bad
                if i == 8 and bad:
                    data[0] = "custom"
                try:
                    status, body = call(url, "/gradio_api/run/toy", data)
                except ValueError:  # NaN cannot be sent as JSON: send it as gradio's client would, as text
                    status, body = call(url, "/gradio_api/run/toy", [str(v) for v in data])
                expect_refusal(f"/toy arg {i} = {str(bad)[:30]!r}", status, body)
        for bad in ([11, "cfg", 2.0, 0], [3, "bogus", 2.0, 0], [3, "cfg", 1e309, 0], [3, "cfg", 2.0, -5],
                    ["x", "cfg", 2.0, 0]):
            status, body = call(url, "/gradio_api/run/mnist", bad)
            expect_refusal(f"/mnist {bad}", status, body)
        # 3. every UI event by name, and over-long links
        config = json.loads(call(url, "/config")[1])
        names = {d.get("api_name") for d in config.get("dependencies", []) if d.get("api_name")}
        for name in sorted(names - API_NAMES):
            status, body = call(url, f"/gradio_api/call/{name}", [])
            expect_refusal(f"by name /{name}", status, body)
        for name in sorted(API_NAMES):  # the API with the wrong number of values
            status, body = call(url, f"/gradio_api/call/{name}", [1])
            expect_refusal(f"/{name} with one value", status, body)
        for n in (70_000, 200_000):
            try:
                status, body = call(url, "/?dataset=custom&mix=" + "A" * n)
            except (ConnectionError, urllib.error.URLError) as err:  # uvicorn may drop a giant request line
                status, body = 400, str(err).encode()
            expect_refusal(f"link of {n} chars", status, body)
        probes = dict(counts)
        # 4. the soak: mixed traffic, memory sampled
        rng, t_end, samples, served = random.Random(0), time.time() + 60 * args.minutes, [], 0
        presets = ["three_gaussians", "two_overlapping", "ring", "near_far"]
        while time.time() < t_end and proc.poll() is None:
            kind = rng.random()
            if kind < 0.5:  # cached and new lab views
                data = [rng.choice(presets), 0, rng.choice(["cfg", "cg", "scaled", "none"]), rng.choice([0, 1, 3]),
                        "ddim", rng.choice(["learned", "exact"]), "noisy", rng.randrange(3 if kind < 0.3 else 10**6), ""]
            elif kind < 0.7:  # a custom mixture (new each time: exercises the custom caches)
                spec = {"name": f"m{rng.randrange(10**6)}", "classes": ["a", "b"],
                        "components": [{"mean": [rng.uniform(-2, 2), rng.uniform(-2, 2)], "cov": [[0.3, 0], [0, 0.3]],
                                        "weight": 1, "class": k % 2} for k in range(4)]}
                data = ["custom", rng.randrange(2), "cfg", 2.0, "ddim", "exact", "noisy", 0, json.dumps(spec)]
            elif kind < 0.85:
                status, _ = call(url, "/gradio_api/run/mnist", [rng.randrange(10), "cfg", rng.choice([0, 2, 5]),
                                                                 rng.randrange(5)])
                served += status == 200
                samples.append((time.time(), rss_mb(proc.pid)))
                continue
            else:  # bad requests mixed in
                data = [rng.choice(presets), rng.choice([-1, 99]), "cfg", rng.choice([1e300, -3]), "ddim", "x",
                        "noisy", 0, DEEP[: rng.randrange(1000)]]
            try:
                status, _ = call(url, "/gradio_api/run/toy", data)
            except OSError as err:  # the server went away: that is a crash, and the end of the soak
                counts["crashes"] += 1
                examples.append(f"crash: the server stopped answering ({type(err).__name__})")
                break
            served += status == 200
            samples.append((time.time(), rss_mb(proc.pid)))
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    log.seek(0)
    text = log.read()
    time.sleep(1)
    left = sorted(name for name in set(os.listdir(tempfile.gettempdir())) - tmp_before - {Path(log.name).name}
                  if name.startswith(("cfg-", "gradio", "tmp")))  # what the app makes (others: other programs)
    report = {"probes": probes, "soak_crashes": counts["crashes"] - probes["crashes"], "examples": examples[:20], "tracebacks_in_server_log": text.count("Traceback"),
              "server_alive_after_soak": alive, "soak_minutes": args.minutes, "soak_requests_served": served,
              "rss_mb": {"start": round(rss_start), "after_probes": round(samples[0][1]) if samples else None,
                         "max": round(max(s[1] for s in samples)) if samples else None,
                         "end": round(samples[-1][1]) if samples else None,
                         "every_5_min": every(samples, 300)},
              "temp_entries_left_after_sigterm": left}
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    os.unlink(log.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
