"""Session files: a scenario saved with ``s`` and reopened with ``em-tui --session FILE``.

A session file is JSON::

    {"format": "em-tui session", "version": 1,
     "data": {"type": "simulated", "seed": S, "n": N}
           | {"type": "dataset", "name": NAME}
           | {"type": "file", "path": PATH, "column": C}
           | {"type": "values", "name": NAME, "values": [...]},
     "k": K, "start": {"weights": [...], "means": [...], "sds": [...]},
     "seed": S, "fault": null | NAME, "t": T, "half": false,
     "max_iterations": 1000, "tol": 1e-6,
     "anomaly_quantile": null | Q   (optional: the anomaly marks, key a),
     "summary": {"iterations": ..., "final_log_likelihood": ..., "converged": ...}}

Reading checks everything before anything is built: a damaged or foreign file
raises :class:`SessionError` with what is wrong, and nothing opens half-way.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..core import data as data_mod
from ..core.anomaly import percent
from ..core.errors import EmTuiError
from ..core.model import Mixture
from .session import K_APP_MAX, Refused, Session

FORMAT = "em-tui session"
VERSION = 1


class SessionError(EmTuiError):
    """A session file that cannot be opened (the message says why)."""


def session_dict(session: Session) -> dict:
    ds = session.dataset
    if ds is None:
        source = {"type": "simulated", "seed": session.seed, "n": session.n}
    elif ds.source.get("type") in ("dataset", "file"):
        source = {key: ds.source[key] for key in ("type", "name", "path", "column") if key in ds.source}
    else:
        source = {"type": "values", "name": ds.name, "values": [float(v) for v in ds.values]}
    tr = session.trajectory
    return {
        "format": FORMAT,
        "version": VERSION,
        "data": source,
        "k": session.k,
        "start": session.start.as_dict(),
        "seed": session.seed,
        "fault": session.fault,
        "t": session.t,
        "half": session.half,
        "max_iterations": session.max_iter,
        "tol": session.tol,
        "anomaly_quantile": session.anomaly_quantile,
        "summary": {"iterations": tr.iterations, "final_log_likelihood": float(tr.ll[-1]), "converged": tr.converged},
    }


def save(session: Session, path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(session_dict(session), indent=1) + "\n", encoding="utf-8")
    return path


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


def _dataset(doc: dict) -> data_mod.DataSet | None:
    kind = _need(doc, "type", str, "data: ")
    if kind == "simulated":
        return None
    if kind == "dataset":
        return data_mod.load_dataset(_need(doc, "name", str, "data: "))
    if kind == "file":
        column = doc.get("column")
        return data_mod.load_file(_need(doc, "path", str, "data: "), column)
    if kind == "values":
        values = _numbers(doc, "values", "data: ")
        return data_mod.DataSet(data_mod.validate_data(values), str(doc.get("name", "saved values")), {"type": "values"})
    raise SessionError(f"data: unknown type {kind!r} (simulated, dataset, file or values)")


def load(path, max_iter: int | None = None) -> Session:
    """Read a session file and rebuild its session at the saved iteration, or raise SessionError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(f"session file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"cannot read {path}: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"{path} is not a session file (not JSON: {exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f"{path} is not an em-tui session file (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise SessionError(f"{path}: session version {doc.get('version')!r} is not supported (this em-tui reads {VERSION})")
    try:
        source = _need(doc, "data", dict)
        k = _need(doc, "k", int)
        if not 1 <= k <= K_APP_MAX:
            raise SessionError(f"'k' must be from 1 to {K_APP_MAX}, got {k}")
        start_doc = _need(doc, "start", dict)
        start = Mixture.create(_numbers(start_doc, "weights", "start: "), _numbers(start_doc, "means", "start: "),
                               _numbers(start_doc, "sds", "start: "), k)
        seed, t = _need(doc, "seed", int), _need(doc, "t", int)
        fault = doc.get("fault")
        if fault is not None and not isinstance(fault, str):
            raise SessionError("'fault' should be a name or null")
        half = bool(doc.get("half", False))
        cap = max_iter if max_iter is not None else _need(doc, "max_iterations", int)
        tol = _need(doc, "tol", float)
        dataset = _dataset(source)
        n = int(source.get("n", data_mod.DEFAULT_N)) if dataset is None else data_mod.DEFAULT_N
        session = Session(seed=seed, n=n, means=None, fault=fault, max_iter=cap, tol=tol, dataset=dataset, k=k,
                          start=start)
        marks = doc.get("anomaly_quantile")
        if marks is not None and (isinstance(marks, bool) or not isinstance(marks, (int, float))):
            raise SessionError("'anomaly_quantile' should be a number or null")
        session.goto(t)
        if half:
            session.e_step()
        if marks is not None:
            session.mark_anomalies(float(marks))
    except SessionError:
        raise
    except (EmTuiError, Refused) as exc:
        raise SessionError(f"{path}: {exc}") from None
    session.message = f"opened the session {path.name} at iteration {session.t}" + (
        f"; anomalies marked ! below the {percent(session.anomaly_quantile)} quantile of log p(x)"
        if session.anomaly_quantile is not None else "")
    return session
