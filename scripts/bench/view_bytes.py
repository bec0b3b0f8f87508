"""Bytes on the wire for each lab lesson's view: the view file as the server sends it to a browser (brotli:
quality 11 for the baked lessons, toy_data/lessons/; BROTLI_FAST for a view made while someone waits) and to a
client without brotli (gzip), next to the JSON text itself (explainer/view_files.py). Prints a Markdown table
(issue 26's target: <= 150 kB per lesson click, this file and about 15 kB of the page's events).

Usage: python scripts/bench/view_bytes.py
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from explainer.lab.lessons import LESSONS  # noqa: E402
from explainer.lab.service import Lab  # noqa: E402
from explainer.view_files import compress_br  # noqa: E402


def main() -> None:
    lab = Lab()
    print("| lesson | panels (sampler) | JSON text | brotli 11 (baked) | brotli fast (new view) | gzip (fallback) |\n"
          "|---|---|---|---|---|---|")
    for lesson in LESSONS:
        if lesson.selection is None:
            continue
        view, _ = lab.view(lesson.selection)
        text = view.json_text
        panels = ", ".join(f"{p.spec.method} ({p.spec.sampler})" for p in view.panels)
        sizes = [len(compress_br(text, 11)), len(compress_br(text)), len(gzip.compress(text.encode(), 6, mtime=0))]
        print(f"| {lesson.key} | {panels} | {len(text) / 1e3:.0f} kB | " + " | ".join(f"{n / 1e3:.0f} kB" for n in sizes)
              + " |", flush=True)


if __name__ == "__main__":
    main()
