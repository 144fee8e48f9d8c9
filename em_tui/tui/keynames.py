"""The simulator's key names, taken from its bindings: :func:`key_for` is the one key-naming function,
so a key rebound in ``BINDINGS`` is named right everywhere (the status words of
:mod:`em_tui.session.words`, the help, the palette, the dialogs, the tooltips). Every function is pure.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from ..session.words import Keys

#: Keys whose names are not their own spelling (modifiers are capitalised: "ctrl+s" → "Ctrl+S").
_NAMES = {"right": "→", "left": "←", "up": "↑", "down": "↓", "space": "space", "escape": "Esc",
          "question_mark": "?", "home": "Home", "end": "End", "minus": "-", "plus": "+", "equals_sign": "=",
          "enter": "Enter", "tab": "Tab", "pageup": "PgUp", "pagedown": "PgDn", "backspace": "Backspace",
          "delete": "Del"}


def _name(key: str) -> str:
    """One key as every text shows it: "right" → "→", "ctrl+s" → "Ctrl+S", "f1" → "F1", "n" → "n"."""
    *modifiers, base = key.strip().split("+")
    shown = _NAMES.get(base) or (base.upper() if modifiers and len(base) == 1 else
                                 base.capitalize() if len(base) > 1 and base.isalnum() else base)
    return "+".join([m.capitalize() for m in modifiers] + [shown])


def key_for(bindings: Iterable, action: str, others: bool = False, every: bool = False) -> str:
    """The one place a key is named: the key shown for ``action`` in ``bindings`` (any BINDINGS
    list: the app's, a dialog's, or a Textual widget's own such as ``Input.BINDINGS``).

    By default the binding's ``key_display``, else its first key ("→"); with ``others``, its other
    keys too: "→ (or n, space)"; with ``every``, each key of every binding for ``action``, by its own
    name, as the help's key table and the palette list them: "→ n space", "Home 0"."""
    found = [b for b in bindings if getattr(b, "action", None) == action]
    if not found:
        raise KeyError(f"no binding for the action {action!r}")
    if every:
        names = [_name(k) for b in found for k in b.key.split(",")]
        return " ".join(dict.fromkeys(names))
    b = found[0]
    keys = [_name(k) for k in b.key.split(",")]
    first = b.key_display or keys[0]
    rest = [k for k in keys if k != first]
    return f"{first} (or {', '.join(rest)})" if others and rest else first


def name_keys(words: str, keys: Keys, widgets: Mapping[str, Iterable] | None = None) -> str:
    """``words`` with each ``[[action]]`` replaced by the key ``keys`` names for that action, and each
    ``[[Widget:action]]`` by the key ``widgets[Widget]`` (a widget's own BINDINGS) gives it: a text
    that names keys (the help page, a tooltip) writes none by hand."""
    def key(found: re.Match) -> str:
        owner, action = found.group(1), found.group(2)
        return key_for((widgets or {})[owner], action) if owner else keys(action)
    return re.sub(r"\[\[(?:(\w+):)?([\w.]+)\]\]", key, words)


def keys_of(bindings: Iterable) -> Keys:
    """``bindings`` as a :data:`Keys` function (what the words are given to name their keys)."""
    bindings = list(bindings)
    return lambda action, others=False: key_for(bindings, action, others)
