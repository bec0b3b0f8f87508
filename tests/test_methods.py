"""The method registry: every entry builds its strategy, samples as documented, and bad names fail loudly."""
import pytest
import torch

from cfg_core import methods
from cfg_core.exact import ExactClassifier, ExactEps
from cfg_core.guidance import ClassifierFree, ClassifierGuided, NoGuidance, ScoreScaled
from cfg_core.mixture_json import load_mixture
from cfg_core.samplers import SamplerConfig


@pytest.fixture(scope="module")
def models():
    mix = load_mixture("three_gaussians")
    return methods.GuidanceModels(ExactEps(mix), ExactClassifier(mix), ExactClassifier(mix, clean=True),
                                  eps_bad=ExactEps(mix))


def test_every_entry_builds_a_strategy_with_eps_hat(models):
    z = torch.randn(7, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for name, method in methods.METHODS.items():
        strategy = methods.make_strategy(name, models, 1, 1.5)
        assert strategy.eps_hat(z, 0.0).shape == z.shape, name
        assert method.title and method.short and method.colour.startswith("#")


def test_entries_are_the_strategies_they_say(models):
    assert isinstance(methods.make_strategy("cfg", models, 0, 2.0), ClassifierFree)
    assert isinstance(methods.make_strategy("scaled", models, 0, 2.0), ScoreScaled)
    assert isinstance(methods.make_strategy("none", models, 0, 2.0), NoGuidance)
    cg, clean = methods.make_strategy("cg", models, 0, 2.0), methods.make_strategy("cg_clean", models, 0, 2.0)
    assert isinstance(cg, ClassifierGuided) and cg.classifier is models.classifier_noisy
    assert clean.classifier is models.classifier_clean
    assert methods.make_strategy("cg", models, 0, 2.0, "unconditional").classifier_scale == 3.0


def test_reduced_noise_is_ancestral_with_tau_tied_to_w():
    reduced = methods.get("reduced")
    config = reduced.sampler(SamplerConfig(kind="ddim", steps=10), 3.0)
    assert config.kind == "ddpm" and config.noise_scale == pytest.approx(0.25) and not reduced.batches_w
    assert methods.get("cfg").sampler(SamplerConfig(steps=10), 3.0) == SamplerConfig(steps=10)


def test_a_column_of_w_guides_each_row_with_its_own_w(models):
    z = torch.randn(4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    w_col = torch.tensor([[0.0], [1.0], [2.0], [5.0]], dtype=torch.float64)
    batched = methods.make_strategy("cfg", models, 2, w_col).eps_hat(z, -1.0)
    for i in range(4):
        one = methods.make_strategy("cfg", models, 2, float(w_col[i])).eps_hat(z[i:i + 1], -1.0)
        assert torch.allclose(batched[i], one[0])


def test_bad_names_and_values_fail_loudly(models):
    with pytest.raises(ValueError, match="unknown guidance method 'pcg'; choose one of none, cfg"):
        methods.make_strategy("pcg", models, 0, 1.0)
    with pytest.raises(ValueError, match="needs the noisy classifier"):
        methods.make_strategy("cg", methods.GuidanceModels(models.eps_model), 0, 1.0)
    with pytest.raises(ValueError, match="cg base"):
        methods.make_strategy("cg", models, 0, 1.0, "sideways")
    with pytest.raises(ValueError, match="w must"):
        methods.make_strategy("cfg", models, 0, float("nan"))
    with pytest.raises(ValueError, match="batch of w"):
        methods.make_strategy("cfg", models, 0, torch.tensor([[1.0], [-1.0]]))
    assert methods.with_classifier("cg", "clean") == "cg_clean" and methods.with_classifier("cfg", "clean") == "cfg"
