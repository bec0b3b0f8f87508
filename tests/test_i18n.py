"""The one catalog: both languages carry every key; the registry's methods all have words; the language switch
relabels every bound component as {component: update}; a Korean browser gets Korean unless the URL says otherwise."""
import json

import pytest

from cfg_core.mnist.variants import NAMES
from explainer.i18n import method_short, method_title, pick_language, short_in, t
from explainer.lab.selection import CHOICES, choice_label
from explainer.words import LOCALES, catalog


def test_unknown_language_gets_english():
    assert t("xx", "w") == t("en", "w") and t("ko", "w") != t("en", "w")


def test_every_registry_method_has_words_and_english_matches_the_registry():
    """methods.json in English is the registry's own words (they cannot drift apart); Korean names every method."""
    english = json.loads((LOCALES / "en" / "methods.json").read_text(encoding="utf-8"))
    for name, entry in NAMES.items():
        assert english[f"{name}.short"] == entry.short and english[f"{name}.title"] == entry.title
        assert method_short("en", name) == entry.short
        assert f"methods.{name}.short" in catalog("ko") and f"methods.{name}.title" in catalog("ko")
        assert method_title("ko", name) != entry.title or entry.title.isascii() is False
    assert short_in("ko", "score scaling") == method_short("ko", "scaled") and short_in("ko", "x") == "x"


def test_method_menus_are_in_the_readers_language():
    ko = [choice_label(c, "ko") for c in CHOICES]
    assert len(set(ko)) == len(ko)
    assert "스코어 스케일링 (기준선)" in ko and "CFG 대 CG" in ko
    assert choice_label("cfg|cg") == "CFG vs CG"


@pytest.fixture(scope="module")
def demo():
    import app

    return app.build_demo()


def test_language_switch_relabels_every_bound_component(demo):
    """set_language answers {component: update}; every bound component gets one, and a Korean label differs from
    the English one wherever the catalog says so."""
    from ui import words
    from ui.lab import set_language

    hints, caption = object(), object()
    out = set_language("ko", '{"lang": "en"}', hints, caption)
    assert json.loads(out[hints])["lang"] == "ko"
    bound = words.components()
    assert len(bound) > 60 and all(c in out for c in bound)
    labels = [u.get("label") for c, u in out.items() if isinstance(u, dict) and u.get("label")]
    assert any("가이던스 가중치" in label for label in labels)
    english = words.relabel("en")
    changed = sum(english[c] != out[c] for c in bound)
    assert changed > 0.8 * len(bound)


def test_pick_language():
    assert pick_language(None, "ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert pick_language("en", "ko-KR") == "en" and pick_language("ko", None) == "ko"
    assert pick_language("fr", "en-US,en") == "en" and pick_language(None, "") == "en"


def test_a_second_build_leaves_the_first_apps_language_switch_alone():
    """Tests build several apps in one process: a later build must not make an earlier app's switch answer with
    the later app's components (Gradio refuses an update for a component that is not an output)."""
    import app

    first = app.build_demo()
    app.build_demo()
    switch = max(first.fns.values(), key=lambda fn: len(fn.outputs))  # the language switch relabels the most
    out = switch.fn("ko", '{"lang": "en"}')
    assert len(out) > 60 and set(map(id, out)) <= set(map(id, switch.outputs))
