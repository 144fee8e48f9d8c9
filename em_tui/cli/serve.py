"""``em-tui serve``: the simulator in a web browser, served with textual-serve.

Each browser tab that opens the page starts its own ``python -m em_tui`` (the
interpreter running this command), in a folder of its own under the run folder,
so every visitor gets a fresh session and students' exports never collide.

Only the person who started the server gets in:

- it listens on loopback (127.0.0.1) unless ``--host`` says otherwise;
- every request (page, static file, websocket, download) must name this server
  in its Host header (a DNS-rebinding page names its own site there), and a
  browser page's Origin must be this server too;
- every request must carry the run's secret token: from the printed URL's
  ``?token=`` the first time, then from an HttpOnly, SameSite=Strict cookie
  (Jupyter's model). ``--no-token`` turns that off, with a warning.

Sessions are bounded (``--max-sessions``, ``--idle-timeout``, terminal sizes
clamped) and stopping the server ends every app process within a second or so.

textual-serve (the ``web`` extra) is imported only when serving starts, so the
rest of the command line does not need it.

The parts: the options are checked in :mod:`em_tui.cli.args` (into a ``ServeOptions``), who may come in
and what a page may send in :mod:`em_tui.cli.serve_gate`, the web server itself in
:mod:`em_tui.cli.serve_server` (the one module that needs the web extra); this module puts them together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import importlib
import secrets
import shlex
import socket
import sys
import tempfile
from pathlib import Path

from ..errors import UsageError
from .args import (DEFAULT_HOST, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSIONS, DEFAULT_PORT, DEFAULT_RUN_DIR,
                   ServeOptions, parse_host, parse_idle_timeout, parse_max_sessions, parse_port, parse_public_url)
from .say import describe_seconds
from .serve_gate import MAX_COLUMNS, MAX_ROWS, Gate, clamp_size, is_loopback, is_wildcard, url_for

__all__ = [  # what the tests and the command line use, from where they always found it
    "DEFAULT_HOST", "DEFAULT_IDLE_TIMEOUT", "DEFAULT_MAX_SESSIONS", "DEFAULT_PORT", "DEFAULT_RUN_DIR",
    "INSTALL_HINT", "MAX_COLUMNS", "MAX_ROWS", "Gate", "ServeOptions", "app_argv", "app_command", "clamp_size",
    "describe_seconds", "is_loopback", "load_server_class", "parse_public_url", "prepare_run_dir", "serve",
    "url_for",
]


INSTALL_HINT = 'em-tui serve needs the web extra: pip install "em-tui[web]"'
#: the modules of the web extra that the server (serve_server.py) is built on
WEB_EXTRA = ("aiohttp", "aiohttp_jinja2", "textual_serve.app_service", "textual_serve.server")


def app_argv() -> list[str]:
    """What each browser session runs (without a shell): this interpreter running the app."""
    return [sys.executable, "-m", "em_tui"]


def app_command() -> str:
    """:func:`app_argv` as one shell command (how textual-serve names an app)."""
    return shlex.join(app_argv())


def load_server_class():
    """The web server (:class:`em_tui.cli.serve_server.EmTuiServer`); a usage error that says how to install
    the web extra when it is missing."""
    try:
        for name in WEB_EXTRA:
            importlib.import_module(name)
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    from .serve_server import EmTuiServer

    return EmTuiServer


def prepare_run_dir(text: str) -> Path:
    """``--run-dir``: the folder that holds one folder per session, made (readable by you only) if missing."""
    path = Path(text).expanduser()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".probe-", dir=path)
        Path(probe).rmdir()
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"--run-dir {text!r} cannot hold the sessions' folders: {reason}") from None
    return path.resolve()


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if isinstance(exc, socket.gaierror):
        return f"cannot serve on --host {host!r}: not a name or address this machine can resolve"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host}; stop what uses it or pick another with --port"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 usually need privileges); pick another with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot serve on {host}: it is not an address of this machine"
    reason = (exc.strerror or str(exc)).lower()
    return f"cannot serve on {host} port {port}: {reason}"


def serve(
    host: str = DEFAULT_HOST,
    port: str | int = DEFAULT_PORT,
    *,
    token: bool = True,
    max_sessions: str | int = DEFAULT_MAX_SESSIONS,
    idle_timeout: str | float = DEFAULT_IDLE_TIMEOUT,
    public_url: str | None = None,
    run_dir: str = DEFAULT_RUN_DIR,
) -> int:
    """Serve the app until Ctrl+C; returns the exit status. Every option is checked before anything is
    bound or made; a bad one is a ``UsageError``."""
    host = parse_host(host)
    options = ServeOptions(
        host=host,
        port=parse_port(port),
        token=secrets.token_urlsafe(32) if token else None,
        max_sessions=parse_max_sessions(max_sessions),
        idle_timeout=parse_idle_timeout(idle_timeout),
        public_url=parse_public_url(public_url),
    )
    port = options.port
    server_class = load_server_class()
    made_run_dir = not Path(run_dir).expanduser().exists()
    options = dataclasses.replace(options, run_dir=prepare_run_dir(run_dir))
    if is_wildcard(host):
        where = (f"on every address of this machine, port {port} - open {options.url} here, "
                 "or the same with this machine's address from elsewhere")
    elif options.public_url:
        where = f"at {options.url} through your proxy (it listens at {url_for(host, port)}) - open it in a browser"
    else:
        where = f"at {options.url} - open it in a browser"
    bound = False

    def announce() -> None:
        nonlocal bound
        bound = True
        who = "anyone who can reach" if options.token is None else "anyone who has the printed address and can reach"
        if options.token is None:
            print(f"warning: --no-token: every program and user that can connect to port {port} can use the app, "
                  "which opens files and writes exports and saves as you", file=sys.stderr, flush=True)
        if not is_loopback(host):
            print(f"warning: serving on {host}, not loopback: {who} port {port} there can use the app, which opens "
                  "files and writes as you, over plain http (put an HTTPS proxy in front on a network you do not trust)",
                  file=sys.stderr, flush=True)
        print(f"serving em-tui {where}; Ctrl+C stops", flush=True)
        print(f"each session works in a folder of its own under {options.run_dir}", flush=True)

    try:
        server_class(options, app_argv(), announce=announce).serve()
    except OSError as exc:
        if bound:
            raise
        if made_run_dir:
            with contextlib.suppress(OSError):
                options.run_dir.rmdir()
        raise UsageError(_bind_error(exc, host, port)) from None
    return 0
