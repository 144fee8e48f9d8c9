"""All the simulator's status words: outcomes (em_tui.session.outcomes) turned into sentences.

Key names come from the bindings through the one key-naming function, :func:`key_for`, so a
key rebound in ``BINDINGS`` is named right everywhere (the words, the help, the palette, the dialogs). Nothing here changes state; every function is pure.
"""

from __future__ import annotations

import re
from functools import singledispatch
from typing import Callable, Iterable, Mapping

from ..core.anomaly import percent
from ..errors import Refused
from ..session import outcomes as out
from ..session.outcomes import end_words, not_now
from ..session.view import ANOMALY_MARK

#: A key's name for an action ("step" → "→").
Keys = Callable[[str], str]

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


def _g(v: float) -> str:
    return f"{v:g}"


def _ll_note(end: out.End | None) -> str:
    if end is None:
        return ""
    reason = end_words(end)
    return reason[0].upper() + reason[1:]


@singledispatch
def describe(outcome: out.Outcome, keys: Keys) -> str:
    raise TypeError(f"no words for {outcome!r}")


@describe.register
def _(o: out.Opened, keys: Keys) -> str:
    return (f"iteration 0: the start. Press {keys('step', True)} for one EM iteration, "
            f"{keys('e_step')} for the E step alone.")


@describe.register
def _(o: out.Stepped, keys: Keys) -> str:
    return f"iteration {o.t}: E step then M step. {_ll_note(o.end)}"


@describe.register
def _(o: out.EStepped, keys: Keys) -> str:
    return (f"E step of iteration {o.iteration}: responsibilities computed at the current parameters "
            f"(the data shared out by r), N_k updated; parameters not moved yet. Press {keys('m_step')}.")


@describe.register
def _(o: out.MStepped, keys: Keys) -> str:
    return f"M step: iteration {o.t} done; π, μ, σ moved to the weighted averages. {_ll_note(o.end)}"


@describe.register
def _(o: out.EUndone, keys: Keys) -> str:
    return f"iteration {o.t}: E step undone (the parameters had not moved)."


@describe.register
def _(o: out.SteppedBack, keys: Keys) -> str:
    return f"back to iteration {o.t} (from the record: nothing recomputed)."


@describe.register
def _(o: out.Home, keys: Keys) -> str:
    return "iteration 0: the start."


@describe.register
def _(o: out.Shown, keys: Keys) -> str:
    if o.t < o.asked:
        return f"{end_words(o.end)} Showing iteration {o.t}."
    return f"iteration {o.t}. {_ll_note(o.end)}"


@describe.register
def _(o: out.Restarted, keys: Keys) -> str:
    what = f"fault {o.fault!r} on" if o.fault else "correct EM"
    begin = (f"k-means start (seed {o.seed})" if o.means is None
             else f"start means ({', '.join(_g(v) for v in o.means)})")
    data = f"seed {o.seed}" if o.simulated else o.label
    return f"restarted at iteration 0: {data}, {begin}, {what}"


@describe.register
def _(o: out.StartSet, keys: Keys) -> str:
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
def _(o: out.FitOpened, keys: Keys) -> str:
    return (f"{o.what}: {end_words(o.end)} LL = {o.ll:,.3f}; {keys('home')} shows its start."
            + (f" Fault {o.fault_off!r} is off." if o.fault_off else ""))


@describe.register
def _(o: out.DataLoaded, keys: Keys) -> str:
    where = "the lesson's simulated data" if o.name is None else f"{o.name} ({o.n:,} values)"
    return f"loaded {where}; " + describe(o.restarted, keys)


@describe.register
def _(o: out.PresetApplied, keys: Keys) -> str:
    return f"preset “{o.name}”: " + describe(o.restarted, keys)


@describe.register
def _(o: out.AnomaliesMarked, keys: Keys) -> str:
    f = o.found
    if f is None:
        return "anomaly marks off."
    return (f"anomalies: {f.count} of {f.n:,} points below the {percent(f.quantile)} quantile "
            f"of log p(x) ({f.threshold:.4g}), marked {ANOMALY_MARK} on the strip; {keys('anomalies')} lists them.")


@describe.register
def _(o: out.SessionOpened, keys: Keys) -> str:
    marks = (f"; anomalies marked {ANOMALY_MARK} below the {percent(o.quantile)} quantile of log p(x)"
             if o.quantile is not None else "")
    return f"opened the session {o.name} at iteration {o.t}{marks}{o.note}"


@describe.register
def _(o: out.RunStarted, keys: Keys) -> str:
    return f"running from iteration {o.t} to convergence…"


@describe.register
def _(o: out.RunStopped, keys: Keys) -> str:
    return f"stopped at iteration {o.t}."


@describe.register
def _(o: out.RunFinished, keys: Keys) -> str:
    return f"{end_words(o.end)} Run finished at iteration {o.t}."


@describe.register
def _(o: out.Writing, keys: Keys) -> str:
    return f"writing {o.name}…"


@describe.register
def _(o: out.Written, keys: Keys) -> str:
    name = o.path.replace("\\", "/").rsplit("/", 1)[-1]  # the name written, in the folder asked for
    renamed = "" if name == o.asked else f" ({o.asked} exists and was left as it was)"
    if o.kind == "export":
        text = (f"exported the parameters at iteration {o.t} and {o.n:,} points' "
                f"responsibilities to {o.path}{renamed}")
    else:
        text = f"saved the session to {o.path}{renamed} (reopen it with: em-tui --session {name})"
    return text + o.download


@describe.register(out.AtEnd)
@describe.register(out.EAlreadyDone)
@describe.register(out.NeedE)
@describe.register(out.NoPresets)
def _(o: out.Outcome, keys: Keys) -> str:
    return not_now(o, keys)  # the same sentences as a session file's error, with the keys named


def refusal(exc: Refused, keys: Keys) -> str:
    """A refusal's words: those of the outcome it holds (with the keys), else its message."""
    outcome = getattr(exc, "outcome", None)
    return describe(outcome, keys) if outcome is not None else str(exc)


def status_line(words: str, running: bool, fault: str | None, keys: Keys) -> str:
    """The status line: what happened, whether a run is going on, the fault that is on."""
    run = f"  ·  running ({keys('run')} or {keys('escape')} stops)" if running else ""
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
