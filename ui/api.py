"""The app's API (the only events callable by name, ui/guard.py; also MCP tools with `python app.py --mcp`):
/toy (a 2D lab view's samples and numbers), /exact_score (closed-form scores at points). /mnist is ui.mnist.mnist.
Each is thin: check the arguments into a Selection, ask the lab service (explainer.lab.service.Lab), one line on bad input.
"""
from __future__ import annotations

from explainer.lab.selection import Selection
from ui.lab import LAB, user_errors


def toy(dataset: str = "three_gaussians", label: int = 0, method: str = "cfg", w: float = 2.0,
        sampler: str = "ddim", score: str = "learned", classifier: str = "noisy", seed: int = 0,
        mixture_json: str = "") -> dict:
    """2D lab: 200 final samples and their exact numbers (mean p(c|x), precision, diversity, SW_2 to p(x|c) and to the
    tilted target p(x|c)p(c|x)^w, mode shares) for one guidance method at weight w on a 2D Gaussian mixture.
    precision is the share of samples on the data: inside class c's 99 % highest-density region of p(x|c) (mean p(c|x)
    alone rewards samples flung far from every class, where p(c|x) -> 1). mode_shares: per component of class c, the
    share of samples on the data assigned to it by exact responsibility; target_mode_shares: the same for the exact
    tilted target.

    Args:
        dataset: three_gaussians | two_overlapping | ring | near_far | two_squares | custom (then mixture_json).
        label: class index c.
        method: cfg (classifier-free) | cg (classifier guidance) | scaled (score scaling) | reduced (reduced noise) | none.
        w: guidance weight in [0, 10], the paper's w (w = 0: plain conditional; diffusers' guidance_scale = 1 + w);
            snapped to the lab's grid 0, .1, .2, .3, .5, .75, 1, 1.5, 2, 3, 4, 6, 8, 10.
        sampler: ddim | ddpm | pc.
        score: learned (the shipped networks) | exact (the mixture's closed form).
        classifier: CG's guide: noisy (trained on noisy z) | clean (trained on clean x only).
        seed: seed of the initial noise.
        mixture_json: with dataset=custom, the mixture as JSON text.
    """
    with user_errors():
        if mixture_json and dataset != "custom":
            raise ValueError(f"mixture_json is used only with dataset='custom' (got dataset={str(dataset)[:40]!r}): "
                             "leave it empty for a preset")
        sel = Selection(dataset=dataset, custom_json=mixture_json or "", label=label, method=method, w=w,
                        sampler=sampler, score=score, classifier=classifier, seed=seed).validated()
        return LAB.toy(sel)


def exact_score(points: str = "[[0.0, 0.0]]", lam: float = 0.0, label: int = 0, w: float = 0.0,
                dataset: str = "three_gaussians", mixture_json: str = "") -> dict:
    """Exact (closed-form) scores of a 2D Gaussian mixture at noisy points: no network, no sampling.

    The forward process is variance preserving: z_lam = alpha x + sigma eps with alpha^2 = sigmoid(lam) and
    sigma^2 = sigmoid(-lam) (lam is the log signal-to-noise ratio, in [-20, 20]; about 15 is clean, -15 pure noise).
    Returns, for every point: the conditional score grad log p(z|c) and unconditional grad log p(z), the ideal
    eps = -sigma * score, the class posterior p(c|z) for every class, and for guidance weight w (the paper's w:
    w = 0 is plain conditional; diffusers' guidance_scale = 1 + w) the guided score (1 + w) s(z|c) - w s(z),
    its eps, and the tilted log density log p(z|c) + w log p(c|z) (unnormalised).

    Args:
        points: JSON list of points [[x, y], ...] (1 to 10,000), or one point [x, y].
        lam: noise level as log-SNR lambda in [-20, 20].
        label: class index c.
        w: guidance weight in [0, 10] (the paper's w).
        dataset: three_gaussians | two_overlapping | ring | near_far | two_squares | custom (then mixture_json).
        mixture_json: a mixture as JSON text ({"name", "classes", "components": [{"mean", "cov", "weight", "class"}]}).
    """
    with user_errors():
        if mixture_json and dataset != "custom":
            raise ValueError(f"mixture_json is used only with dataset='custom' (got dataset={str(dataset)[:40]!r}): "
                             "leave it empty for a preset")
        sel = Selection(dataset=dataset, custom_json=mixture_json or "", label=label, w=w, score="exact").validated()
        return LAB.exact_score(sel, points, lam)
