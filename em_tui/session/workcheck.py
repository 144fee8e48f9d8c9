"""Check my computation: a student's own number for one worked quantity, read from what they type
("mu1 1.10", "σ2 = 0.188", "gamma1 0.0002", "N1 3", "pi2 0.5", "LL -9.76") and graded against correct
EM from the state shown (:func:`em_tui.core.grade.check_value`): right or wrong, the correct value,
and the classic slip it is, when it is one.

Which iteration: γ of the point at the parameters shown (iteration t); N_k, μ_k, σ_k, π_k after the
M step that makes iteration t + 1 from them; LL at the parameters shown, LL[t] (``LL<t + 1>`` asks for
the new one, LL[t + 1]).
Components are numbered by their means at iteration t, as on the worked screen. Under a teaching
fault the grade is still correct EM's, so the faulty code's number is found wrong.
"""

from __future__ import annotations

import math
import re

from ..core import grade, work
from ..core.checks import ascii_minus, plain_digits
from ..core.model import Mixture
from ..errors import Refused
from .workview import Worked

#: The names a student may type for each kind of quantity (any case; a number after the name is the
#: component's, for LL the iteration's).
NAMES = {
    "gamma": ("gamma", "γ", "g", "r"),
    "n_k": ("n", "nk"),
    "mean": ("mu", "μ", "mean", "m"),
    "sd": ("sigma", "σ", "sd", "s"),
    "weight": ("pi", "π", "weight", "w"),
    "ll": ("ll",),
}
#: What the screen lists as the accepted names.
ACCEPTED = "type gamma1 N1 mu1 sigma1 pi1 LL (or γ1 μ1 σ1 π1), then your number"

_KIND_OF = {name: kind for kind, names in NAMES.items() for name in names}
_PATTERN = re.compile(r"^\s*([^\W\d_]+)_?\[?(\d*)\]?\s*[=:]?\s*(\S+)\s*$")
#: A name (and its number) with nothing after it: the student's own number is missing.
_NAME_ONLY = re.compile(r"^\s*([^\W\d_]+)_?\[?(\d*)\]?\s*[=:]?\s*$")


def parse(w: Worked, text: str, point: int) -> tuple[grade.Quantity, float]:
    """The quantity and the number in ``text``, for the point of 0-based index ``point``; Refused, in
    words that say what to type, when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise Refused(f"{ACCEPTED}, e.g. mu1 1.10")
    text = plain_digits(ascii_minus(text))
    alone = _NAME_ONLY.match(text)
    if alone is not None and _KIND_OF.get(alone.group(1).lower()) is not None:
        raise Refused(f"your number is missing: type it after the name, e.g. {text.strip().rstrip('=:').strip()} 1.10")
    m = _PATTERN.match(text)
    if m is None:
        raise Refused(f"not a quantity and a number: {ACCEPTED}, e.g. mu1 1.10")
    name, digits, number = m.group(1).lower(), m.group(2), m.group(3)
    kind = _KIND_OF.get(name)
    if kind is None:
        raise Refused(f"no quantity is called {m.group(1)!r}: {ACCEPTED}")
    try:
        given = float(number)
    except ValueError:
        raise Refused(f"{number!r} is not a number") from None
    if not math.isfinite(given):
        raise Refused(f"{number!r} is not a finite number")
    if kind == "ll":
        t = w.t if not digits else int(digits)
        if t not in (w.t, w.t + 1):
            raise Refused(f"this screen works out LL[{w.t}] and LL[{w.t + 1}]: type LL (LL[{w.t}]) or LL{w.t + 1}")
        return grade.Quantity("ll", t), given
    if not digits:
        raise Refused(f"which component? e.g. {m.group(1)}1 (components 1 to {w.k}, numbered by their means)")
    component = int(digits)
    if not 1 <= component <= w.k:
        raise Refused(f"component {component} is not one of 1 to {w.k}")
    if kind == "gamma":
        return grade.Quantity("gamma", w.t, component, point + 1), given
    return grade.Quantity(kind, w.t + 1, component), given


def params_at(w: Worked):
    """Correct EM from the state shown: θ^s of the run for s ≤ t (numbered by mean at t for s = t),
    and EM's own M step from θ^t for t + 1."""
    cache: dict[int, Mixture] = {}

    def at(s: int) -> Mixture:
        if s == w.t:
            return w.model
        if s < w.t:
            return w.earlier(s)
        if s not in cache:
            cache[s] = work.step_work(w.data, w.model, w.t + 1).new
        return cache[s]

    return at


def check(w: Worked, text: str, point: int) -> grade.Verdict:
    """Grade what the student typed (one pass or two over the data for N, μ, σ, π and LL: the screen
    runs it in a worker). Refused, with nothing graded, when ``text`` is not a quantity and a number."""
    q, given = parse(w, text, point)
    return grade.check_value(q, given, w.data, params_at(w))


def verdict_line(v: grade.Verdict) -> str:
    """The verdict, with the tolerance it was judged by."""
    return f"{'✓' if v.right else '✗'} {v.line()}"

