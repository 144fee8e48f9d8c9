"""The command line's options: the parser, and the checks that turn typed text into values
(each refusal a :class:`~em_tui.errors.UsageError` naming the option)."""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

import numpy as np

from .. import __version__
from ..core import data as data_mod
from ..errors import UsageError
from ..core.checks import parse_whole, shown as _shown, to_number
from ..core.faults import FAULTS
from ..core.limits import MAX_POINTS, SEED_LIMIT, count_text
from ..core.model import K_MAX

from ..core.config import DEFAULT_MAX_ITER, DEFAULT_TOL
from .serve_gate import url_for

#: components the app shows (em-tui fit takes up to K_MAX)
from ..session.scenario import K_APP_MAX as K_MAX_APP, K_MIN as K_MIN_APP  # noqa: E402  (the app's K range, defined once)

#: em-tui serve's defaults and the bounds of its options
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 8
DEFAULT_IDLE_TIMEOUT = 1800  # seconds without input from the browser; 0: never
DEFAULT_RUN_DIR = "em-tui-sessions"
MAX_SESSIONS_LIMIT = 1000
MAX_IDLE_TIMEOUT = 7 * 24 * 3600


LIST_OPTIONS = ("--means", "--sds", "--weights", "--values")


_NEGATIVE_START = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


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
    src.add_argument("--seed", metavar="S",
                     help=f"seed of the simulated data and of random/k-means starts (default {data_mod.DEFAULT_SEED})")
    src.add_argument("--n", metavar="N", help=f"number of simulated points (default {data_mod.DEFAULT_N})")
    src.add_argument("--student", metavar="ID",
                     help="the lesson's simulated data drawn for this student (a seed from the ID; not with --seed)")
    mod = p.add_argument_group("model and start")
    mod.add_argument("--k", metavar="K", help=f"number of components, 1..{K_MAX} (default 2, or the length of --means)")
    mod.add_argument("--means", metavar="a,b,..", help="starting means (negative values are fine: --means -2,7)")
    mod.add_argument("--sds", metavar="a,b,..", help="starting standard deviations (> 0; default "
                     f"{data_mod.DEFAULT_START.sds[0]:g} on the lesson's data, the data's sd on yours, as in the app)")
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
    work = p.add_argument_group("the worked numbers (to check a hand computation)")
    work.add_argument("--work", action="store_true",
                      help="also print iteration 1 worked out: the E step at the start (each point's π·N, p(x) and γ) "
                           "and the M step after it (each component's N_k, Σγx, Σγ(x−μ)², π, μ, σ)")
    work.add_argument("--point", metavar="I",
                      help="with --work: only point I (1..N; needed when N > 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="em-tui",
        description="Watch and check the EM algorithm on one-dimensional Gaussian mixtures.",
        epilog="Run 'em-tui fit --help' for the headless fit, 'em-tui check --help' to grade a hand computation, "
               "'em-tui serve --help' for the browser.",
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
                     help=f"the lesson's data seed, or the k-means start's seed on your own data (default {data_mod.DEFAULT_SEED})")
    app.add_argument("--n", dest="app_n", metavar="N", help=f"number of simulated points (default {data_mod.DEFAULT_N})")
    app.add_argument("--student", dest="app_student", metavar="ID",
                     help="the lesson's data drawn for this student: every ID its own numbers (not with --seed)")
    app.add_argument("--means", dest="app_means", metavar="a,b", help="the two starting means (default 1,3)")
    app.add_argument("--fault", dest="app_fault", metavar="NAME", help=f"start with a teaching fault: {', '.join(FAULTS)}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    fit = sub.add_parser(
        "fit",
        help="fit a mixture headless and print a table or JSON",
        description="Fit a 1-D Gaussian mixture with EM and print the result.",
    )
    _fit_arguments(fit)
    check = sub.add_parser(
        "check",
        help="grade a file of hand-computed answers (γ, N_k, μ, σ, π, LL) against EM",
        description="Grade a file of hand-computed EM numbers: the data, the start and the answers\n"
                    "(see the README's \"Checking a hand computation\").\n"
                    "Exit 0: all right; 1: some wrong; 2: a bad file.",
        epilog="An answers file, for example:\n"
               "  values: 1.1, 1.3, 0.9, 5.2, 4.8, 5.0   # or dataset:, file:, seed: or student:\n"
               "  means: 1, 5                            # the start; sds: and weights: are optional\n"
               "  gamma point 4 component 2 at 0 = 0.99985\n"
               "  mean 1 at 1 = 1.10                     # also n, sd, weight (or N_k, μ, σ, π)\n"
               "  ll at 0 = -9.76",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("answers", metavar="ANSWERS", help="the answers file (a text file, '#' comments)")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
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
def whole_number(name: str, text: str | int, low: int = 0, high: int | None = None, *, why: str = "",
                 say_range: bool = False) -> int:
    """The whole number an option's text holds, from ``low`` to ``high`` (no upper bound when None), or a
    :class:`UsageError` naming the option. The refusal says "at least" or "at most" (``why``: what the
    maximum protects); with ``say_range`` it names the whole range instead ("from 1 to 65535")."""
    return parse_whole(text, name, low, high, error=UsageError, form="whole range" if say_range else "bounds",
                       why=why)


def _int(name: str, text: str | None, default: int, minimum: int = 0, maximum: int | None = None,
         why: str = "") -> int:
    """An optional whole-number option: ``default`` when it is not given, else :func:`whole_number`."""
    return default if text is None else whole_number(name, text, minimum, maximum, why=why)


def _float(name: str, text: str | None, default: float) -> float:
    if text is None:
        return default
    try:
        value = to_number(text)
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
            out.append(to_number(tok))
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


def student_name(student_id: str) -> str:
    """A student ID as it is shown and written back (spaces at either end dropped; case kept)."""
    return student_id.strip()


def student_data_seed(student_id: str | None, seed: str | None, sources: Sequence[tuple[str, object]]) -> int | None:
    """The data seed ``--student ID`` stands for (None without it): the lesson's data drawn for that student
    (:func:`~em_tui.core.data.student_seed`). It is a data source and a seed at once, so it goes with
    neither ``--seed`` nor another source (``sources``: each other source's option and its value)."""
    if student_id is None:
        return None
    clash = [name for name, value in (("--seed", seed), *sources) if value is not None]
    if clash:
        raise UsageError(f"--student draws the lesson's data for that student; leave out {' and '.join(clash)}")
    try:
        return data_mod.student_seed(student_id)
    except ValueError as exc:
        raise UsageError(f"--student: {exc}") from None


# -- em-tui serve's options ----------------------------------------------------
def parse_port(text: str | int) -> int:
    """``--port``: a whole number from 1 to 65535."""
    return whole_number("--port", text, 1, 65535, say_range=True)


def parse_host(text: str) -> str:
    """``--host``: a name or address of this machine; not empty."""
    host = text.strip()
    if not host:
        raise UsageError("--host must not be empty (the default is 127.0.0.1, this machine only)")
    if host.startswith("[") and host.endswith("]"):  # [::1], as written in a URL
        host = host[1:-1]
    return host


def parse_max_sessions(text: str | int) -> int:
    """``--max-sessions``: how many browser sessions (one process each) may run at once."""
    return whole_number("--max-sessions", text, 1, MAX_SESSIONS_LIMIT, say_range=True)


def parse_idle_timeout(text: str | float) -> float:
    """``--idle-timeout``: seconds without input after which a session ends; 0 means never."""
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_IDLE_TIMEOUT:  # also refuses nan
        raise UsageError(f"--idle-timeout must be a number of seconds from 0 (never) to {MAX_IDLE_TIMEOUT} "
                         f"(a week), got {str(text)!r}")
    return value


def parse_public_url(text: str | None) -> str | None:
    """``--public-url``: the address students open when a reverse proxy stands in front, such as
    ``https://lab.example.edu/em-tui/``; returned with a trailing slash (the page's base)."""
    if text is None:
        return None
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment or not raw.isascii() or any(c.isspace() for c in raw)):
        raise UsageError("--public-url must be an http:// or https:// address without ?query or #fragment, "
                         f"such as https://lab.example.edu/em-tui/, got {text!r}")
    return raw if raw.endswith("/") else raw + "/"


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``em-tui serve`` was asked for, checked."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    max_sessions: int = DEFAULT_MAX_SESSIONS
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    public_url: str | None = None
    run_dir: Path = Path(DEFAULT_RUN_DIR)

    @property
    def url(self) -> str:
        """The address to open: the public one when there is a proxy, with the token when there is one."""
        base = self.public_url or url_for(self.host, self.port) + "/"
        return f"{base}?token={self.token}" if self.token else base


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


#: top-level options of the app that take a value (to tell a FILE from an option's value)
_APP_VALUE_OPTIONS = {"--seed", "--n", "--means", "--fault", "--column", "--dataset", "--values", "--k", "--file",
                      "--session", "--student"}


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
        elif tok in ("fit", "check", "serve"):
            return out + argv[i:]
        else:
            out += ["--file", tok]
        i += 1
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line as the program reads it: ``--means -2,7`` kept as one list, and
    ``em-tui data.csv ...`` read as ``--file data.csv`` (a sub-command's own arguments are its own)."""
    return build_parser().parse_args(_app_file_argument(_join_negative_lists(argv)))
