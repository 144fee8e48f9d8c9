"""Session files: a scenario saved with ``s`` and reopened with ``em-tui --session FILE``.

A session file is JSON::

    {"format": "em-tui session", "version": 2,
     "data": {"type": "simulated", "seed": S, "n": N, "student": null | ID}   (student: optional)
           | {"type": "dataset", "name": NAME, "n": N, "values_sha256": HEX}
           | {"type": "file", "path": PATH, "column": C, "n": N, "sha256": HEX, "values_sha256": HEX}
           | {"type": "values", "name": NAME, "values": [...]},
     "k": K, "tol": 1e-6, "max_iterations": 1000, "init": "user", "restarts": 1,
     "seed": S, "fault": null | NAME, "variance": "unequal",
     "start": {"weights": [...], "means": [...], "sds": [...]}, "t": T, "half": false,
     "anomaly_quantile": null | Q   (optional: the anomaly marks, key a),
     "lab": {"on": B, "record": [{"t", "half", "kind", "question", "answer", "correct", "tolerance",
             "right"}, ...]}   (optional: the lab mode and its record, see session/lab.py),
     "summary": {"iterations": ..., "final_log_likelihood": ..., "converged": ...}}

The settings from "k" to "variance" are the run's :class:`~em_tui.core.config.FitConfig`, one key
per field of it (written and read from its fields, so a new setting is saved with no change here),
under the field's own name except ``max_iter``, which the file calls "max_iterations". A file
without a setting added after version 1 (init, restarts, variance) opens with FitConfig's default.

A data file's PATH is relative to the session file's folder (so the two can move
together), and the file is checked when the session is reopened: its number of
values N, the SHA-256 of the values (as little-endian float64) and the SHA-256 of
the file's bytes. Values that differ are refused with what changed; a file whose
bytes changed but whose values did not (a comment added, say) opens with a note.
Version 1 files (no checksums; a relative path was read from the current folder)
still open: their data file is looked up from the session file's folder and the
message says it could not be checked.

Reading checks everything before anything is built: a damaged, foreign or oversized
file raises :class:`SessionError` with one line saying what is wrong, and nothing
opens half-way. Writing makes a new file whole or not at all (see
:mod:`em_tui.core.safewrite`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import typing
from dataclasses import fields
from pathlib import Path

import numpy as np

from ..core import data as data_mod
from ..core.checks import parse_whole
from ..errors import EmTuiError, SessionError, printable
from ..core.limits import MAX_ITERATIONS, MAX_POINTS, check_replay
from ..core.model import K_MIN, Mixture
from ..core.safewrite import write_new
from ..core.config import FitConfig
from . import outcomes as out
from .lab import Lab
from .scenario import K_APP_MAX, Scenario
from .session import Refused, Session

FORMAT = "em-tui session"
VERSION = 2
#: The versions this em-tui reads.
READS = (1, 2)
#: The largest session file read (a session holding a million typed values is about 20 MB).
MAX_BYTES = 64 * 1024 * 1024
#: Digits of the longest whole number in a session file (seeds, counts and iterations are far shorter).
MAX_DIGITS = 18
#: The FitConfig fields the file calls by another name (the others go under their own names).
FILE_KEYS = {"max_iter": "max_iterations"}
#: The settings every session file holds (the others came later: a file without them gets their defaults).
REQUIRED = ("k", "tol", "max_iter", "seed")
#: The longest name of typed values a session file may give them.
MAX_NAME = 200
#: Settings whose range the file states itself, in its own words ("'k' must be from 1 to 8").
RANGES = {"k": (K_MIN, K_APP_MAX), "max_iter": (0, MAX_ITERATIONS)}


# -- checksums ----------------------------------------------------------------
def values_sha256(values) -> str:
    """SHA-256 of the values as little-endian float64 (the same on every machine)."""
    arr = np.ascontiguousarray(values, dtype="<f8")
    return hashlib.sha256(memoryview(arr).cast("B")).hexdigest()


def _open_regular(path: Path, what: str):
    """A binary reader on ``path`` if it is a regular file (a FIFO or a device never blocks or
    floods the reader), or SessionError saying what is wrong."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise SessionError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise SessionError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise SessionError(f"{what} {path} is {kind}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_sha256(path: Path) -> str:
    """SHA-256 of a data file's bytes, read in blocks (SessionError if it cannot be read)."""
    digest = hashlib.sha256()
    with _open_regular(path, "data file") as fh:
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        except OSError as exc:
            raise SessionError(f"cannot read data file {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


# -- writing ------------------------------------------------------------------
def _relative(path: str, folder: Path) -> str:
    """``path`` (relative to the current folder, or absolute) as seen from ``folder``."""
    target = os.path.abspath(path)
    try:
        return os.path.relpath(target, os.path.abspath(folder))
    except ValueError:  # another drive (Windows): only an absolute path reaches it
        return target


def _source(scenario: Scenario, folder: Path) -> dict:
    ds = scenario.dataset
    if ds is None:
        return {"type": "simulated", "seed": scenario.seed, "n": scenario.n, "student": scenario.for_student}
    kind = ds.source.get("type")
    if kind == "dataset":
        return {"type": "dataset", "name": ds.source["name"], "n": ds.n, "values_sha256": values_sha256(ds.values)}
    if kind == "file":
        path = ds.source["path"]
        return {"type": "file", "path": _relative(path, folder), "column": ds.source.get("column"), "n": ds.n,
                "sha256": file_sha256(Path(path)), "values_sha256": values_sha256(ds.values)}
    return {"type": "values", "name": ds.name, "values": [float(v) for v in ds.values]}


def session_dict(session: Session, folder=None) -> dict:
    """The session file's content; a data file's path is written relative to ``folder``
    (where the session file goes; the current folder if None)."""
    tr, scenario = session.trajectory, session.scenario
    return {
        "format": FORMAT,
        "version": VERSION,
        "data": _source(scenario, Path.cwd() if folder is None else Path(folder)),
        **config_dict(scenario.config),
        "start": session.start.as_dict(),
        "t": session.t,
        "half": session.half,
        "anomaly_quantile": session.anomaly_quantile,
        "lab": session.lab.as_dict(),
        "summary": {"iterations": tr.iterations, "final_log_likelihood": _finite_or_none(float(tr.ll[-1])),
                    "converged": tr.converged},
    }


def config_dict(config: FitConfig) -> dict:
    """The run's settings as the file holds them: one key per field of :class:`FitConfig`."""
    return {FILE_KEYS.get(f.name, f.name): getattr(config, f.name) for f in fields(FitConfig)}


def _finite_or_none(value: float) -> float | None:
    """A number JSON can hold (a session file never holds NaN or Infinity: they are refused on reading)."""
    return value if math.isfinite(value) else None


def save(session: Session, path) -> Path:
    """Write the session as a new file at ``path``, or at ``path`` with a counter if that name is
    taken (an existing file is never replaced); returns the name written. Raises OSError (nothing
    written) or SessionError (the data file cannot be read to checksum it)."""
    path = Path(path)
    text = json.dumps(session_dict(session, path.parent), indent=1) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:  # it could not be reopened
        raise SessionError(f"the session would be {_size(size)}, more than a session file may be ({_size(MAX_BYTES)}); "
                           "save the values as a CSV file and load that instead")
    return write_new(path, lambda fh: fh.write(text))


# -- reading ------------------------------------------------------------------
def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _short(token: str) -> str:
    return token if len(token) <= 24 else f"{token[:20]}… ({len(token)} characters)"


def _parse_int(token: str) -> int:
    if len(token.lstrip("-")) > MAX_DIGITS:
        raise SessionError(f"the whole number {_short(token)} is too large")
    return int(token)


def _parse_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise SessionError(f"the number {_short(token)} is too large for a float")
    return value


def _parse_constant(token: str):
    raise SessionError(f"{token} is not allowed (a session holds finite numbers only)")


def _read_json(path: Path):
    with _open_regular(path, "session file") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_BYTES:
            raise SessionError(f"{path} is {_size(size)}; a session file is at most {_size(MAX_BYTES)}")
        try:
            raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise SessionError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # it grew while being read
        raise SessionError(f"{path} is over {_size(MAX_BYTES)}, the most a session file may be")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionError(f"{path} is not a session file (not UTF-8 text)") from None
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
        json.dumps(doc, ensure_ascii=False).encode("utf-8")  # every text is one (no unpaired \ud800 escape)
        return doc
    except UnicodeEncodeError:
        raise SessionError(f"{path} is not a session file (it holds a text with an unpaired surrogate escape)") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{path} is not a session file (not JSON: {exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SessionError(f"{path} is not a session file (nested too deeply)") from None
    except SessionError as exc:
        raise SessionError(f"{path}: {exc}") from None


def _need(doc: dict, key: str, kind, where: str = ""):
    if key not in doc:
        raise SessionError(f"{where}'{key}' is missing")
    value = doc[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise SessionError(f"{where}'{key}' should be {kind.__name__}, got {type(value).__name__}")
    return value


def _numbers(doc: dict, key: str, where: str) -> list[float]:
    values = _need(doc, key, list, where)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise SessionError(f"{where}'{key}' must be a list of finite numbers")
    return [float(v) for v in values]


def _optional(doc: dict, key: str, kinds: tuple, what: str, where: str = ""):
    """``doc[key]`` if absent/None (None) or one of ``kinds`` (never a bool unless asked), else SessionError."""
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        raise SessionError(f"{where}'{key}' should be {what}, got {type(value).__name__}")
    return value


def _whole(doc: dict, key: str, low: int, high: int, where: str = "") -> int:
    return parse_whole(_need(doc, key, int, where), f"{where}'{key}'", low, high, error=SessionError, form="range")


def _setting(doc: dict, name: str, kind: type, optional: bool):
    """One FitConfig field's value from the file (its type, and its range where the file states one),
    or SessionError; None when it may be null and is."""
    key = FILE_KEYS.get(name, name)
    if optional:
        return _optional(doc, key, (kind,), f"{kind.__name__} or null")
    if name in RANGES:
        return _whole(doc, key, *RANGES[name])
    return _need(doc, key, kind)


def read_config(doc: dict, max_iter: int | None = None) -> FitConfig:
    """The run's settings from a session file's ``doc``, read over the fields of :class:`FitConfig`
    (the ones an older file does not hold take FitConfig's defaults); ``max_iter`` replaces the
    file's cap. SessionError for a setting of the wrong type or range, ParameterError (FitConfig's
    own checks) for a value it refuses."""
    hints = typing.get_type_hints(FitConfig)
    values = {}
    for f in fields(FitConfig):
        kinds = typing.get_args(hints[f.name]) or (hints[f.name],)
        optional = type(None) in kinds
        kind = next(k for k in kinds if k is not type(None))
        if f.name == "max_iter" and max_iter is not None:
            values[f.name] = max_iter
        elif f.name in REQUIRED or doc.get(FILE_KEYS.get(f.name, f.name)) is not None:
            values[f.name] = _setting(doc, f.name, kind, optional)
    return FitConfig(**values)


def _checked(ds: data_mod.DataSet, doc: dict, what: str) -> None:
    """Refuse data that are not the ones the session was saved with (N, then the values' checksum)."""
    n = _whole(doc, "n", data_mod.MIN_POINTS, MAX_POINTS, "data: ")
    digest = _need(doc, "values_sha256", str, "data: ")
    if ds.n != n:
        raise SessionError(f"{what} has changed since the session was saved: it has {ds.n:,} values, "
                           f"the session had {n:,}")
    if values_sha256(ds.values) != digest:
        raise SessionError(f"{what} has changed since the session was saved: the same number of values "
                           f"({n:,}), but not the same values (their checksum differs)")


def _data_file(doc: dict, folder: Path, version: int) -> tuple[data_mod.DataSet, str]:
    """The session's data file, looked up from the session file's folder and checked (version 2)."""
    stored = _need(doc, "path", str, "data: ")
    if not stored or "\x00" in stored:
        raise SessionError("data: 'path' should be a file's path")
    column = _optional(doc, "column", (str, int), "a column's name or number", "data: ")
    path = folder / stored
    if not os.path.lexists(path):
        raise SessionError(f"data file not found: {path} (a session's data file is looked up from the "
                           "session file's folder)")
    _open_regular(path, "data file").close()  # a FIFO or a device is refused before it is read
    ds = data_mod.load_file(path, None if column is None else str(column))
    if version < 2:
        return ds, "; saved by an older em-tui without checksums, so the data file was not checked"
    _checked(ds, doc, f"the data file {path}")
    if file_sha256(path) != _need(doc, "sha256", str, "data: "):
        return ds, "; the data file's bytes have changed since it was saved, but not its values"
    return ds, ""


def _dataset(doc: dict, folder: Path, version: int) -> tuple[data_mod.DataSet | None, str]:
    """The session's data (None for the lesson's simulated data) and a note for the status line."""
    kind = _need(doc, "type", str, "data: ")
    if kind == "simulated":
        return None, ""
    if kind == "dataset":
        ds = data_mod.load_dataset(_need(doc, "name", str, "data: "))
        if version >= 2:
            _checked(ds, doc, f"the data set {ds.name}")
        return ds, ""
    if kind == "file":
        return _data_file(doc, folder, version)
    if kind == "values":
        values = _numbers(doc, "values", "data: ")
        name = _optional(doc, "name", (str,), "a name", "data: ") or "saved values"
        if len(name) > MAX_NAME or printable(name) != name:
            raise SessionError(f"data: 'name' should be one line of text of at most {MAX_NAME} characters")
        return data_mod.DataSet(data_mod.validate_data(values), name, {"type": "values"}), ""
    raise SessionError(f"data: unknown type {_short(kind)!r} (simulated, dataset, file or values)")


def load(path, max_iter: int | None = None) -> Session:
    """Read a session file and rebuild its session at the saved iteration, or raise SessionError."""
    path = Path(path)
    doc = _read_json(path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f"{path} is not an em-tui session file (no \"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if type(version) is not int or version not in READS:
        shown = _short(json.dumps(version))
        raise SessionError(f"{path}: session version {shown} is not supported (this em-tui reads "
                           + " and ".join(map(str, READS)) + ")")
    try:
        source = _need(doc, "data", dict)
        config = read_config(doc, max_iter)
        start_doc = _need(doc, "start", dict)
        start = Mixture.create(_numbers(start_doc, "weights", "start: "), _numbers(start_doc, "means", "start: "),
                               _numbers(start_doc, "sds", "start: "), config.k)
        t = _need(doc, "t", int)
        half = _optional(doc, "half", (bool,), "true or false") or False
        marks = _optional(doc, "anomaly_quantile", (int, float), "a number or null")
        n = data_mod.DEFAULT_N
        if source.get("type") == "simulated" and source.get("n") is not None:
            n = _whole(source, "n", data_mod.MIN_POINTS, MAX_POINTS, "data: ")
        student = None
        if source.get("type") == "simulated":
            student = _optional(source, "student", (str,), "a student ID or null", "data: ")
            if student is not None:
                data_mod.student_seed(student)  # a bad ID is refused in its own words
        dataset, note = _dataset(source, path.parent, version)
        check_replay(t, n if dataset is None else dataset.n)
        session = Session(Scenario(config=config, start=start, dataset=dataset, n=n, student=student))
        session.goto(t)
        if half:
            session.e_step()
        if marks is not None:
            session.mark_anomalies(float(marks))
        if doc.get("lab") is not None:
            session.lab = Lab.from_dict(doc["lab"], config.max_iter)
    except SessionError as exc:
        raise SessionError(f"{path}: {exc}") from None
    except (EmTuiError, Refused) as exc:
        raise SessionError(f"{path}: {exc}") from None
    session.note(out.SessionOpened(path.name, session.t, session.anomaly_quantile, note))
    return session
