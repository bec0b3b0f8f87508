"""Check the layer rules of the layout (README): no import cycles among the project's modules, imports only
point downwards (cfg_core core <- cfg_core/toy, cfg_core/mnist <- explainer <- ui <- app), no module over 400 lines.

    python scripts/check_layers.py      # exit 1 and a list of violations, or "layers OK"
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cfg_core", "explainer", "ui")
MAX_LINES = 400


def layer(module: str) -> int:
    """0 = the paper (cfg_core core), 1 = cfg_core.toy / cfg_core.mnist, 2 = explainer, 3 = ui, 4 = app/CLI."""
    if module in ("app", "cfg_core.__main__"):
        return 4
    if module.startswith("ui"):
        return 3
    if module.startswith("explainer"):
        return 2
    if module.startswith(("cfg_core.toy", "cfg_core.mnist")):
        return 1
    return 0


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n in known}
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    return found


def problems() -> list[str]:
    mods = modules()
    graph = {m: imports(p, set(mods)) - {m} for m, p in mods.items()}
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}  # a package's own __init__
    out = [f"cycle: {' -> '.join(c)}" for c in cycles(graph)]
    out += [f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})" for m, deps in graph.items() for d in deps
            if layer(d) > layer(m)]
    out += [f"{p.relative_to(ROOT)}: {n} lines > {MAX_LINES}" for p in mods.values()
            if (n := len(p.read_text().splitlines())) > MAX_LINES]
    return out


if __name__ == "__main__":
    found = problems()
    print("\n".join(found) if found else "layers OK")
    sys.exit(1 if found else 0)
