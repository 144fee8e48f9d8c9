"""The colours of the curves, the strip and the tables, in one place.

Components are numbered by their means (the left one is 1) and keep their colour everywhere: the
plots, the claim strip, the parameter table, the E-step views and k-means vs EM. Colour is never
the only way to tell them apart: each curve carries its component's number at its peak, the legend
and the table name it, and the strip writes it in the middle of the stretch a component claims.

The colours are explicit RGB values, so that no terminal palette or theme changes them (Textual's
default ANSI theme gives red and magenta the same #F4005F, which made components 2 and 4 one
colour). They come from the xterm 256-colour cube, so a 256-colour terminal shows them exactly, and
rich turns each into a different one of the 16 ANSI colours on a 16-colour terminal. They were
chosen to stay apart for every student: tests/app/test_colours.py computes the CIEDE2000 difference
between every pair of the nine (the eight components and the estimate), as they are and as seen with
protan, deutan and tritan vision (the simulation of Machado, Oliveira and Fernandes, 2009, at
severity 1), and checks each against the minimum it states. Components 1 and 2 (and the estimate),
the lesson's, are the pair that stays furthest apart.
"""

from __future__ import annotations

#: The components' colours (RGB), in order of the components' means (the left one first).
COMPONENTS: tuple[tuple[int, int, int], ...] = (
    (0xD7, 0xFF, 0x87),  # 1: pale lime (xterm 192)
    (0xFF, 0x5F, 0x5F),  # 2: coral (203)
    (0xAF, 0x00, 0xD7),  # 3: purple (128)
    (0x00, 0x87, 0x87),  # 4: teal (30)
    (0x87, 0x87, 0xFF),  # 5: periwinkle (105)
    (0x5F, 0x87, 0x00),  # 6: olive (64)
    (0x87, 0xD7, 0x00),  # 7: green (112)
    (0xFF, 0x87, 0xAF),  # 8: pink (211)
)
#: The estimated mixture's curve (the sum of the components): light blue (xterm 117).
ESTIMATE: tuple[int, int, int] = (0x87, 0xD7, 0xFF)
#: The histogram's outline and the log-likelihood's path (plotext's names: the terminal's gray and red).
HISTOGRAM = "gray"
LL = "red"


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """``rgb`` as rich writes a colour: "#d7ff87"."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def plot_colour(i: int) -> tuple[int, int, int]:
    """Component ``i``'s colour (numbered by mean from 0) for plotext, which takes an RGB triplet."""
    return COMPONENTS[i % len(COMPONENTS)]


def text_colour(i: int) -> str:
    """Component ``i``'s colour (numbered by mean from 0) for rich text: the table, the strip, the lists."""
    return hex_colour(plot_colour(i))
