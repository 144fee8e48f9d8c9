"""Every outcome in words: the one module that turns what a session did (em_tui.session.outcomes)
into the sentences the status line, a refusal and a session file's error say.

Words that name a key take a :data:`Keys` function, which the simulator builds from its bindings
(``em_tui.tui.keynames``), so a key rebound in ``BINDINGS`` is named right everywhere. Without one
(``keys=None``: a session file's error, read where no keys are pressed) the same sentences are
given without their "press …" parts, so a refusal says the same thing wherever it is shown.
Nothing here changes state; every function is pure, and none needs the user interface.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Callable

from ..core.anomaly import percent
from ..errors import Refused
from . import outcomes as out
from .view import ANOMALY_MARK

#: A key's name for an action ("step" → "→"; with a second argument True, its other keys too:
#: "→ (or n, space)"), or None where no keys are named.
Keys = Callable[..., str] | None


class NotNow(Refused):
    """A key that cannot act now; ``outcome`` says why. Its ``str`` is the outcome's words without
    key names (what a session file's replay error says); the simulator words it with its keys."""

    def __init__(self, outcome: out.Outcome) -> None:
        self.outcome = outcome
        super().__init__(outcome)

    def __str__(self) -> str:
        return describe(self.outcome)


def _g(v: float) -> str:
    return f"{v:g}"


def _listed(c: tuple[int, ...]) -> str:
    return (f"component {c[0]}" if len(c) == 1 else
            "components " + ", ".join(str(v) for v in c[:-1]) + f" and {c[-1]}")


def end_words(end: out.End) -> str:
    """Why the run ended, said as what it is (:attr:`End.verdict <em_tui.session.outcomes.End.verdict>`):
    only EM's own updates that met the stopping rule without a collapse are called "converged"; a run under
    a fault, or one whose component collapsed, says what happened instead."""
    stopped = (f"stopped at iteration {end.iterations}: LL changed by less than {end.tol:g}" if end.converged
               else f"stopped at the iteration cap ({end.max_iter})")
    collapse = (f"{_listed(end.collapsed)} collapsed onto a point (σ ≈ 0): LL climbs without bound there, so "
                "this is no maximum but a known EM failure (a smaller σ always 'fits better')") if end.collapsed else ""
    verdict = end.verdict
    if verdict == "fault":
        text = f"{stopped}, but under the fault “{end.fault}” the updates are not EM's: this is not EM's answer."
        return f"{text} {collapse[0].upper()}{collapse[1:]}." if collapse else text
    if verdict == "collapsed":
        return f"{stopped}, and {collapse}; try another start."
    if verdict == "converged":
        text = f"converged at iteration {end.iterations} (LL changed by less than {end.tol:g})."
    else:
        text = f"reached the iteration cap ({end.max_iter})."
    note = ""
    if end.empty:
        note = f"Component {end.empty[0]} is empty (π ≈ 0): it explains no points; try a start inside the data."
    elif end.identical:
        note = ("The two components are identical: from a symmetric start EM can never tell them apart "
                "(every update treats both alike). Try a start with two different means.")
    return f"{text} {note}" if note else text


def what_next(end: out.End | None, keys: Keys = None) -> str:
    """What to try once a run has ended (" " and a sentence, keys named by ``keys``; "" without keys, before
    the end, or after an end whose words already say what to do): after EM converged, the lab's other
    experiments; under a fault, the key that switches it off; after a collapse, where another start is."""
    if end is None or not keys:
        return ""
    verdict = end.verdict
    if verdict == "fault":
        return f" {keys('faults')} switches the fault off."
    if verdict == "collapsed":
        return f" {keys('presets')} or {keys('start_editor')} gives another start."
    if verdict == "converged" and not (end.empty or end.identical):
        return (f" Try next: {keys('presets')} or {keys('start_editor')} another start, {keys('faults')} a fault, "
                f"{keys('choose_k')} choose K, {keys('optima')} local optima, {keys('compare')} k-means vs EM.")
    return ""


def _ll_note(end: out.End | None, keys: Keys = None) -> str:
    if end is None:
        return ""
    reason = end_words(end)
    return reason[0].upper() + reason[1:] + what_next(end, keys)


@singledispatch
def describe(outcome: out.Outcome, keys: Keys = None) -> str:
    """What ``outcome`` says in the status line (keys named by ``keys``, or left out without it)."""
    raise TypeError(f"no words for {outcome!r}")


@describe.register
def _(o: out.Opened, keys: Keys = None) -> str:
    press = (f" Press {keys('step', True)} for one EM iteration, {keys('e_step')} for the E step alone."
             if keys else "")
    data = "" if o.student_data is None else f"{o.student_data}: "
    return f"{data}iteration 0: the start.{press}"


@describe.register
def _(o: out.Stepped, keys: Keys = None) -> str:
    return f"iteration {o.t}: E step then M step. {_ll_note(o.end, keys)}"


@describe.register
def _(o: out.EStepped, keys: Keys = None) -> str:
    press = f" Press {keys('m_step')}." if keys else ""
    if o.total is not None:
        return (f"E step of iteration {o.iteration}, the fault's: rows w_ik sum to p(x_i), not 1 "
                f"(Σ_k N_k = {o.total:.4g}, not N = {o.n:,}).{press}")
    return (f"E step of iteration {o.iteration}: responsibilities computed at the current parameters "
            f"(the data shared out by r), N_k updated; parameters not moved yet.{press}")


@describe.register
def _(o: out.MStepped, keys: Keys = None) -> str:
    return f"M step: iteration {o.t} done; π, μ, σ moved to the weighted averages. {_ll_note(o.end, keys)}"


@describe.register
def _(o: out.EUndone, keys: Keys = None) -> str:
    return f"iteration {o.t}: E step undone (the parameters had not moved)."


@describe.register
def _(o: out.SteppedBack, keys: Keys = None) -> str:
    return f"back to iteration {o.t} (from the record: nothing recomputed)."


@describe.register
def _(o: out.Home, keys: Keys = None) -> str:
    return "iteration 0: the start."


@describe.register
def _(o: out.Shown, keys: Keys = None) -> str:
    if o.t < o.asked:
        return f"{end_words(o.end)} Showing iteration {o.t}.{what_next(o.end, keys)}"
    return f"iteration {o.t}. {_ll_note(o.end, keys)}"


@describe.register
def _(o: out.Restarted, keys: Keys = None) -> str:
    what = f"fault {o.fault!r} on" if o.fault else "correct EM"
    begin = (f"k-means start (seed {o.seed})" if o.means is None
             else f"start means ({', '.join(_g(v) for v in o.means)})")
    data = f"seed {o.seed}" if o.simulated and not o.for_student else o.label
    return f"restarted at iteration 0: {data}, {begin}, {what}"


@describe.register
def _(o: out.StartSet, keys: Keys = None) -> str:
    if o.method == "user":
        what = "your start"
    else:
        what = (f"{'k-means' if o.method == 'kmeans' else 'random'} start"
                + (f", the best of {o.restarts} by final LL ({o.best_ll:,.3f})" if o.best_ll is not None else ""))
    s = o.start
    note = " Two start means are equal: EM may not separate those components." if o.equal_means else ""
    return (f"restarted at iteration 0 with K = {o.k}, {what}: π " + ", ".join(f"{v:.3g}" for v in s.weights)
            + "; μ " + ", ".join(f"{v:.4g}" for v in s.means) + "; σ " + ", ".join(f"{v:.3g}" for v in s.sds)
            + "." + note)


@describe.register
def _(o: out.FitOpened, keys: Keys = None) -> str:
    home = f"; {keys('home')} shows its start." if keys else "."
    return (f"{o.what}: {end_words(o.end)} LL = {o.ll:,.3f}{home}"
            + (f" Fault {o.fault_off!r} is off." if o.fault_off else ""))


@describe.register
def _(o: out.DataLoaded, keys: Keys = None) -> str:
    where = "the lesson's simulated data" if o.name is None else f"{o.name} ({o.n:,} values)"
    return f"loaded {where}; " + describe(o.restarted, keys)


@describe.register
def _(o: out.PresetApplied, keys: Keys = None) -> str:
    shows = f" ({o.shows})" if o.shows else ""
    return f"preset “{o.name}”{shows}: " + describe(o.restarted, keys)


@describe.register
def _(o: out.AnomaliesMarked, keys: Keys = None) -> str:
    f = o.found
    if f is None:
        return "anomaly marks off."
    listed = f"; {keys('anomalies')} lists them." if keys else "."
    return (f"anomalies: {f.count} of {f.n:,} points below the {percent(f.quantile)} quantile "
            f"of log p(x) ({f.threshold:.4g}), marked {ANOMALY_MARK} on the strip{listed}")


@describe.register
def _(o: out.SessionOpened, keys: Keys = None) -> str:
    marks = (f"; anomalies marked {ANOMALY_MARK} below the {percent(o.quantile)} quantile of log p(x)"
             if o.quantile is not None else "")
    return f"opened the session {o.name} at iteration {o.t}{marks}{o.note}"


@describe.register
def _(o: out.RunStarted, keys: Keys = None) -> str:
    return f"running from iteration {o.t} to convergence…"


@describe.register
def _(o: out.RunStopped, keys: Keys = None) -> str:
    return f"stopped at iteration {o.t}."


@describe.register
def _(o: out.RunFinished, keys: Keys = None) -> str:
    return end_words(o.end) + what_next(o.end, keys)


@describe.register
def _(o: out.PaceSet, keys: Keys = None) -> str:
    if not o.changed:
        return f"{pace_words(o.pace)}: already the {'fastest' if o.faster else 'slowest'} pace of a run."
    run = f" ({keys('run')})" if keys else ""
    return f"a run{run} now goes at {pace_words(o.pace)}."


def pace_words(pace: float, short: bool = False) -> str:
    """A run's pace: "0.15 s between iterations" (short: "0.15 s/iteration"), or "no pause between
    iterations" ("no pause")."""
    if short:
        return f"{pace:g} s/iteration" if pace > 0 else "no pause"
    return f"{pace:g} s between iterations" if pace > 0 else "no pause between iterations"


@describe.register
def _(o: out.Writing, keys: Keys = None) -> str:
    return f"writing {o.name}…"


@describe.register
def _(o: out.Written, keys: Keys = None) -> str:
    name = o.path.replace("\\", "/").rsplit("/", 1)[-1]  # the name written, in the folder asked for
    renamed = "" if name == o.asked else f" ({o.asked} exists and was left as it was)"
    if o.kind == "export":
        text = (f"exported the parameters at iteration {o.t} and {o.n:,} points' "
                f"responsibilities to {o.path}{renamed}")
    else:
        text = f"saved the session to {o.path}{renamed} (reopen it with: em-tui --session {name})"
    return text + o.download


# -- keys that cannot act here (what a NotNow holds) --------------------------------------------
@describe.register
def _(o: out.AtEnd, keys: Keys = None) -> str:
    back = f" {keys('back')} goes back, {keys('home')} shows the start." if keys and o.back else ""
    return end_words(o.end) + back


@describe.register
def _(o: out.EAlreadyDone, keys: Keys = None) -> str:
    then = f"; press {keys('m_step')} for its M step" if keys else ""
    return f"the E step of iteration {o.iteration} is done{then}."


@describe.register
def _(o: out.NeedE, keys: Keys = None) -> str:
    first = f"press {keys('e_step')} first: t" if keys else "t"
    return f"{first}he M step uses the responsibilities from the E step."


@describe.register
def _(o: out.NoPresets, keys: Keys = None) -> str:
    how = (f" ({keys('new_seed')}: another k-means start; fields μ₁, μ₂: your own means when K = 2)"
           if keys else "")
    return f"the presets are the lesson's starts; your data start from k-means{how}"


# -- the status line and the app's own failures ---------------------------------------------------
def refusal(exc: Refused, keys: Keys = None) -> str:
    """A refusal's words: those of the outcome it holds (with the keys), else its message."""
    outcome = getattr(exc, "outcome", None)
    return describe(outcome, keys) if outcome is not None else str(exc)


def status_line(words: str, running: bool, fault: str | None, keys: Keys = None, pace: float | None = None,
                to_end: bool = False) -> str:
    """The status line: what happened, whether a run is going on (at ``pace``, or ``to_end`` without a
    pause) and the keys that change it, the fault that is on."""
    if to_end:
        how, change = " to the end, no pause", ""
    else:
        how = "" if pace is None else f", {pace_words(pace, short=True)}"
        change = f", {keys('faster')}/{keys('slower')} pace, {keys('to_end')} to the end" if keys else ""
    stops = f" ({keys('run')} or {keys('escape')} stops{change})" if keys else ""
    run = f"  ·  running{how}{stops}" if running else ""
    return f"{words}{run}{f'  ·  fault: {fault}' if fault else ''}"


def download_words(error: OSError | None) -> str:
    """What the status says after a file is handed to the browser (em-tui serve)."""
    if error is None:
        return "; your browser downloads a copy"
    return f"; your browser could not be given a copy ({error.strerror or error})"


def write_failed(path, exc: OSError) -> str:
    return f"could not write {path}: {exc.strerror or exc} (nothing was written)"


def still_writing(name: str) -> str:
    return f"still writing {name}; wait until it is done"


def not_saved(exc: Exception) -> str:
    return f"could not save the session: {exc}"


# -- the lab mode (predict, then reveal) ----------------------------------------------------------
from .lab import LabAnswered, LabCancelled, LabRefused, LabToggled  # noqa: E402  (the lab's outcomes)


def lab_score(right: int, asked: int) -> str:
    return f"{right} of {asked} right"


def lab_status(on: bool, right: int, asked: int, keys: Keys = None) -> str:
    """The status line's end while the lab mode is on: it is, and the score."""
    if not on:
        return ""
    leave = f", {keys('lab')} leaves" if keys else ""
    return f"  ·  lab: {lab_score(right, asked)}{leave}"


@describe.register
def _(o: LabToggled, keys: Keys = None) -> str:
    if not o.on:
        return f"lab mode off (the record is kept: {lab_score(o.right, o.asked)})."
    steps = (f" {keys('step')}, {keys('e_step')} and {keys('m_step')} each ask one question first" if keys
             else " each half step asks one question first")
    return f"lab mode on: predict, then reveal.{steps}; the answer is scored, then the step is shown."


@describe.register
def _(o: LabAnswered, keys: Keys = None) -> str:
    e = o.entry
    verdict = "✓ right" if e.right else "✗ wrong"
    return (f"{verdict}: the answer was {e.correct} ({e.tolerance}; you: {e.answer}). "
            + describe(o.then, keys))


@describe.register
def _(o: LabCancelled, keys: Keys = None) -> str:
    return f"question put away: no {o.step} step taken, nothing scored."


@describe.register
def _(o: LabRefused, keys: Keys = None) -> str:
    leave = f" — {keys('lab')} leaves it" if keys else ""
    if o.peek:
        return f"lab mode: this view would show the next step's answer before you predict it{leave}."
    return f"lab mode: predict each step{leave}; {keys('step') if keys else 'step'} goes one half step on."


# -- the marked point (Session.mark_point, the point mode) ------------------------------------------
from .marking import PointMarked  # noqa: E402  (kept with the words it needs)


@describe.register
def _(o: PointMarked, keys: Keys = None) -> str:
    if o.index is None:
        return "no point marked"
    where = f"point {o.index + 1:,} (x = {o.x:.6g}), {o.place:,} of {o.n:,} by x"
    if not o.moving:
        return f"{where}: marked ▲ on the strip"
    press = (f": {keys('point_open')} shows its E step, {keys('point_prev')}/{keys('point_next')} move "
             f"({keys('point_back10')}/{keys('point_fwd10')} by 10), {keys('work')} leaves") if keys else ""
    return where + press
