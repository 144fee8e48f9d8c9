"""The one rule for text fields: a steady cursor.

A blinking cursor redraws its field twice a second for nothing, and a screenshot (a snapshot test)
would depend on the moment it is taken. Every dialog (through its base) and the fields panel call
:func:`steady_cursors` once mounted.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input, TextArea


def steady_cursors(root: Widget) -> None:
    """Every Input and TextArea under ``root`` gets a cursor that does not blink."""
    for field in root.query(Input).results():
        field.cursor_blink = False
    for area in root.query(TextArea).results():
        area.cursor_blink = False
