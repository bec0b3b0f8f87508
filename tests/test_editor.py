"""The mixture table editor's rows round-trip through the JSON mixture format; bad cells say which row."""
import pytest
import torch

from cfg_core.mixture_json import MixtureError, load_mixture, mixture_from_dict, mixture_to_dict
from explainer.lab.editor import rows_to_spec, spec_to_rows


def test_table_roundtrip():
    mix = load_mixture("three_gaussians")
    spec = mixture_to_dict(mix)
    back = mixture_from_dict(rows_to_spec(spec_to_rows(spec), ", ".join(spec["classes"])))
    assert torch.allclose(back.means, mix.means)
    with pytest.raises(MixtureError, match="row 1"):
        rows_to_spec([["a", 0, 1, 0, 1, 1, 0]], "A")
    assert rows_to_spec([[None] * 7, ["", "", "", "", "", "", ""]], "A")["components"] == []
