"""The layout's rules hold: import-linter's contracts (.importlinter: layers ui -> explainer -> cfg_core, the
paper's core below the toy and MNIST tasks, the explainer's features independent, no gradio below ui/, no import
cycles), app.py only on top, and no module over 400 lines."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
pytest.importorskip("importlinter")


def _lint(config: Path, capsys) -> tuple[int, str]:
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return code, capsys.readouterr().out


def test_import_linter_contracts_hold(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out = _lint(ROOT / ".importlinter", capsys)
    assert code == 0, out
    assert "0 broken" in out and out.count("KEPT") == 6


def test_a_broken_contract_fails(tmp_path, capsys, monkeypatch):
    """The linter really checks: a contract the code breaks (the explainer importing cfg_core) is reported."""
    monkeypatch.chdir(ROOT)
    config = tmp_path / "broken.ini"
    config.write_text("[importlinter]\nroot_packages =\n    explainer\n    cfg_core\n\n"
                      "[importlinter:contract:x]\nname = explainer must not import cfg_core\ntype = forbidden\n"
                      "source_modules =\n    explainer\nforbidden_modules =\n    cfg_core\n")
    code, out = _lint(config, capsys)
    assert code != 0 and "BROKEN" in out


def test_nothing_but_app_imports_app_and_no_module_is_too_long():
    for path in [*ROOT.glob("cfg_core/**/*.py"), *ROOT.glob("explainer/**/*.py"), *ROOT.glob("ui/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= MAX_LINES, f"{path} has over {MAX_LINES} lines"
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            assert "app" not in names, f"{path} imports app.py (the top)"
