"""``em-tui fit``: the headless fit, printed as a table or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from .args import _float, _int, _list, _n, _seed, load_source, student_data_seed, student_name
from .say import _say
from .work import FitWork, check_work_options, fit_work, work_lines, work_points


from ..core import data as data_mod
from ..core.config import DEFAULT_MAX_ITER, DEFAULT_TOL, INIT_METHODS, FitConfig
from ..errors import UsageError, printable
from ..core.faults import get_fault
from ..core.init import multi_start, user_start
from ..core.limits import MAX_ITERATIONS, MAX_RESTARTS, check_run_memory
from ..core.model import K_MAX, check_k, collapsed_components
from ..core.numfmt import fit_number
from ..session.loading import prepare_data
from ..session.scenario import LESSON_MEANS, Scenario

from ..core.anomaly import Anomalies, find_anomalies, parse_quantile
from ..core.select import DECISIVE_GAP, SelectionRow, aic, best_k, bic, choice, select_k
from ..core.trajectory import Trajectory
from ..core.points import POINT_NOTE, point_number


#: --select-k fits each K from at least this many starts
SELECT_MIN_RESTARTS = 5


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
    #: for each start, whether a component collapsed (the fit kept is a sound one whenever a start's was)
    start_collapsed: list[bool] = field(default_factory=list)
    selection: list[SelectionRow] | None = None
    selection_kmax: int = 0
    anomalies: Anomalies | None = None
    #: the student whose data these are (``--student``), as typed
    student: str | None = None
    #: iteration 1 worked out (``--work``)
    work: FitWork | None = None


def run_fit(args: argparse.Namespace) -> FitResult:
    student = getattr(args, "student", None)
    student_seed = student_data_seed(student, args.seed, (("FILE", args.file), ("--values", args.values),
                                                           ("--dataset", args.dataset)))
    seed = _seed(args.seed) if student_seed is None else student_seed
    ds = load_source(args.file, args.column, args.values, args.dataset, args.n)
    simulated = ds is None

    means, sds, weights = _list("--means", args.means), _list("--sds", args.sds), _list("--weights", args.weights)
    given = [v for v in (means, sds, weights) if v is not None]
    lesson_k = len(LESSON_MEANS)  # the lesson's start: its K
    if args.k is not None:
        k = check_k(args.k, name="--k", error=UsageError)
    else:
        k = len(given[0]) if given else lesson_k
    init = args.init
    if init is None:
        init = "user" if (given or (simulated and k == lesson_k)) else "kmeans"
    if init not in INIT_METHODS:
        raise UsageError(f"--init must be one of {', '.join(INIT_METHODS)}, got {init!r}")
    restarts = _int("--restarts", args.restarts, 1, minimum=1, maximum=MAX_RESTARTS)
    max_iter = _int("--iterations", args.iterations, DEFAULT_MAX_ITER, maximum=MAX_ITERATIONS,
                    why=" (every iteration is kept)")
    tol = _float("--tol", args.tol, DEFAULT_TOL)
    fault = get_fault(args.fault) if args.fault is not None else None
    kmax = _int("--select-k", args.select_k, 0, minimum=2) if args.select_k is not None else None
    if kmax is not None and not 2 <= kmax <= K_MAX:
        raise UsageError(f"--select-k must be between 2 and {K_MAX}, got {kmax}")
    if kmax is not None and fault is not None:
        raise UsageError("--select-k compares correct EM fits; leave out --fault")
    quantile = parse_quantile(args.anomalies) if args.anomalies is not None else None
    do_work = bool(getattr(args, "work", False))
    check_work_options(do_work, getattr(args, "point", None))
    check_run_memory(max(restarts, SELECT_MIN_RESTARTS) if kmax is not None else restarts, max_iter)
    if init == "user":
        if restarts != 1:
            raise UsageError("--restarts applies to --init kmeans or random, not to your own start")
        if means is None:
            if not simulated or k != lesson_k:
                raise UsageError("--init user needs --means (one per component)")
            means = list(LESSON_MEANS)
    elif given:
        raise UsageError(f"--means, --sds and --weights set your own start; they do not go with --init {init}")
    # the one run configuration the app holds too: data source + start + fit settings
    cfg = FitConfig(k=k, tol=tol, max_iter=max_iter, init=init, restarts=restarts, seed=seed,
                    fault=fault.name if fault else None)
    scenario = Scenario(config=cfg, start=tuple(means) if init == "user" else init, dataset=ds,
                        **({"n": _n(args.n)} if simulated else {}))
    x = prepare_data(scenario)
    shown_points = work_points(args.point, x.n) if do_work else None
    if simulated:
        ds = (data_mod.simulated(seed, x.n, values=x.x) if student is None
              else data_mod.for_student(student, values=x.x))
    if init == "user":  # your own numbers, checked as given (σ and π left out: the scenario's)
        sd = scenario.start_sd(x)
        scenario = scenario.but(start=user_start([1.0 / k] * k if weights is None else weights, means,
                                                 [sd] * k if sds is None else sds, k, data=x))
        run = Trajectory(x, scenario.start_for(x), cfg).run()
        start_lls, start_collapsed = [float(run.ll[-1])], [bool(collapsed_components(run.final, x))]
    else:
        ms = multi_start(x, cfg)
        run = ms.best
        start_lls, start_collapsed = [float(v) for v in ms.final_lls], ms.collapsed
    res = FitResult(ds, run, cfg.init, cfg.seed, cfg.restarts, cfg.fault, start_lls, cfg.init != "user",
                    start_collapsed, student=None if student is None else student_name(student))
    if kmax is not None:
        res.selection_kmax = kmax
        search = cfg.but(restarts=max(cfg.restarts, SELECT_MIN_RESTARTS),
                         init="random" if cfg.init == "random" else "kmeans")
        res.selection = select_k(x, kmax, search)
    if quantile is not None:
        res.anomalies = find_anomalies(x.x, run.final, quantile)
    if shown_points is not None:
        res.work = fit_work(x, run.start, cfg.fault, shown_points, res.sort_output)
    return res


#: what ``"ended"`` says: the stopping rule was met and the fit is EM's answer; the run stopped at the cap;
#: a component collapsed (σ at the floor on a single value: LL grows without bound there); a teaching
#: fault ran (whatever the stopping rule said, the updates are not EM's)
ENDINGS = ("converged", "cap", "collapsed", "fault")


def ending(res: FitResult, collapsed: list[int]) -> str:
    """How the fit ended, one of :data:`ENDINGS`: a fault first, then a collapse, then the stopping rule."""
    if res.fault is not None:
        return "fault"
    if collapsed:
        return "collapsed"
    return "converged" if res.run.converged else "cap"


def result_dict(res: FitResult) -> dict:
    run = res.run
    final = run.final.sorted_by_mean() if res.sort_output else run.final
    start = run.start.sorted_by_mean() if res.sort_output else run.start
    ll = [float(v) for v in run.ll]
    n = run.data.n
    dec = run.decrease
    collapsed = [i + 1 for i in collapsed_components(final, run.data)]  # numbered as printed
    return {
        "k": final.k,
        "n": n,
        "iterations": run.iterations,
        "converged": run.converged,
        "ended": ending(res, collapsed),
        "collapsed": collapsed,
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
        "start_collapsed": res.start_collapsed,
        "start": start.as_dict(),
        "tol": run.tol,
        "max_iterations": run.max_iter,
        "fault": res.fault,
        "data": {"name": res.dataset.name, **res.dataset.source},
        "student": res.student,
        **_extras(res),
    }


def _extras(res: FitResult) -> dict:
    """The --select-k and --anomalies parts of the JSON (present only when asked for)."""
    out: dict = {}
    if res.selection is not None:
        out["selection"] = [r.as_dict() for r in res.selection]
        out["selection_best_k"] = {"bic": best_k(res.selection, "bic"), "aic": best_k(res.selection, "aic")}
        out["selection_choice"] = {name: choice(res.selection, name).as_dict() for name in ("bic", "aic")}
    if res.anomalies is not None:
        out["anomalies"] = res.anomalies.as_dict()
    if res.work is not None:
        out["work"] = res.work.as_dict()
    return out


def format_table(res: FitResult) -> str:
    d = result_dict(res)
    lines = [
        f"data: {printable(d['data']['name'])}  (N = {d['n']})",
        f"model: K = {d['k']}, start: {d['init']}" + (f", best of {d['restarts']} starts" if d["restarts"] > 1 else "")
        + (f", fault: {d['fault']}" if d["fault"] else ""),
        _ended_line(d) + f"  (tol {d['tol']:g}, cap {d['max_iterations']})",
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
    if d["collapsed"]:
        lines.append(_collapse_warning(d, res))
    if res.selection is not None:
        best_bic, best_aic = best_k(res.selection, "bic"), best_k(res.selection, "aic")
        lines += ["", "choosing K (best of several starts each; smaller BIC/AIC is better):",
                  f"{'K':>3}  {'LL':>14}  {'BIC':>14}  {'AIC':>14}"]
        for r in res.selection:
            mark = (("  ← BIC" if r.k == best_bic else "") + ("  ← AIC" if r.k == best_aic else "")
                    + ("  collapsed (σ ≈ 0 in every start: not picked)" if r.collapsed else "")
                    + (f"  stopped at the cap ({res.run.max_iter} iterations)" if not r.converged else ""))
            lines.append(f"{r.k:>3}  {fit_number(r.log_likelihood, 14)}  {fit_number(r.bic, 14)}  {fit_number(r.aic, 14)}{mark}")
        for pick in (choice(res.selection, name) for name in ("bic", "aic")):
            if not pick.decisive:
                lines.append(f"not decisive: {pick.criterion.upper()} of K = {pick.next_k} is only {pick.gap:.4g} "
                             f"above K = {pick.best}'s (a difference below {DECISIVE_GAP:g} does not decide between them)")
        if res.selection[-1].k < res.selection_kmax:
            lines.append(f"(K stops at {res.selection[-1].k}: the data have only {res.selection[-1].k} distinct values)")
    if res.anomalies is not None:
        a = res.anomalies
        lines += ["", f"anomalies under the K = {d['k']} fit above: {a.count} of {a.n} points have log-density "
                      f"below the {a.quantile:g} quantile ({a.threshold:.6g})"]
        if a.count:
            lines.append(f"{'point':>8}  {'x':>14}  {'log p(x)':>12}   ({POINT_NOTE})")
            lines += [f"{point_number(i):>8}  {fit_number(v, 14, 6)}  {fit_number(ld, 12, 4)}"
                      for i, v, ld in zip(a.index, a.values, a.log_density)]
    if res.work is not None:
        lines += work_lines(res.work)
    return "\n".join(lines)


def _components(numbers: list[int]) -> str:
    """'component 3', 'components 1 and 3', 'components 1, 2 and 4'."""
    named = [str(i) for i in numbers]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return ("component " if len(named) == 1 else "components ") + listed


def _ended_line(d: dict) -> str:
    """The table's line on how the run ended: "converged" only for a sound fit of EM's own updates."""
    stopped = (f"stopped after {d['iterations']} iterations (LL changed by less than tol)" if d["converged"]
               else f"stopped at the cap: {d['iterations']} iterations, not converged")
    if d["ended"] == "fault":
        return f"{stopped}, under the fault {d['fault']}: not EM's answer"
    if d["ended"] == "collapsed":
        return f"{stopped}, with {_components(d['collapsed'])} collapsed: not a fit of the data's groups"
    return f"converged after {d['iterations']} iterations" if d["converged"] else stopped


def _collapse_warning(d: dict, res: FitResult) -> str:
    """The WARNING line for a fit with a component collapsed onto a single value, and what to try."""
    which = _components(d["collapsed"])
    sds = ", ".join(f"σ = {d['sds'][i - 1]:.3g}" for i in d["collapsed"])
    if len(res.start_collapsed) > 1:
        advice = f"all {len(res.start_collapsed)} starts collapsed: try a smaller K"
    else:
        advice = "try other starts (--init kmeans --restarts 10) or a smaller K"
    return (f"WARNING: {which} collapsed onto a single value ({sds}, at the variance floor): its likelihood "
            f"grows without bound as σ falls, so the LL and BIC mean nothing here; {advice}")


def _fit_main(args: argparse.Namespace) -> int:
    res = run_fit(args)
    _say(json.dumps(result_dict(res)) if args.json else format_table(res), sys.stdout)
    return 0
