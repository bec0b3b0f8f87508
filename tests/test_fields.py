"""The drawn fields against exact answers: CFG's implicit classifier and CG's classifier gradient are grad log p(c|z)."""
import torch

from cfg_core.mixture_json import load_mixture
from explainer.lab.fields import classifier_field, plain_fields, posterior_map
from explainer.lab.geometry import field_points, view_extent
from explainer.lab.views import PanelSpec


def test_implicit_and_classifier_fields_equal_the_exact_posterior_gradient():
    mix = load_mixture("three_gaussians")
    points = field_points(view_extent(mix), 9)
    for lam in (-3.0, 0.0, 2.5):
        spec = PanelSpec("three_gaussians", 1, "cfg", score="exact", field_lam=lam)
        truth = mix.grad_log_posterior(points, lam, 1)  # [P, 2]
        assert torch.allclose(plain_fields(mix, None, spec, points)["implicit"], truth, atol=1e-8)
        cg = PanelSpec("three_gaussians", 1, "cg", score="exact", field_lam=lam)
        assert torch.allclose(classifier_field(mix, None, cg, points), truth, atol=1e-8)


def test_posterior_map_is_the_exact_posterior_on_cell_centres():
    mix = load_mixture("two_overlapping")
    grid = posterior_map(mix, 0, -1.0, (-2.0, 2.0, -2.0, 2.0), res=4)  # cell centres at -1.5, -0.5, 0.5, 1.5
    z = torch.tensor([[-1.5, -1.5], [-0.5, -1.5]], dtype=torch.float64)
    assert grid.shape == (4, 4) and torch.allclose(grid[0, :2], mix.posterior(z, -1.0)[:, 0])
    assert bool(((grid >= 0) & (grid <= 1)).all())
