"""Sample-quality numbers for MNIST, all computed with the JUDGE (a classifier no guide ever saw).

    accuracy     mean 1[argmax p_J(y|x) = c]
    confidence   mean p_J(c|x)
    IS           exp( E_x KL( p_J(y|x) || p_J(y) ) ),  p_J(y) = E_x p_J(y|x)      (Salimans et al. 2016)
    FD           |mu_g - mu_r|^2 + Tr(S_g + S_r - 2 (S_g S_r)^(1/2))  in judge features (the FID formula)
    precision    fraction of generated features inside the real manifold, the union of balls
                 B(r_i, d_k(r_i)) with d_k the distance to the k-th nearest real neighbour (k = 3);
    recall       the same with real and generated swapped                (Kynkaenniemi et al. 2019)
    diversity    mean pairwise feature distance between samples of the same class, averaged over classes
    ink error    per class |mean pixel intensity of the samples - that of the real digits|, averaged over classes
                 (pixels, not judge features: over-saturated digits carry too much ink)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import linalg

from cfg_core.schedule import Schedule

LAM_CLEAN = Schedule().lam_max  # classifiers grade finished digits at the clean end of the schedule


def to_model(x01: torch.Tensor) -> torch.Tensor:
    """Digits in display units [N, 28, 28] in [0, 1] -> model units [N, 1, 28, 28] in [-1, 1]."""
    return x01[:, None].float() * 2 - 1

K_NEAREST = 3  # k of the precision / recall manifolds


@dataclass(frozen=True)
class JudgeOutputs:
    """What the judge says about a set of digits."""

    probs: np.ndarray  # [N, 10] p_J(y | x)
    features: np.ndarray  # [N, F] penultimate features
    labels: np.ndarray  # [N] the requested (or true) class


@torch.no_grad()
def judge_outputs(judge, x01: torch.Tensor, labels, chunk: int = 500) -> JudgeOutputs:
    """Run the judge on digits given in [0, 1], shape [N, 28, 28]."""
    probs, feats = [], []
    for i in range(0, x01.shape[0], chunk):
        x = to_model(x01[i:i + chunk])  # [n, 1, 28, 28] in [-1, 1]
        lam = torch.full((x.shape[0],), LAM_CLEAN)
        f = judge.features(x, lam)  # [n, F]
        feats.append(f.numpy())
        probs.append(torch.softmax(judge.head(f), dim=1).numpy())
    return JudgeOutputs(np.concatenate(probs), np.concatenate(feats), np.asarray(labels))


@torch.no_grad()
def classifier_confidence(classifier, x01: torch.Tensor, labels) -> float:
    """Mean softmax p(c | x) a classifier gives the requested classes of clean digits in [0, 1]."""
    x = to_model(x01)
    p = torch.softmax(classifier(x, torch.full((x.shape[0],), LAM_CLEAN)), dim=1)  # [N, 10]
    return float(p[torch.arange(len(x)), torch.as_tensor(labels)].mean())


def accuracy(out: JudgeOutputs) -> float:
    return float((out.probs.argmax(1) == out.labels).mean())


def confidence(out: JudgeOutputs) -> float:
    return float(out.probs[np.arange(len(out.labels)), out.labels].mean())


def inception_score(probs: np.ndarray, eps: float = 1e-12) -> float:
    """exp(E_x KL(p(y|x) || p(y)))."""
    p_y = probs.mean(0, keepdims=True)  # [1, 10]
    kl = (probs * (np.log(probs + eps) - np.log(p_y + eps))).sum(1)  # [N]
    return float(np.exp(kl.mean()))


def frechet_distance(f_gen: np.ndarray, f_real: np.ndarray) -> float:
    """|mu_g - mu_r|^2 + Tr(S_g + S_r - 2 sqrt(S_g S_r))."""
    mu_g, mu_r = f_gen.mean(0), f_real.mean(0)
    s_g, s_r = np.cov(f_gen, rowvar=False), np.cov(f_real, rowvar=False)  # [F, F]
    covmean = linalg.sqrtm(s_g @ s_r)
    covmean = covmean.real if np.iscomplexobj(covmean) else covmean
    return float(((mu_g - mu_r) ** 2).sum() + np.trace(s_g + s_r - 2 * covmean))


def _kth_radius(f: np.ndarray, k: int) -> np.ndarray:
    d = np.linalg.norm(f[:, None] - f[None], axis=-1)  # [N, N]
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def _coverage(query: np.ndarray, support: np.ndarray, k: int) -> float:
    radius = _kth_radius(support, k)  # [M]
    d = np.linalg.norm(query[:, None] - support[None], axis=-1)  # [Q, M]
    return float((d <= radius[None]).any(1).mean())


def precision_recall(f_gen: np.ndarray, f_real: np.ndarray, k: int = K_NEAREST) -> tuple[float, float]:
    """(precision, recall) with k-NN manifolds (Kynkaanniemi et al. 2019)."""
    return _coverage(f_gen, f_real, k), _coverage(f_real, f_gen, k)


def diversity(out: JudgeOutputs) -> float:
    """Mean pairwise judge-feature distance within each requested class, averaged over classes."""
    per_class = []
    for c in np.unique(out.labels):
        f = out.features[out.labels == c]
        if len(f) > 1:
            d = np.linalg.norm(f[:, None] - f[None], axis=-1)
            per_class.append(d.sum() / (len(f) * (len(f) - 1)))
    return float(np.mean(per_class)) if per_class else 0.0


def ink_error(x01: torch.Tensor, labels, real01: torch.Tensor, real_labels) -> float:
    """Mean over the classes present of |mean intensity of the samples - mean intensity of the real digits| of that
    class; intensities in [0, 1] (x01 [N, 28, 28], real01 [M, 28, 28])."""
    labels, real_labels = np.asarray(labels), np.asarray(real_labels)
    errs = [abs(float(x01[torch.as_tensor(labels == c)].mean()) - float(real01[torch.as_tensor(real_labels == c)].mean()))
            for c in np.unique(labels)]
    return float(np.mean(errs))


def all_metrics(gen: JudgeOutputs, real: JudgeOutputs) -> dict[str, float]:
    """Every number above for one set of generated digits against the held-out real ones."""
    precision, recall = precision_recall(gen.features, real.features)
    return {"judge_accuracy": accuracy(gen), "judge_confidence": confidence(gen),
            "inception_score": inception_score(gen.probs), "fd": frechet_distance(gen.features, real.features),
            "precision": precision, "recall": recall, "diversity": diversity(gen)}
