"""Tooltips that wrap: Qt draws a plain-text tooltip as one line, however long.

Rich text is word-wrapped, so every tooltip longer than a few words goes through
:func:`rich_tip`, which escapes the text and wraps it in a paragraph.
"""

from __future__ import annotations

import html


def rich_tip(text: str) -> str:
    """``text`` as a tooltip Qt word-wraps (the text is escaped, never read as markup)."""
    return f"<p>{html.escape(text, quote=False)}</p>"
