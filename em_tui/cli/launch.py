"""Opening the simulator from the command line (Textual is imported only here, so ``fit`` stays light)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..errors import Refused, UsageError
from ..session.scenario import Scenario
from .args import _list, _n, _seed, load_source, student_data_seed
from .say import EXIT_BAD_INPUT, OUT_OF_MEMORY, _internal_error, _say


def _app_main(args: argparse.Namespace) -> int:
    """Open the simulator (textual is imported only here, so ``fit`` stays light)."""
    if args.app_session is not None:
        others = [opt for opt, v in (("FILE", args.app_file), ("--values", args.app_values), ("--dataset", args.app_dataset),
                                     ("--means", args.app_means), ("--k", args.app_k), ("--seed", args.app_seed),
                                     ("--n", args.app_n), ("--fault", args.app_fault),
                                     ("--student", args.app_student)) if v is not None]
        if others:
            raise UsageError(f"--session brings its own data and start; leave out {', '.join(others)}")
        from ..tui.app import open_session

        return _run_app(open_session(args.app_session))
    scenario = app_scenario(args)
    from ..tui.app import create_app

    return _run_app(create_app(scenario))


def app_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario the app opens for the command line's data and start options (not ``--session``)."""
    student_seed = student_data_seed(args.app_student, args.app_seed, (
        ("FILE", args.app_file), ("--values", args.app_values), ("--dataset", args.app_dataset)))
    dataset = load_source(args.app_file, args.app_column, args.app_values, args.app_dataset, args.app_n)
    seed = _seed(args.app_seed) if student_seed is None else student_seed
    n = _n(args.app_n)
    means = _list("--means", args.app_means)
    try:  # the scenario checks K, the means and the fault, in the options' words
        scenario = Scenario.build(seed=seed, n=n, fault=args.app_fault, dataset=dataset, k=args.app_k,
                                  names={"k": "--k", "means": "--means"},
                                  **({"means": means} if means is not None else {}))
    except Refused as exc:
        raise UsageError(str(exc)) from None
    if args.app_student is not None:  # the data's title names the student
        scenario = replace(scenario, student=args.app_student.strip())
    return scenario


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
