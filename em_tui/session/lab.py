"""The lab mode (predict, then reveal): before each E or M half step, one question about what comes next.

UI-free. :meth:`Lab.ask` makes a question from the state shown (the parameters θ^t, and whether the E
step was done); :meth:`Lab.answer` reads what the student typed, scores it against the step the engine
is about to take (within the tolerance the question states) and keeps it in the record, which the
session file (``"lab"``) and the export (comment lines) keep too.

Questions before the E step (the state θ^t): γ of one point for one component (a number in [0, 1]), or
which component claims a point (the largest γ). Before the M step (after the E step): which way a mean
moves (l or r), the next μ_k, the next π_k, whether LL rises (y or n: under a teaching fault it may
fall). Components are numbered as the app numbers them, by the rank of their means at θ^t.

The kind of question is drawn with a generator seeded from the data seed, the iteration and the half
step, among the kinds that make sense in the state, never the kind answered just before when another
fits: the same session asks the same questions, and Esc (no answer) asks the same one again. A point
asked about is one whose γ is neither about 0 nor about 1 when there is such a point.

A prediction by eye needs a looser tolerance than a hand computation's (:data:`~em_tui.core.grade.TOLERANCE`):
γ and π ±0.05; μ_k within 10 % of σ_k at θ^t (a tenth of the component's own width, so the same on any
scale); directions, component numbers and yes/no exactly.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..core import em
from ..core.checks import shown, to_number
from ..core.points import point_number
from ..core.trajectory import find_decrease
from ..core.work import point_work
from ..errors import Refused, SessionError, printable
from . import outcomes as out

if TYPE_CHECKING:
    from .session import Session

#: Tolerances (absolute) of a γ and a π prediction, and of a mean's as a share of the component's σ.
GAMMA_TOL, WEIGHT_TOL, MEAN_SHARE = 0.05, 0.05, 0.10
#: The kinds of question before the E step and before the M step.
E_KINDS = ("gamma", "claims")
M_KINDS = ("direction", "mean", "weight", "ll")
KINDS = E_KINDS + M_KINDS
#: A point asked about has a γ inside (UNSURE, 1 − UNSURE) when one has (else inside the γ tolerance of 0 and 1).
UNSURE = 0.15
#: Points whose γ are looked at to choose the point of a question (a sample of large data).
CANDIDATES = 512
#: A mean moving by less than this share of its σ has no clear direction (not asked).
STILL_SHARE = 1e-3
#: A session file's lab record: at most this many entries, each text at most this long.
MAX_RECORD, MAX_TEXT = 100_000, 400
_WORDS = {"l": "l", "left": "l", "<": "l", "-": "l", "r": "r", "right": "r", ">": "r", "+": "r",
          "y": "y", "yes": "y", "n": "n", "no": "n"}


@dataclass(frozen=True)
class Question:
    """One question, asked at iteration ``t`` before the E step (``half`` False) or the M step."""

    t: int
    half: bool
    kind: str
    #: the component asked about, numbered by mean from 1 (0: none)
    component: int
    #: the point asked about, 0-based in the data's order (None: none); the screen numbers it from 1
    point: int | None
    #: the question, in words
    text: str
    #: what to type and how close is right
    hint: str
    #: the right answer: a number, a component number, "l"/"r" or "y"/"n"
    correct: float | str
    #: how far from ``correct`` a number may be and still be right (None: exactly)
    tolerance: float | None
    #: the number of components
    k: int = 0

    @property
    def step(self) -> str:
        return "M" if self.half else "E"

    @property
    def shown(self) -> str:
        """The right answer as the verdict shows it (6 significant digits at most)."""
        c = self.correct
        if self.kind in ("gamma", "weight"):
            return f"{c:.3f}"
        if self.kind == "mean":
            return f"{c:.6g}"
        if self.kind == "claims":
            return f"component {int(c)}"
        return {"l": "left (l)", "r": "right (r)", "y": "yes (y)", "n": "no (n)"}[c]


@dataclass(frozen=True)
class Entry:
    """One line of the record: the question, the answer typed, the right answer, whether it was right."""

    t: int
    half: bool
    kind: str
    question: str
    answer: str
    correct: str
    tolerance: str
    right: bool


# -- outcomes (worded in session/words.py) ------------------------------------------------------
@dataclass(frozen=True)
class LabToggled(out.Outcome):
    on: bool
    right: int
    asked: int


@dataclass(frozen=True)
class LabAnswered(out.Outcome):
    """An answer scored, then the step taken (``then``, the step's own outcome)."""

    entry: Entry
    right: int
    asked: int
    then: out.Outcome


@dataclass(frozen=True)
class LabCancelled(out.Outcome):
    step: str


@dataclass(frozen=True)
class LabRefused(out.Outcome):
    """A key that jumps over steps, in lab mode; ``peek``: a view that would show the next step's answer
    (the responsibilities, the worked screen)."""

    peek: bool = False


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))]


class Lab:
    """Whether the lab mode is on, its record and its score (one per session: ``Session.lab``)."""

    def __init__(self, on: bool = False, record: list[Entry] | None = None) -> None:
        self.on = on
        self.record: list[Entry] = list(record or [])

    @property
    def score(self) -> tuple[int, int]:
        """(right, asked) over the whole record."""
        return sum(e.right for e in self.record), len(self.record)

    def toggle(self) -> LabToggled:
        self.on = not self.on
        return LabToggled(self.on, *self.score)

    # -- asking -----------------------------------------------------------------------------------
    def ask(self, session: Session) -> Question:
        """The question before the next half step of ``session`` (the E step unless it was done); the
        session must be able to take that step (``compute_through`` makes the M step's answer)."""
        t, half = session.t, session.half
        seed = int(session.seed or 0) % 2**32
        rng = np.random.default_rng([seed, t, int(half), session.data.n % 2**32])
        run = session.trajectory
        model = run.params(t)
        order = model.order()
        if not half:
            return self._ask_e(rng, session.data.x, model, order, t, run.e_normalised)
        session.compute_through(t + 1)
        return self._ask_m(rng, run, model, order, t)

    def _avoid(self, fits: list[str], half: bool) -> str | None:
        """The kind asked (and answered) last before the same half step, when another fits."""
        last = next((e.kind for e in reversed(self.record) if e.half == half), None)
        return last if last in fits and len(fits) > 1 else None

    def _kind(self, rng, fits: list[str], half: bool) -> str:
        avoid = self._avoid(fits, half)
        return _pick(rng, [k for k in fits if k != avoid])

    def _ask_e(self, rng, x: np.ndarray, model, order, t: int, normalised: bool) -> Question:
        n, k = x.size, model.k
        idx = np.sort(rng.choice(n, size=min(n, CANDIDATES), replace=False))
        share = em.responsibilities(x[idx], model)[order]  # rows by mean (the fault's w_ik are shared alike)
        unsure = (share > UNSURE) & (share < 1 - UNSURE)
        if not unsure.any():
            unsure = (share > GAMMA_TOL) & (share < 1 - GAMMA_TOL)
        fits = []
        if normalised and (unsure.any() or k == 1):
            fits.append("gamma")
        if k > 1:
            fits.append("claims")
        if not fits:  # one component under a fault whose E step is not divided by p(x): its w is not a γ
            fits = ["claims"]
        kind = self._kind(rng, fits, False)
        where = np.flatnonzero(unsure.any(axis=0))
        col = int(_pick(rng, list(where))) if where.size else int(rng.integers(idx.size))
        i = int(idx[col])
        work = point_work(float(x[i]), i, model.sorted_by_mean(), normalised)
        gammas = work.responsibilities
        at = f"point {point_number(i)} (x = {x[i]:.6g}, marked ▲ on the strip)"
        if kind == "gamma":
            comps = [c for c in range(k) if GAMMA_TOL < gammas[c] < 1 - GAMMA_TOL] or list(range(k))
            c = int(_pick(rng, comps))
            return Question(t, False, kind, c + 1, i, f"E step next: what will γ{c + 1} be at {at}?",
                            f"a number from 0 to 1; right within ±{GAMMA_TOL:g}", float(gammas[c]), GAMMA_TOL)
        best = int(np.argmax(gammas)) + 1
        return Question(t, False, kind, best, i, f"E step next: which component will claim {at}, "
                        "with the largest γ?", f"a component number, 1 to {k} (numbered by mean); exactly",
                        float(best), None, k)

    def _ask_m(self, rng, run, model, order, t: int) -> Question:
        new = run.params(t + 1)
        ok = [c for c, j in enumerate(order) if math.isfinite(new.means[j]) and math.isfinite(new.weights[j])]
        moved = np.abs(new.means - model.means) / model.sds  # how far each mean moves, in its σ
        moving = [c for c in ok if moved[order[c]] >= STILL_SHARE]
        fits = (["direction"] if moving else []) + (["mean", "weight"] if ok else []) + ["ll"]
        kind = self._kind(rng, fits, True)
        if kind == "ll":
            ll = run.ll
            fell = find_decrease(ll[t: t + 2], run.term_sizes(t + 1)[t: t + 2]) is not None
            return Question(t, True, kind, 0, None, f"M step next: will LL rise (or stay) from {ll[t]:,.3f}?",
                            "y (rises or stays) or n (falls); exactly", "n" if fell else "y", None)
        c = int(_pick(rng, moving if kind == "direction" else ok))
        j, num = int(order[c]), c + 1
        mu, sd, pi = float(model.means[j]), float(model.sds[j]), float(model.weights[j])
        if kind == "direction":
            right = "r" if new.means[j] > mu else "l"
            return Question(t, True, kind, num, None, f"M step next: which way will μ{num} (now {mu:.6g}) move?",
                            "l (left, smaller) or r (right, larger); exactly", right, None)
        if kind == "mean":
            tol = MEAN_SHARE * sd
            return Question(t, True, kind, num, None, f"M step next: what will μ{num} be (now {mu:.6g})?",
                            f"a number; right within ±{tol:.3g} (10 % of σ{num} = {sd:.3g})",
                            float(new.means[j]), tol)
        return Question(t, True, kind, num, None, f"M step next: what will π{num} be (now {pi:.3f})?",
                        f"a number from 0 to 1; right within ±{WEIGHT_TOL:g}", float(new.weights[j]), WEIGHT_TOL)

    # -- answering --------------------------------------------------------------------------------
    def answer(self, q: Question, typed: str) -> Entry:
        """Score ``typed`` against ``q`` and add it to the record; Refused (nothing recorded) for an
        answer that is not of the kind asked for."""
        text = str(typed).strip()
        right = judge(q, text)
        tol = "exactly" if q.tolerance is None else f"±{q.tolerance:.3g}"
        entry = Entry(q.t, q.half, q.kind, q.text, text, q.shown, tol, right)
        self.record.append(entry)
        return entry

    # -- keeping ----------------------------------------------------------------------------------
    def as_dict(self) -> dict:
        """The session file's "lab": whether it is on, and the record."""
        return {"on": self.on, "record": [asdict(e) for e in self.record]}

    @classmethod
    def from_dict(cls, doc, max_t: int) -> "Lab":
        """The lab from a session file's "lab" (SessionError, saying what is wrong, for anything else)."""
        if not isinstance(doc, dict):
            raise SessionError("'lab' should be an object with 'on' and 'record'")
        on, record = doc.get("on", False), doc.get("record", [])
        if not isinstance(on, bool):
            raise SessionError("lab: 'on' should be true or false")
        if not isinstance(record, list) or len(record) > MAX_RECORD:
            raise SessionError(f"lab: 'record' should be a list of at most {MAX_RECORD:,} answers")
        return cls(on, [_entry(e, i + 1, max_t) for i, e in enumerate(record)])

    def export_lines(self) -> tuple[str, ...]:
        """The record as the export's comment lines (CSV after "# ", plain text)."""
        if not self.record:
            return ()
        right, asked = self.score
        lines = [f"lab (predict, then reveal): {right} of {asked} right",
                 "lab,t,step,kind,question,answer,correct,tolerance,right"]
        for e in self.record:
            cells = [str(e.t), "M" if e.half else "E", e.kind, e.question, e.answer, e.correct, e.tolerance,
                     str(int(e.right))]
            lines.append("lab," + ",".join(_csv(printable(c)) for c in cells))
        return tuple(lines)


def _csv(cell: str) -> str:
    """One CSV cell: quoted when it holds a comma or a quote; a text a spreadsheet would take for a formula
    (=, +, -, @ first, and not a number) gets a ' before it."""
    if cell[:1] in ("=", "+", "-", "@") and not _is_number(cell):
        cell = "'" + cell
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"') else cell


def _is_number(text: str) -> bool:
    try:
        to_number(text)
    except ValueError:
        return False
    return True


def _entry(doc, number: int, max_t: int) -> Entry:
    where = f"lab: answer {number}: "
    if not isinstance(doc, dict):
        raise SessionError(f"{where}should be an object")
    t = doc.get("t")
    if type(t) is not int or not 0 <= t <= max_t:
        raise SessionError(f"{where}'t' should be a whole number from 0 to {max_t}")
    if doc.get("kind") not in KINDS:
        raise SessionError(f"{where}'kind' should be one of {', '.join(KINDS)}")
    for key in ("half", "right"):
        if not isinstance(doc.get(key), bool):
            raise SessionError(f"{where}'{key}' should be true or false")
    texts = {}
    for key in ("question", "answer", "correct", "tolerance"):
        value = doc.get(key)
        if not isinstance(value, str) or len(value) > MAX_TEXT or printable(value) != value:
            raise SessionError(f"{where}'{key}' should be one line of text of at most {MAX_TEXT} characters")
        texts[key] = value
    if (doc["kind"] in E_KINDS) == doc["half"]:
        step = "M" if doc["half"] else "E"
        raise SessionError(f"{where}a {doc['kind']} question is not asked before the {step} step")
    return Entry(t, doc["half"], doc["kind"], right=doc["right"], **texts)


def judge(q: Question, text: str) -> bool:
    """Whether ``text`` answers ``q`` right; Refused saying what to type when it is not an answer."""
    if q.kind in ("direction", "ll"):
        word = _WORDS.get(text.lower().replace("\u2212", "-"))
        allowed = ("l", "r") if q.kind == "direction" else ("y", "n")
        if word not in allowed:
            what = "type l (left) or r (right)" if q.kind == "direction" else "type y (yes) or n (no)"
            raise Refused(_not(text) + what)
        return word == q.correct
    try:
        value = to_number(text)
    except ValueError:
        value = math.nan
    if q.kind == "claims":
        if not (math.isfinite(value) and value == int(value) and 1 <= value <= q.k):
            raise Refused(_not(text) + f"type a component number from 1 to {q.k}")
        return int(value) == int(q.correct)
    if not math.isfinite(value):
        raise Refused(_not(text) + "type a number (such as 0.25 or -1.5)")
    if q.kind in ("gamma", "weight") and not 0 <= value <= 1:
        raise Refused(_not(text) + f"{'γ' if q.kind == 'gamma' else 'π'} is from 0 to 1")
    return bool(abs(value - q.correct) <= q.tolerance * (1 + 1e-12))



def _not(text: str) -> str:
    """The start of a refusal of what was typed (quoted as typed: it is shown as plain text)."""
    return f"{shown(text)} is not an answer here: " if text else ""
