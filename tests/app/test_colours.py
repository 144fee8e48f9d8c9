"""The components' colours stay apart for every student, and colour is never the only channel.

Colour differences are CIEDE2000 (Sharma, Wu & Dalal 2005, checked below on their published pairs)
between CIELAB values (sRGB, D65). Colour-vision deficiencies are simulated with the matrices of
Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
deficiency", IEEE TVCG 15(6), at severity 1.0 (protanopia, deuteranopia, tritanopia), applied to
linear RGB as the paper does.

The minimum asked of every pair of the nine curve colours (the eight components and the estimate)
is MIN_DE in normal vision and MIN_DE_CVD under each simulation. For scale: a difference of about 1 is
just noticeable side by side; the palette of Okabe & Ito, made for colour-blind readers, reaches
10.9 under the same test with its seven colours (black left out).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rich.color import Color, ColorSystem, EIGHT_BIT_PALETTE, STANDARD_PALETTE

from em_tui.tui.colours import COMPONENTS, ESTIMATE, hex_colour, plot_colour, text_colour

#: The smallest CIEDE2000 difference allowed between two curve colours: in normal vision, and under
#: each simulated colour-vision deficiency.
MIN_DE, MIN_DE_CVD = 12.0, 11.0
#: ... between two components on a 16-colour terminal (the VGA colours rich maps them to).
MIN_DE_16 = 15.0
#: Each colour against the default theme's plot background: CIEDE2000 and the WCAG contrast ratio
#: (3:1 is WCAG's minimum for graphics).
MIN_DE_BACKGROUND, MIN_CONTRAST = 30.0, 3.0

MACHADO_2009 = {
    "protan": np.array([[0.152286, 1.052583, -0.204868],
                        [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]]),
    "deutan": np.array([[0.367322, 0.860646, -0.227968],
                        [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]]),
    "tritan": np.array([[1.255528, -0.076749, -0.178779],
                        [-0.078411, 0.930809, 0.147602],
                        [0.004733, 0.691367, 0.303900]]),
}
#: sRGB (D65) to XYZ, and the D65 white
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
WHITE = np.array([0.95047, 1.0, 1.08883])


def linear(rgb) -> np.ndarray:
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb, vision: str | None = None) -> np.ndarray:
    """CIELAB of an sRGB colour, as seen in ``vision`` (None: normal)."""
    lin = linear(rgb)
    if vision is not None:
        lin = np.clip(MACHADO_2009[vision] @ lin, 0.0, 1.0)
    t = SRGB_TO_XYZ @ lin / WHITE
    d = 6 / 29
    f = np.where(t > d ** 3, np.cbrt(t), t / (3 * d * d) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """The CIEDE2000 colour difference (kL = kC = kH = 1), as Sharma, Wu & Dalal (2005) write it."""
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1 = np.degrees(np.arctan2(b1, a1p)) % 360 if c1 else 0.0
    h2 = np.degrees(np.arctan2(b2, a2p)) % 360 if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    big_dh = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = (-2 * np.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25.0 ** 7))
           * np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2)))))
    dl, dc, dhh = (L2 - L1) / s_l, (c2 - c1) / s_c, big_dh / s_h
    return float(np.sqrt(dl ** 2 + dc ** 2 + dhh ** 2 + r_t * dc * dhh))


def contrast(rgb1, rgb2) -> float:
    """The WCAG contrast ratio of two sRGB colours."""
    y1, y2 = (float(linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (rgb1, rgb2))
    return (max(y1, y2) + 0.05) / (min(y1, y2) + 0.05)


CURVES = (*COMPONENTS, ESTIMATE)


@pytest.mark.parametrize("lab1, lab2, want", [  # Sharma, Wu & Dalal (2005), table 1
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_gives_the_published_differences(lab1, lab2, want):
    assert ciede2000(lab1, lab2) == pytest.approx(want, abs=1e-4)


def test_machado_simulation_keeps_grey_and_merges_red_and_green_for_deutan():
    grey = lab((128, 128, 128))
    for vision in MACHADO_2009:  # each matrix's rows sum to 1: greys are seen as they are
        assert ciede2000(lab((128, 128, 128), vision), grey) < 0.5
    red, green = (200, 60, 60), (90, 130, 40)
    assert ciede2000(lab(red), lab(green)) > 30
    assert ciede2000(lab(red, "deutan"), lab(green, "deutan")) < 0.5 * ciede2000(lab(red), lab(green))


@pytest.mark.parametrize("vision, least", [(None, MIN_DE), ("protan", MIN_DE_CVD), ("deutan", MIN_DE_CVD),
                                           ("tritan", MIN_DE_CVD)])
def test_every_two_curve_colours_differ_in_every_vision(vision, least):
    worst = min((ciede2000(lab(a, vision), lab(b, vision)), hex_colour(a), hex_colour(b))
                for a, b in itertools.combinations(CURVES, 2))
    assert worst[0] >= least, worst


def test_components_2_and_4_are_no_longer_one_colour():
    assert plot_colour(1) != plot_colour(3)
    assert ciede2000(lab(plot_colour(1)), lab(plot_colour(3))) >= MIN_DE


def test_on_a_16_colour_terminal_each_curve_has_its_own_colour():
    """rich turns a colour into the nearest of the 16 ANSI colours: a different one for each curve, and
    never black, white or grey (the background, the true density's ink, the histogram)."""
    numbers = [Color.from_rgb(*c).downgrade(ColorSystem.STANDARD).number for c in CURVES]
    assert len(set(numbers)) == len(CURVES), numbers
    assert not set(numbers) & {0, 7, 8, 15}
    shown = [STANDARD_PALETTE[n] for n in numbers[:len(COMPONENTS)]]
    worst = min(ciede2000(lab(a), lab(b)) for a, b in itertools.combinations(shown, 2))
    assert worst >= MIN_DE_16


def test_on_a_256_colour_terminal_the_colours_are_exact():
    for c in CURVES:
        number = Color.from_rgb(*c).downgrade(ColorSystem.EIGHT_BIT).number
        assert tuple(EIGHT_BIT_PALETTE[number]) == tuple(c)


async def test_every_curve_colour_stands_out_from_the_default_theme_background():
    from textual.app import App

    app = App()
    async with app.run_test():
        surface = Color.parse(app.theme_variables["surface"]).triplet  # the plots' background
    for c in CURVES:
        for vision in (None, *MACHADO_2009):
            assert ciede2000(lab(c, vision), lab(surface, vision)) >= MIN_DE_BACKGROUND, (hex_colour(c), vision)
        assert contrast(c, surface) >= MIN_CONTRAST, hex_colour(c)


def test_text_and_plot_colours_are_the_same_colour():
    for i in range(len(COMPONENTS)):
        assert Color.parse(text_colour(i)).triplet == plot_colour(i)
