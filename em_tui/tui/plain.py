"""User text on screen: always plain, never markup, never a terminal escape.

Anything the user chose can end up in a message: a file or session name, a CSV
header, a typed value quoted back in an error. Shown as Textual markup, ``[/]``
would crash the app and ``[@click=app.quit]x`` would be a live link; passed to
the terminal raw, an ESC in a file name would be a terminal command. So every
widget that shows such text gets it through :func:`plain` (Static, Label), or
:func:`printable` where it is drawn as characters (the table, plot titles).
"""

from __future__ import annotations

from textual.content import Content

from ..errors import printable as core_printable


def printable(text: object) -> str:
    """``text`` with every control character shown as an escape instead of sent to the terminal
    (line ends kept: a message may have several lines)."""
    return core_printable(str(text), keep="\n")


def pasted(text: str) -> str:
    """Pasted text as the fields get it: tabs and line ends kept, every other control character an escape
    (a paste of coloured terminal output would otherwise send its colour codes back to the terminal)."""
    return core_printable(text, keep="\t\n\r")


def plain(text: object) -> Content:
    """``text`` as plain Content for a Static or Label: shown literally, markup and escapes included."""
    return Content(printable(text))

