"""Command line: ``em-tui``, ``em-tui fit`` (a stable contract for scripts and graders) and
``em-tui serve`` (the simulator in a web browser; needs the ``web`` extra).

Every bad input exits with status 2 and one line on stderr that begins
``error:``; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import __version__
from .core import data as data_mod
from .core import em
from .core.errors import EmTuiError, printable
from .core.faults import FAULTS, get_fault
from .core.init import INIT_METHODS, multi_start, user_start
from .core.limits import MAX_ITERATIONS, MAX_POINTS, MAX_RESTARTS, SEED_LIMIT, check_run_memory, count_text
from .core.model import K_MAX
from .core.numfmt import fit_number

#: components the app shows (em-tui fit takes up to K_MAX)
K_MIN_APP, K_MAX_APP = 1, 8
from .core.anomaly import Anomalies, find_anomalies, parse_quantile
from .core.select import SelectionRow, aic, best_k, bic, select_k
from .core.trajectory import DEFAULT_MAX_ITER, DEFAULT_TOL, Trajectory

EXIT_BAD_INPUT = 2
OUT_OF_MEMORY = ("not enough memory for this request in this process (a memory limit is set, or the machine is "
                 "busy): ask for fewer points, iterations or starts")
#: --select-k fits each K from at least this many starts
SELECT_MIN_RESTARTS = 5
LIST_OPTIONS = ("--means", "--sds", "--weights", "--values")
_NEGATIVE_START = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


class UsageError(Exception):
    """A bad command line (reported as one ``error:`` line, exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse API
        raise UsageError(message)


def _join_negative_lists(argv: Sequence[str]) -> list[str]:
    """Let ``--means -2,7`` mean ``--means=-2,7`` (argparse would take -2,7 for an option)."""
    out: list[str] = []
    i = 0
    argv = list(argv)
    while i < len(argv):
        tok = argv[i]
        if tok in LIST_OPTIONS and i + 1 < len(argv) and _NEGATIVE_START.match(argv[i + 1]):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _fit_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("data (one source; default: the lesson's simulated data)")
    src.add_argument("file", nargs="?", metavar="FILE", help="a .csv, .txt or .npy file of numbers")
    src.add_argument("--column", metavar="C", help="column of FILE: a header name or a 0-based index")
    src.add_argument("--values", metavar='"1.2, 3.4, ..."', help="numbers separated by commas, semicolons or spaces")
    src.add_argument("--dataset", metavar="NAME", help="built-in data: " + ", ".join(data_mod.DATASETS))
    src.add_argument("--seed", metavar="S", help="seed of the simulated data and of random/k-means starts (default 0)")
    src.add_argument("--n", metavar="N", help="number of simulated points (default 200)")
    mod = p.add_argument_group("model and start")
    mod.add_argument("--k", metavar="K", help=f"number of components, 1..{K_MAX} (default 2, or the length of --means)")
    mod.add_argument("--means", metavar="a,b,..", help="starting means (negative values are fine: --means -2,7)")
    mod.add_argument("--sds", metavar="a,b,..", help="starting standard deviations (> 0)")
    mod.add_argument("--weights", metavar="a,b,..", help="starting weights (>= 0, summing to 1)")
    mod.add_argument("--init", metavar="user|kmeans|random", help="how to start (default: user for the lesson's data or when --means is given, else kmeans)")
    mod.add_argument("--restarts", metavar="R", help="number of kmeans/random starts; the best final LL is kept (default 1)")
    run = p.add_argument_group("run")
    run.add_argument("--iterations", metavar="T", help=f"iteration cap (default {DEFAULT_MAX_ITER})")
    run.add_argument("--tol", metavar="TOL", help=f"stop when LL rises by less than TOL (default {DEFAULT_TOL:g}; 0 runs exactly T iterations)")
    run.add_argument("--fault", metavar="NAME", help="a deliberately wrong M step: " + ", ".join(FAULTS))
    more = p.add_argument_group("beyond the fit")
    more.add_argument("--select-k", metavar="KMAX",
                      help=f"also fit K = 1..KMAX (2..{K_MAX}; best of --restarts starts each, at least 5, k-means unless "
                           "--init random) and report LL, BIC and AIC for each K")
    more.add_argument("--anomalies", metavar="Q",
                      help="list the points whose log-density under the fit is below the Q quantile "
                           "of all points' (0.01 or 1%%; at most 0.5)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="em-tui",
        description="Watch and check the EM algorithm on one-dimensional Gaussian mixtures.",
        epilog="Run 'em-tui fit --help' for the headless fit, 'em-tui serve --help' for the browser.",
    )
    parser.add_argument("--version", action="version", version=f"em-tui {__version__}")
    app = parser.add_argument_group("the simulator (em-tui [FILE] with no sub-command)")
    app.add_argument("--file", dest="app_file", metavar="FILE", help=argparse.SUPPRESS)
    app.add_argument("--column", dest="app_column", metavar="C", help="column of FILE: a header name or a 0-based index")
    app.add_argument("--dataset", dest="app_dataset", metavar="NAME",
                     help=f"a built-in data set: {', '.join(data_mod.DATASETS)}")
    app.add_argument("--values", dest="app_values", metavar='"1.2, 3.4, ..."', help="your own numbers")
    app.add_argument("--session", dest="app_session", metavar="FILE",
                     help="reopen a session saved with the s key (alone: no other data or start options)")
    app.add_argument("--k", dest="app_k", metavar="K", help=f"number of components, {K_MIN_APP}..{K_MAX_APP} (default 2)")
    app.add_argument("--seed", dest="app_seed", metavar="S",
                     help="the lesson's data seed, or the k-means start's seed on your own data (default 0)")
    app.add_argument("--n", dest="app_n", metavar="N", help="number of simulated points (default 200)")
    app.add_argument("--means", dest="app_means", metavar="a,b", help="the two starting means (default 1,3)")
    app.add_argument("--fault", dest="app_fault", metavar="NAME", help=f"start with a teaching fault: {', '.join(FAULTS)}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    fit = sub.add_parser(
        "fit",
        help="fit a mixture headless and print a table or JSON",
        description="Fit a 1-D Gaussian mixture with EM and print the result.",
    )
    _fit_arguments(fit)
    from .web import DEFAULT_HOST, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSIONS, DEFAULT_PORT, DEFAULT_RUN_DIR

    serve = sub.add_parser(
        "serve",
        help="serve the simulator in a web browser (needs: pip install \"em-tui[web]\")",
        description="Serve the simulator in a web browser; each browser tab gets its own session.",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, metavar="HOST",
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
                            "0.0.0.0 lets in anyone who can reach this machine and has the printed address)")
    serve.add_argument("--port", default=str(DEFAULT_PORT), metavar="PORT",
                       help=f"port to listen on, 1..65535 (default {DEFAULT_PORT})")
    serve.add_argument("--no-token", action="store_true",
                       help="do not ask for the secret token of the printed address (anyone who can connect gets in)")
    serve.add_argument("--max-sessions", default=str(DEFAULT_MAX_SESSIONS), metavar="N",
                       help=f"browser sessions that may run at once, each a process (default {DEFAULT_MAX_SESSIONS})")
    serve.add_argument("--idle-timeout", default=str(DEFAULT_IDLE_TIMEOUT), metavar="SECONDS",
                       help=f"end a session after this long without input; 0: never (default {DEFAULT_IDLE_TIMEOUT})")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address students open when a reverse proxy stands in front, "
                            "e.g. https://lab.example.edu/em-tui/")
    serve.add_argument("--run-dir", default=DEFAULT_RUN_DIR, metavar="DIR",
                       help=f"folder that gets one folder per session for its exports and saves (default ./{DEFAULT_RUN_DIR})")
    return parser


# -- option parsing helpers ----------------------------------------------------
def _shown(text: str) -> str:
    """A value the user typed, quoted for a message (long ones cut short, escapes shown)."""
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _int(name: str, text: str | None, default: int, minimum: int = 0, maximum: int | None = None,
         why: str = "") -> int:
    """A whole number option within [minimum, maximum] (``why`` says what the maximum protects)."""
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise UsageError(f"{name} must be a whole number, got {_shown(text)}") from None
    if value < minimum:
        raise UsageError(f"{name} must be at least {minimum}, got {count_text(value)}")
    if maximum is not None and value > maximum:
        raise UsageError(f"{name} must be at most {maximum:,}{why}, got {count_text(value)}")
    return value


def _float(name: str, text: str | None, default: float) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name} must be a number, got {_shown(text)}") from None
    if not np.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a finite number >= 0, got {_shown(text)}")
    return value


def _list(name: str, text: str | None) -> list[float] | None:
    if text is None:
        return None
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    if not tokens:
        raise UsageError(f"{name} needs a list of numbers, e.g. {name} 1,3")
    out = []
    for i, tok in enumerate(tokens, start=1):
        try:
            out.append(float(tok))
        except ValueError:
            raise UsageError(f"{name}: value {i} {_shown(tok)} is not a number") from None
    return out


def _seed(text: str | None) -> int:
    """The seed: a whole number from 0 to SEED_LIMIT (the app's seed field has the same range)."""
    value = _int("--seed", text, data_mod.DEFAULT_SEED)
    if value > SEED_LIMIT:
        raise UsageError(f"--seed must be a whole number from 0 to {SEED_LIMIT}, got {count_text(value)}")
    return value


def _n(text: str | None) -> int:
    return _int("--n", text, data_mod.DEFAULT_N, minimum=data_mod.MIN_POINTS, maximum=MAX_POINTS)


@dataclass
class FitResult:
    dataset: data_mod.DataSet
    run: Trajectory
    init: str
    seed: int
    restarts: int
    fault: str | None
    start_lls: list[float]
    sort_output: bool
    selection: list[SelectionRow] | None = None
    selection_kmax: int = 0
    anomalies: Anomalies | None = None


def load_source(file, column, values, dataset, n) -> data_mod.DataSet | None:
    """The user's data from one of FILE (+ --column), --values or --dataset; None when none is given.

    The same rules for ``em-tui fit`` and the app: one source at most, --column only with a
    FILE, --n only for the simulated data.
    """
    sources = [s for s, v in (("FILE", file), ("--values", values), ("--dataset", dataset)) if v is not None]
    if len(sources) > 1:
        raise UsageError(f"give one data source, not {' and '.join(sources)}")
    if column is not None and file is None:
        raise UsageError("--column applies only to a FILE")
    if n is not None and sources:
        raise UsageError("--n applies only to the simulated data (no FILE, --values or --dataset)")
    if file is not None:
        return data_mod.load_file(file, column)
    if values is not None:
        return data_mod.from_text(values)
    if dataset is not None:
        return data_mod.load_dataset(dataset)
    return None


def run_fit(args: argparse.Namespace) -> FitResult:
    seed = _seed(args.seed)
    ds = load_source(args.file, args.column, args.values, args.dataset, args.n)
    simulated = ds is None
    if simulated:
        ds = data_mod.simulated(seed, _n(args.n))

    means, sds, weights = _list("--means", args.means), _list("--sds", args.sds), _list("--weights", args.weights)
    given = [v for v in (means, sds, weights) if v is not None]
    k = _int("--k", args.k, 0, minimum=1) if args.k is not None else None
    if k is None:
        k = len(given[0]) if given else 2
    if not 1 <= k <= K_MAX:
        raise UsageError(f"--k must be between 1 and {K_MAX}, got {k}")
    init = args.init
    if init is None:
        init = "user" if (given or (simulated and k == 2)) else "kmeans"
    if init not in INIT_METHODS:
        raise UsageError(f"--init must be one of {', '.join(INIT_METHODS)}, got {init!r}")
    restarts = _int("--restarts", args.restarts, 1, minimum=1, maximum=MAX_RESTARTS)
    max_iter = _int("--iterations", args.iterations, DEFAULT_MAX_ITER, maximum=MAX_ITERATIONS,
                    why=" (every iteration is kept)")
    tol = _float("--tol", args.tol, DEFAULT_TOL)
    fault = get_fault(args.fault) if args.fault is not None else None
    update = fault.update if fault else None
    kmax = _int("--select-k", args.select_k, 0, minimum=2) if args.select_k is not None else None
    if kmax is not None and not 2 <= kmax <= K_MAX:
        raise UsageError(f"--select-k must be between 2 and {K_MAX}, got {kmax}")
    if kmax is not None and fault is not None:
        raise UsageError("--select-k compares correct EM fits; leave out --fault")
    quantile = parse_quantile(args.anomalies) if args.anomalies is not None else None
    check_run_memory(max(restarts, SELECT_MIN_RESTARTS) if kmax is not None else restarts, max_iter)
    x = em.prepare(data_mod.validate_data(ds.values, k))

    if init == "user":
        if restarts != 1:
            raise UsageError("--restarts applies to --init kmeans or random, not to your own start")
        if means is None:
            if not simulated or k != 2:
                raise UsageError("--init user needs --means (one per component)")
            means = list(data_mod.DEFAULT_START.means)
        if sds is None:
            sds = list(data_mod.DEFAULT_START.sds) if simulated and k == 2 else [x.sd] * k
        if weights is None:
            weights = [1.0 / k] * k
        start = user_start(weights, means, sds, k, data=x)
        run = Trajectory(x, start, tol=tol, max_iter=max_iter, update=update).run()
        start_lls = [float(run.ll[-1])]
    else:
        if given:
            raise UsageError(f"--means, --sds and --weights set your own start; they do not go with --init {init}")
        ms = multi_start(x, k, restarts, seed, init, tol=tol, max_iter=max_iter, update=update)
        run = ms.best
        start_lls = [float(v) for v in ms.final_lls]
    res = FitResult(ds, run, init, seed, restarts, fault.name if fault else None, start_lls, init != "user")
    if kmax is not None:
        res.selection_kmax = kmax
        res.selection = select_k(x, kmax, restarts=max(restarts, SELECT_MIN_RESTARTS), seed=seed,
                                 method="random" if init == "random" else "kmeans", tol=tol,
                                 max_iter=max_iter)
    if quantile is not None:
        res.anomalies = find_anomalies(x.x, run.final, quantile)
    return res


def result_dict(res: FitResult) -> dict:
    run = res.run
    final = run.final.sorted_by_mean() if res.sort_output else run.final
    start = run.start.sorted_by_mean() if res.sort_output else run.start
    ll = [float(v) for v in run.ll]
    n = run.data.n
    dec = run.decrease
    return {
        "k": final.k,
        "n": n,
        "iterations": run.iterations,
        "converged": run.converged,
        **final.as_dict(),
        "log_likelihood": ll,
        "final_log_likelihood": ll[-1],
        "ll_decrease": dec.as_dict() if dec else None,
        "bic": bic(ll[-1], final.k, n),
        "aic": aic(ll[-1], final.k),
        "init": res.init,
        "seed": res.seed,
        "restarts": res.restarts,
        "start_final_log_likelihoods": res.start_lls,
        "start": start.as_dict(),
        "tol": run.tol,
        "max_iterations": run.max_iter,
        "fault": res.fault,
        "data": {"name": res.dataset.name, **res.dataset.source},
        **_extras(res),
    }


def _extras(res: FitResult) -> dict:
    """The --select-k and --anomalies parts of the JSON (present only when asked for)."""
    out: dict = {}
    if res.selection is not None:
        out["selection"] = [r.as_dict() for r in res.selection]
        out["selection_best_k"] = {"bic": best_k(res.selection, "bic"), "aic": best_k(res.selection, "aic")}
    if res.anomalies is not None:
        out["anomalies"] = res.anomalies.as_dict()
    return out


def format_table(res: FitResult) -> str:
    d = result_dict(res)
    lines = [
        f"data: {printable(d['data']['name'])}  (N = {d['n']})",
        f"model: K = {d['k']}, start: {d['init']}" + (f", best of {d['restarts']} starts" if d["restarts"] > 1 else "")
        + (f", fault: {d['fault']}" if d["fault"] else ""),
        (f"converged after {d['iterations']} iterations" if d["converged"] else f"stopped at the cap: {d['iterations']} iterations, not converged")
        + f"  (tol {d['tol']:g}, cap {d['max_iterations']})",
        "",
        f"{'component':>9}  {'weight':>10}  {'mean':>12}  {'sd':>12}",
    ]
    for i in range(d["k"]):
        lines.append(f"{i + 1:>9}  {fit_number(d['weights'][i], 10)}  {fit_number(d['means'][i], 12)}  {fit_number(d['sds'][i], 12)}")
    ll = d["log_likelihood"]
    lines += [
        "",
        f"log-likelihood: LL[0] = {ll[0]:.4f}   LL[{len(ll) - 1}] = {ll[-1]:.4f}",
        f"BIC = {d['bic']:.4f}   AIC = {d['aic']:.4f}",
    ]
    if d["ll_decrease"]:
        dec = d["ll_decrease"]
        lines.append(
            f"WARNING: the log-likelihood fell at iteration {dec['iteration']} by {dec['amount']:.6g}; "
            "a correct EM never lets it fall, so the updates are wrong"
        )
    if res.selection is not None:
        best_bic, best_aic = best_k(res.selection, "bic"), best_k(res.selection, "aic")
        lines += ["", "choosing K (best of several starts each; smaller BIC/AIC is better):",
                  f"{'K':>3}  {'LL':>14}  {'BIC':>14}  {'AIC':>14}"]
        for r in res.selection:
            mark = (("  ← BIC" if r.k == best_bic else "") + ("  ← AIC" if r.k == best_aic else "")
                    + ("  collapsed (σ ≈ 0 in every start: not picked)" if r.collapsed else "")
                    + (f"  stopped at the cap ({res.run.max_iter} iterations)" if not r.converged else ""))
            lines.append(f"{r.k:>3}  {fit_number(r.log_likelihood, 14)}  {fit_number(r.bic, 14)}  {fit_number(r.aic, 14)}{mark}")
        if res.selection[-1].k < res.selection_kmax:
            lines.append(f"(K stops at {res.selection[-1].k}: the data have only {res.selection[-1].k} distinct values)")
    if res.anomalies is not None:
        a = res.anomalies
        lines += ["", f"anomalies under the K = {d['k']} fit above: {a.count} of {a.n} points have log-density "
                      f"below the {a.quantile:g} quantile ({a.threshold:.6g})"]
        if a.count:
            lines.append(f"{'index':>8}  {'x':>14}  {'log p(x)':>12}   (index: 0-based place in the data)")
            lines += [f"{int(i):>8}  {fit_number(v, 14, 6)}  {fit_number(ld, 12, 4)}"
                      for i, v, ld in zip(a.index, a.values, a.log_density)]
    return "\n".join(lines)


#: plain stand-ins for the table's symbols, for a terminal whose encoding lacks them
_ASCII = str.maketrans({"←": "<-", "σ": "sd", "≈": "~", "±": "+/-", "×": "x", "·": "*", "…": "...", "—": "-",
                        "–": "-", "≥": ">=", "≤": "<="})


def _encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can write it: symbols its encoding lacks become ASCII or escapes."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        text = text.translate(_ASCII)
        return text.encode(encoding, errors="backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: stay within ASCII
        return text.translate(_ASCII).encode("ascii", errors="backslashreplace").decode("ascii")


def _say(text: str, stream) -> None:
    """Write one block of output (a table, JSON or an error line) that the stream can encode."""
    print(_encodable(text, stream), file=stream)


def _fit_main(args: argparse.Namespace) -> int:
    res = run_fit(args)
    _say(json.dumps(result_dict(res)) if args.json else format_table(res), sys.stdout)
    return 0


def _app_main(args: argparse.Namespace) -> int:
    """Open the simulator (textual is imported only here, so ``fit`` stays light)."""
    if args.app_session is not None:
        others = [opt for opt, v in (("FILE", args.app_file), ("--values", args.app_values), ("--dataset", args.app_dataset),
                                     ("--means", args.app_means), ("--k", args.app_k), ("--seed", args.app_seed),
                                     ("--n", args.app_n), ("--fault", args.app_fault)) if v is not None]
        if others:
            raise UsageError(f"--session brings its own data and start; leave out {', '.join(others)}")
        from .app.app import open_session

        return _run_app(open_session(args.app_session))
    dataset = load_source(args.app_file, args.app_column, args.app_values, args.app_dataset, args.app_n)
    seed = _seed(args.app_seed)
    n = _n(args.app_n)
    k = _int("--k", args.app_k, 0, minimum=K_MIN_APP) if args.app_k is not None else None
    if k is not None and k > K_MAX_APP:
        raise UsageError(f"--k must be between {K_MIN_APP} and {K_MAX_APP} in the app, got {k}")
    means: tuple[float, ...] | None = (1.0, 3.0) if dataset is None else None
    if args.app_means is not None:
        values = _list("--means", args.app_means)
        if not all(np.isfinite(values)):
            raise UsageError("--means must be finite numbers")
        if k is not None and len(values) != k:
            raise UsageError(f"--k is {k} but --means gives {len(values)} values")
        means = tuple(values)
    elif dataset is None and k not in (None, 2):
        raise UsageError("the lesson's data start from --means; give one mean per component")
    if dataset is not None:
        data_mod.validate_data(dataset.values, k or (len(means) if means else 2))
    fault = args.app_fault
    if fault is not None:
        get_fault(fault)
    from .app import create_app
    from .app.session import Refused

    try:
        app = create_app(seed=seed, n=n, means=means, fault=fault, dataset=dataset, k=k)
    except Refused as exc:
        raise UsageError(str(exc)) from None
    return _run_app(app)


def _run_app(app) -> int:
    """Run the app in this terminal, then say how it ended (the terminal restored by then): quit (0),
    stopped by a signal (128 + its number) or by an error of its own (1), each with one error line."""
    app.run()
    if isinstance(app.failure, MemoryError):
        _say(f"error: {OUT_OF_MEMORY}", sys.stderr)
        return EXIT_BAD_INPUT
    if app.failure is not None:
        _say(_internal_error(app.failure), sys.stderr)
        return 1
    if app.stopped_by is not None:
        _say(f"error: stopped by {app.stopped_by.name}", sys.stderr)
    return app.return_code or 0


def _internal_error(exc: BaseException) -> str:
    """The one line for a bug (not bad input): what went wrong, and a request to report it."""
    what = (str(exc).strip().splitlines() or [""])[0]
    return f"error: internal error ({type(exc).__name__}: {printable(what)}); please report it"


#: top-level options of the app that take a value (to tell a FILE from an option's value)
_APP_VALUE_OPTIONS = {"--seed", "--n", "--means", "--fault", "--column", "--dataset", "--values", "--k", "--file",
                      "--session"}


def _app_file_argument(argv: list[str]) -> list[str]:
    """``em-tui data.csv ...`` means ``--file data.csv``; a sub-command (``fit``, ``serve``) is left alone."""
    out, i = [], 0
    while i < len(argv):
        tok = argv[i]
        if tok.startswith("-"):
            out.append(tok)
            if tok in _APP_VALUE_OPTIONS and i + 1 < len(argv):
                out.append(argv[i + 1])
                i += 1
        elif tok in ("fit", "serve"):
            return out + argv[i:]
        else:
            out += ["--file", tok]
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(_app_file_argument(_join_negative_lists(argv)))
        if args.command == "fit":
            return _fit_main(args)
        if args.command == "serve":
            from .web import serve

            return serve(args.host, args.port, token=not args.no_token, max_sessions=args.max_sessions,
                         idle_timeout=args.idle_timeout, public_url=args.public_url, run_dir=args.run_dir)
        return _app_main(args)
    except (UsageError, EmTuiError) as exc:
        _say(f"error: {printable(str(exc))}", sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:  # the request asked for more than this process may hold (a ulimit, a cgroup)
        _say(f"error: {OUT_OF_MEMORY}", sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: still one line, no traceback
        _say(_internal_error(exc), sys.stderr)
        return 1


def entry_point() -> None:
    sys.exit(main())
