"""The layout's rules hold: no import cycles, imports only point downwards, no module over 400 lines."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_layers.py"


def _checker():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_layers_hold():
    assert _checker().problems() == []


def test_checker_sees_cycles_and_upward_imports():
    check = _checker()
    assert check.cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b", "a"]]
    assert check.layer("cfg_core.guidance") < check.layer("cfg_core.toy.cli") < check.layer("explainer.views")
    assert check.layer("explainer.views") < check.layer("ui.lab") < check.layer("app")
