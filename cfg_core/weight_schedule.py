"""Guidance over noise level: the weight a method uses at log-SNR lam is w * f(lam).

    constant   f = 1                                         (plain guidance at every step)
    interval   f = 1[lo <= lam <= hi]                        (Kynkaanniemi et al. 2024: guidance only in
                                                              a middle range; the conditional eps elsewhere)
    ramp       f = clip((lam - lo) / (hi - lo), 0, 1)        (an increasing schedule, Wang et al. 2024:
                                                              no guidance at lam <= lo, full w at lam >= hi)

lo and hi are log-SNR values (negative = noisy). ScheduledWeight wraps any strategy that has a weight
field `w` and is linear in it (cfg, cg, scaled, auto, icg): at each step it runs that strategy with
w * f(lam), so at f = 0 it is exactly the strategy's w = 0 field, the plain conditional model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

SCHEDULES = ("constant", "interval", "ramp")


@dataclass(frozen=True)
class WeightSchedule:
    """f(lam) in [0, 1], the fraction of w applied at log-SNR lam."""

    kind: str = "constant"  # constant | interval | ramp
    lo: float = -math.inf  # log-SNR where guidance starts (interval) or the ramp starts rising
    hi: float = math.inf  # log-SNR where guidance stops (interval) or the ramp reaches 1

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise ValueError(f"weight schedule must be one of {', '.join(SCHEDULES)}, got {self.kind!r}")
        if math.isnan(self.lo) or math.isnan(self.hi) or self.lo > self.hi:
            raise ValueError(f"interval needs lo <= hi (log-SNR), got lo = {self.lo}, hi = {self.hi}")
        if self.kind == "ramp" and not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo < self.hi):
            raise ValueError(f"a ramp needs finite lo < hi (log-SNR), got lo = {self.lo}, hi = {self.hi}")

    def factor(self, lam: float) -> float:
        """f(lam): 1 for constant, the indicator of [lo, hi] for interval, the clipped linear ramp."""
        lam = float(lam)
        if self.kind == "constant":
            return 1.0
        if self.kind == "interval":
            return 1.0 if self.lo <= lam <= self.hi else 0.0
        return min(1.0, max(0.0, (lam - self.lo) / (self.hi - self.lo)))


@dataclass(frozen=True)
class ScheduledWeight:
    """A strategy run with weight w * f(lam) at each step (f from anything with factor(lam))."""

    inner: object  # a strategy dataclass with a field w, linear in w (cfg, cg, scaled, auto, icg)
    schedule: object  # has factor(lam) -> float, e.g. WeightSchedule

    @property
    def w(self):
        return self.inner.w

    def at(self, lam) -> object:
        """The inner strategy with the weight of step lam."""
        return replace(self.inner, w=self.inner.w * self.schedule.factor(lam))

    def eps_hat(self, z: torch.Tensor, lam) -> torch.Tensor:
        return self.at(lam).eps_hat(z, lam)
