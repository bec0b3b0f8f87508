"""The registry drives every surface: each menu, list and plot names only registry methods, every method the
registry puts on a surface is there, and adding one (CFG-Zero*) needed no edit outside the registry."""
import re
from pathlib import Path

from cfg_core import methods
from cfg_core.mnist import variants
from cfg_core.mnist.sweep import MNIST_SWEEP_METHODS
from explainer.lab import warmup
from explainer.lab.selection import CHOICES, COMBOS, PAIRS, REFERENCES, SINGLE
from explainer.lab.views import TRADEOFF_METHODS

ROOT = Path(__file__).resolve().parent.parent


def _names(choice: str) -> list[str]:
    return [PAIRS[choice][0]] if choice in PAIRS else choice.split("|")


def test_every_surface_names_only_registry_methods():
    lists = {"lab": CHOICES, "mnist tab": variants.tab_choices(), "trade-off": TRADEOFF_METHODS,
             "warm-up": warmup.WARM_METHODS, "2D sweep": methods.SWEEP_METHODS, "MNIST sweep": MNIST_SWEEP_METHODS,
             "references": tuple(REFERENCES.values())}
    for surface, choices in lists.items():
        for choice in choices:
            assert all(name in variants.NAMES for name in _names(choice)), (surface, choice)


def test_every_method_the_registry_puts_on_a_surface_is_there():
    assert set(SINGLE) == set(methods.on("lab")) and set(TRADEOFF_METHODS) == set(methods.on("tradeoff"))
    assert set(methods.on("mnist", variants.NAMES)) <= set(variants.tab_choices())
    for name, entry in methods.METHODS.items():
        for left in entry.compare:
            if "lab" in entry.surfaces and left in SINGLE:
                assert f"{left}|{name}" in COMBOS
    assert set(methods.on("lab")) <= set(warmup.WARM_METHODS) and "cg_clean" in warmup.WARM_METHODS
    assert warmup.as_choice("cg_clean") == ("cg", "clean") and warmup.as_choice("cfg") == ("cfg", "noisy")


def test_cfg_zero_reaches_cli_lab_and_mnist_from_its_registry_entry():
    from cfg_core.__main__ import build_parser

    sample = next(a for a in build_parser()._subparsers._group_actions[0].choices["sample"]._actions  # noqa: SLF001
                  if "--guidance" in a.option_strings)
    assert "cfg_zero" in sample.choices
    assert "cfg_zero" in SINGLE and "cfg|cfg_zero" in COMBOS and "cfg_zero" in TRADEOFF_METHODS
    assert "cfg_zero" in variants.tab_choices() and "cfg|cfg_zero" in variants.tab_choices()


def test_one_colour_per_method():
    colours = [m.colour.lower() for m in variants.NAMES.values()]
    assert len(colours) == len(set(colours))


def test_surfaces_are_known_and_notes_are_words():
    from explainer.i18n import t

    for name, entry in variants.NAMES.items():
        assert set(entry.surfaces) <= set(methods.SURFACES), name
        note = getattr(entry, "note", None)
        if note:
            assert t("en", note) and t("ko", note) != t("en", note)


def test_no_method_list_is_kept_by_hand_in_python():
    """No tuple of three or more registry names written out in the app's code (the registry is the list)."""
    names = "|".join(sorted(map(re.escape, variants.NAMES), key=len, reverse=True))
    literal = re.compile(rf'\(\s*"(?:{names})"\s*,\s*"(?:{names})"\s*,\s*"(?:{names})"')
    for path in [*ROOT.glob("explainer/**/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        assert not literal.search(path.read_text(encoding="utf-8")), path


def test_the_browser_never_tests_a_method_name():
    """The canvas scripts read flags and words from the payload: no registry name in quotes, no startsWith("cg")."""
    names = "|".join(sorted(map(re.escape, variants.NAMES), key=len, reverse=True))
    quoted = re.compile(rf"""["'`]({names})["'`]""")
    for path in (ROOT / "ui" / "static").glob("*.js"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "display" not in line:  # CSS's display "none" is no method
                assert not quoted.search(line), (path.name, line.strip())
