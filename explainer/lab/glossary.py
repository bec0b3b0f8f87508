"""The glossary: every term the app shows, with a plain definition, in the catalog's "glossary" part
(explainer/locales/<lang>/glossary.json, keys "<term>.name" and "<term>.def"). The lesson panel gives each term a
hover / tap definition at its first use. Nothing here imports gradio.
"""
from __future__ import annotations

from explainer.words import say

TERMS = ("tilted_target", "tempered_density", "guidance_weight", "guidance_scale", "score", "eps", "log_snr", "ddim",
         "ddpm", "pc", "langevin_k", "smc", "xhat", "noise_aware_classifier", "clean_classifier",
         "implicit_classifier", "sw2", "bic", "autoguidance", "icg", "cfgpp", "guidance_interval", "fidelity",
         "diversity", "precision", "judge", "guide")


def entries(lang: str = "en") -> list[tuple[str, str, str]]:
    """(term, name, definition) of every term, in lang."""
    return [(term, say(lang, f"glossary.{term}.name"), say(lang, f"glossary.{term}.def")) for term in TERMS]
