"""Named MNIST variants: a registry method with fixed options, runnable under one name like any method.

    cfg_interval   CFG only while lam is in INTERVAL = [-1, 3.3] (Kynkaanniemi et al. 2024, a guidance interval),
                   the plain conditional eps(z, c) outside it

The sweep, the app's MNIST tab and the judge's benchmarks take a list of names; a guidance interval is an
option of CFG (GuidanceOptions.schedule), not a method of its own, so it gets a name here. Every registry
name (cfg_core.methods) is also a valid name, with no options.
"""
from __future__ import annotations

from dataclasses import dataclass

from cfg_core import methods
from cfg_core.weight_schedule import WeightSchedule

INTERVAL = (-1.0, 3.3)  # the guidance interval in log-SNR (lam = 3.3: sigma ~ 0.19)


@dataclass(frozen=True)
class Variant:
    """A registry method run with fixed options, and how people see it (the same fields as methods.Method)."""

    method: str  # the registry name it runs
    options: methods.GuidanceOptions
    title: str
    short: str
    colour: str
    line: str = "-"
    classifier: str | None = None  # the guide it needs (CG variants); None here
    surfaces: tuple[str, ...] = ()  # where people meet it (methods.SURFACES)
    compare: tuple[str, ...] = ()  # shown next to these (methods.Method.compare)
    baseline: bool = False


VARIANTS = {
    "cfg_interval": Variant("cfg", methods.GuidanceOptions(schedule=WeightSchedule("interval", *INTERVAL)),
                            f"CFG only for lam in [{INTERVAL[0]:g}, {INTERVAL[1]:g}] (guidance interval)",
                            "CFG, interval", "#08306b", "--", surfaces=("mnist", "mnist_sweep"), compare=("cfg",)),
}
NAMES = {**methods.METHODS, **VARIANTS}  # every name a method list may hold: registry methods and these variants


def tab_choices() -> tuple[str, ...]:
    """The MNIST tab's method choices, from the registry: every method on its surface alone, then each next to the
    methods it compares with ("cfg|cg", ...)."""
    names = methods.on("mnist", NAMES)
    return names + tuple(f"{left}|{name}" for name in names for left in NAMES[name].compare if left in names)


def info(name: str) -> methods.Method | Variant:
    """The registry entry or the variant of a name (title, short, colour, line, classifier); ValueError if neither."""
    if name in VARIANTS:
        return VARIANTS[name]
    try:
        return methods.get(name)
    except ValueError:
        raise ValueError(f"unknown guidance method {name!r}; choose one of "
                         f"{', '.join([*methods.METHODS, *VARIANTS])}") from None


def resolve(name: str, options: methods.GuidanceOptions = methods.GuidanceOptions()
            ) -> tuple[str, methods.GuidanceOptions]:
    """(registry name, options) to run a name with: a variant's own options, or the given ones for a registry name."""
    entry = info(name)
    if isinstance(entry, Variant):
        if options != methods.GuidanceOptions():
            raise ValueError(f"{name} fixes its own options; give them to {entry.method} instead")
        return entry.method, entry.options
    return name, options
