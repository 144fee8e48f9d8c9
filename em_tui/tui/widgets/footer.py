"""The simulator's footer: as many of its keys as the width allows, each one whole, in the bindings' order.

Textual's Footer lays every key out in one row and cuts the row at the screen's edge: the last key
shown is cut in the middle of its word, and the keys after it are out of sight. This footer hides,
from the end of the row, the keys that do not fit whole; the help's and the quit keys always stay
(the help, like the command palette, lists every key). The bindings are declared in the order of use
(tui/commands.py), so a narrow terminal keeps the keys a lesson needs first.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Footer, Label

#: The actions whose keys the footer always shows.
ALWAYS = ("help", "quit")


class KeyFooter(Footer):
    """A Footer that drops the keys that do not fit instead of cutting the row."""

    DEFAULT_CSS = """
    KeyFooter .-dropped {
        display: none;
    }
    KeyFooter.-compact FooterLabel {
        margin: 0 1 0 0;  /* a group's label ("+ - pace") apart from the key after it, as a key is */
    }
    """

    async def recompose(self) -> None:
        await super().recompose()  # the keys change (a field has the focus, a run starts…)
        self.refit()

    def on_resize(self) -> None:
        self.refit()

    def refit(self) -> None:
        """Every key shown again, then, once they are laid out, those that do not fit hidden."""
        for child in self.children:
            child.remove_class("-dropped")
        self.call_after_refresh(self._drop_what_does_not_fit)

    @property
    def shown(self) -> list[str]:
        """The actions of the keys the footer shows, in order (the command palette's key left out)."""
        keys = [key for child in self._items() if child.display for key in (child, *child.children)]
        return [key.action for key in keys if getattr(key, "action", None)]

    def _items(self) -> list[Widget]:
        return [child for child in self.children if not child.has_class("-command-palette")]

    def _drop_what_does_not_fit(self) -> None:
        room = self.size.width
        for child in self.children:
            if child.has_class("-command-palette") and child.display and child.region.width:
                room -= _width(child)  # docked at the right end
        # one entry: a key, or a group of keys with the label after it
        entries: list[list[Widget]] = []
        for child in self._items():
            if isinstance(child, Label) and entries:
                entries[-1].append(child)
            else:
                entries.append([child])
        kept = [any(getattr(w, "action", None) in ALWAYS for w in entry) for entry in entries]
        used = sum(_width(w) for entry, keep in zip(entries, kept) if keep for w in entry)
        fits = True
        for entry, keep in zip(entries, kept):
            if not keep:
                width = sum(_width(w) for w in entry)
                fits = fits and used + width <= room
                used += width if fits else 0
            for widget in entry:
                widget.set_class(not (keep or fits), "-dropped")


def _width(widget: Widget) -> int:
    """The columns ``widget`` takes in the row: its own and its margins."""
    margin = widget.styles.margin
    return widget.outer_size.width + margin.left + margin.right
