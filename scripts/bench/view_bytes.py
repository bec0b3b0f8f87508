"""Bytes on the wire for each lab lesson's view: the view file as the server stores and sends it (gzip of its JSON,
explainer/view_files.py), next to the JSON text itself. Prints a Markdown table (issue 26's target: <= 150 kB).

Usage: python scripts/bench/view_bytes.py
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from explainer.lab.lessons import LESSONS  # noqa: E402
from explainer.lab.service import Lab  # noqa: E402


def main() -> None:
    lab = Lab()
    print("| lesson | panels (sampler) | JSON text | gzip on the wire |\n|---|---|---|---|")
    for lesson in LESSONS:
        if lesson.selection is None:
            continue
        view, _ = lab.view(lesson.selection)
        text = view.json_text
        panels = ", ".join(f"{p.spec.method} ({p.spec.sampler})" for p in view.panels)
        print(f"| {lesson.key} | {panels} | {len(text) / 1e3:.0f} kB | "
              f"{len(gzip.compress(text.encode(), compresslevel=6, mtime=0)) / 1e3:.0f} kB |", flush=True)


if __name__ == "__main__":
    main()
