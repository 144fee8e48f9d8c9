"""User text on screen: always plain, never markup, never a terminal escape.

Anything the user chose can end up in a message: a file or session name, a CSV
header, a typed value quoted back in an error. Shown as Textual markup, ``[/]``
would crash the app and ``[@click=app.quit]x`` would be a live link; passed to
the terminal raw, an ESC in a file name would be a terminal command. So every
widget that shows such text gets it through :func:`plain` (Static, Label), or
:func:`printable` where it is drawn as characters (the table, plot titles).
"""

from __future__ import annotations

import re

from textual.content import Content

#: Characters that are commands to a terminal or reorder text: C0 and C1 controls (but the newline),
#: DEL, and the bidirectional overrides and isolates that make text read other than it is stored.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: The same, but for tabs and line ends, which a paste brings in (a spreadsheet's cells) and fields handle.
_UNSAFE_IN_PASTE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    """An unsafe character as its Python escape (``\\x1b``, ``\\t``, ``\\u202e``): seen, not obeyed."""
    return match.group().encode("unicode_escape").decode("ascii")


def printable(text: object) -> str:
    """``text`` with every control character shown as an escape instead of sent to the terminal."""
    return _UNSAFE.sub(_visible, str(text))


def pasted(text: str) -> str:
    """Pasted text as the fields get it: tabs and line ends kept, every other control character an escape
    (a paste of coloured terminal output would otherwise send its colour codes back to the terminal)."""
    return _UNSAFE_IN_PASTE.sub(_visible, text)


def plain(text: object) -> Content:
    """``text`` as plain Content for a Static or Label: shown literally, markup and escapes included."""
    return Content(printable(text))

