"""cfg_core.jsontext: every bad JSON from outside is one ValueError line, never a RecursionError."""
import pytest

from cfg_core import jsontext


@pytest.mark.parametrize("text, match", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("[" * 70 + "]" * 70, "nested too deeply"),  # decodes, but deeper than MAX_DEPTH
    ("{", "not valid JSON"),
    ("1" * 5000, "not valid JSON"),
    (None, "must be JSON text"),
    (["a"], "must be JSON text"),
    ("[]" + " " * 20, "at most 10 bytes"),
])
def test_bad_json_is_one_value_error(text, match):
    with pytest.raises(ValueError, match=match) as err:
        jsontext.loads(text, max_bytes=10 if match == "at most 10 bytes" else 8_000_000)
    assert "\n" not in str(err.value)


def test_good_json_and_depth():
    assert jsontext.loads('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert jsontext.depth(3) == 0 and jsontext.depth([]) == 1 and jsontext.depth({"a": [1, {"b": [2]}]}) == 4
