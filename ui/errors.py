"""Messages to the user as toasts: UserError (a gr.Error for a bad input), info and warning.

Gradio renders a toast's message as (sanitised) HTML, and our messages quote user text (a class name, a link's
value), so every message is HTML-escaped here: `<img src=x>` shows as typed and fetches nothing. A UserError also
keeps the server log free of tracebacks (gradio prints one for every gr.Error unless told not to: a log full of
users' typos hides real faults).
"""
from __future__ import annotations

import html

import gradio as gr


class UserError(gr.Error):
    """One line for the user about their input, shown as text; no traceback in the server's log."""

    def __init__(self, message: str, **kwargs):
        super().__init__(html.escape(str(message), quote=False), print_exception=False, **kwargs)


def info(message: str, **kwargs) -> None:
    gr.Info(html.escape(str(message), quote=False), **kwargs)


def warning(message: str, **kwargs) -> None:
    gr.Warning(html.escape(str(message), quote=False), **kwargs)
