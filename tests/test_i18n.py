"""Both languages carry every key; a Korean browser gets Korean unless the URL says otherwise."""
from explainer.i18n import LANGUAGES, TEXT, pick_language, t


def test_every_key_in_every_language():
    keys = set(TEXT["en"])
    for lang in LANGUAGES:
        assert set(TEXT[lang]) == keys and all(TEXT[lang][k] for k in keys)
    assert t("xx", "w") == TEXT["en"]["w"]


def test_pick_language():
    assert pick_language(None, "ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert pick_language("en", "ko-KR") == "en" and pick_language("ko", None) == "ko"
    assert pick_language("fr", "en-US,en") == "en" and pick_language(None, "") == "en"
