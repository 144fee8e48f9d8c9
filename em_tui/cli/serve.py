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
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import hmac
import ipaddress
import json
import math
import secrets
import shlex
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from ..errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 8
DEFAULT_IDLE_TIMEOUT = 1800  # seconds without input from the browser; 0: never
DEFAULT_RUN_DIR = "em-tui-sessions"
INSTALL_HINT = 'em-tui serve needs the web extra: pip install "em-tui[web]"'

#: a browser cannot make a session's screen larger than this (columns, rows): a bigger screen costs memory
MAX_COLUMNS, MAX_ROWS = 500, 200
#: bounds of the options
MAX_SESSIONS_LIMIT = 1000
MAX_IDLE_TIMEOUT = 7 * 24 * 3600
#: seconds an app gets to quit on its own before it is terminated, then killed
QUIT_GRACE = 0.5
#: seconds a websocket waits for the browser to answer its closing
CLOSE_TIMEOUT = 0.5
#: seconds the server waits for requests still running when it stops
SHUTDOWN_TIMEOUT = 1.0
#: the names every server answers to: this machine's loopback
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
TEMPLATES = Path(__file__).parent / "web_templates"


def app_argv() -> list[str]:
    """What each browser session runs (without a shell): this interpreter running the app."""
    return [sys.executable, "-m", "em_tui"]


def app_command() -> str:
    """:func:`app_argv` as one shell command (how textual-serve names an app)."""
    return shlex.join(app_argv())


def _whole_number(option: str, text: str | int, low: int, high: int) -> int:
    """An option's whole number from ``low`` to ``high``, or a usage error naming the option."""
    raw = str(text).strip()
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise UsageError(f"{option} must be a whole number from {low} to {high}, got {str(text)!r}")
    return int(raw)


def parse_port(text: str | int) -> int:
    """``--port``: a whole number from 1 to 65535."""
    return _whole_number("--port", text, 1, 65535)


def parse_host(text: str) -> str:
    """``--host``: a name or address of this machine; not empty."""
    host = text.strip()
    if not host:
        raise UsageError("--host must not be empty (the default is 127.0.0.1, this machine only)")
    if host.startswith("[") and host.endswith("]"):  # [::1], as written in a URL
        host = host[1:-1]
    return host


def is_loopback(host: str) -> bool:
    """True when ``host`` names only this machine's loopback interface."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    """The address to open for a server on ``host``:``port``."""
    if _is_wildcard(host):  # every interface: this machine reaches it on loopback
        host = "127.0.0.1" if ":" not in host else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def parse_max_sessions(text: str | int) -> int:
    """``--max-sessions``: how many browser sessions (one process each) may run at once."""
    return _whole_number("--max-sessions", text, 1, MAX_SESSIONS_LIMIT)


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


def describe_seconds(seconds: float) -> str:
    """``1800`` -> ``30 minutes``: a timeout as a student reads it."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


# -- who may use the server ------------------------------------------------------
def split_host(value: str | None) -> tuple[str, int | None] | None:
    """A Host header (``127.0.0.1:8000``, ``[::1]:8000``, ``localhost``) as (lowercase name, port or None);
    None when it is not one."""
    if not value or not value.isascii() or any(c.isspace() or c in "/?#@\\" for c in value):
        return None
    try:
        parts = urlsplit(f"//{value}")
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    return (name.rstrip("."), port) if name else None


def is_address_of_this_machine(text: str) -> bool:
    """True when ``text`` is an IP address assigned to this machine (the only addresses a socket can bind)."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


@dataclass(frozen=True)
class Gate:
    """Who may use the server: the addresses it answers to (Host and Origin) and the token it asks for.

    A page of another site cannot name this server in its Host header, even when its own name is made to
    resolve to this machine (DNS rebinding): the browser sends the page's name. Another user of the
    machine can connect to loopback but does not know the token.
    """

    names: frozenset  # of (name, port): the addresses that reach this server
    any_address: bool  # listening on every interface: any IP address of this machine, at the port, is fine
    port: int
    token: str | None
    cookie_name: str

    @classmethod
    def for_server(cls, host: str, port: int, token: str | None, public_url: str | None = None) -> "Gate":
        names = {(name, port) for name in LOOPBACK_NAMES}
        names.add((host.lower(), port))
        wildcard = _is_wildcard(host)
        if wildcard:  # this machine's own names reach it too
            with contextlib.suppress(OSError):
                names.add((socket.gethostname().lower(), port))
                names.add((socket.getfqdn().lower(), port))
        if public_url:
            parts = urlsplit(public_url)
            names.add((parts.hostname.lower(), parts.port or _default_port(parts.scheme)))
        # one cookie per port: browsers share cookies between the ports of one host
        return cls(frozenset(names), wildcard, port, token, f"em-tui-token-{port}")

    def _known(self, name: str, port: int | None, scheme: str) -> bool:
        ports = (port,) if port is not None else (80, 443) if scheme == "" else (_default_port(scheme),)
        for p in ports:
            if (name, p) in self.names:
                return True
            if self.any_address and p == self.port and is_address_of_this_machine(name):
                return True
        return False

    def host_allowed(self, host_header: str | None) -> bool:
        """True when the request's Host header names this server (a missing port means 80 or 443)."""
        parsed = split_host(host_header)
        return parsed is not None and self._known(*parsed, scheme="")

    def origin_allowed(self, origin: str | None) -> bool:
        """True when a browser page's Origin is this server; a request without one (not from a page: a
        program) is fine here, and still needs the token."""
        if origin is None:
            return True
        try:
            parts = urlsplit(origin)
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not name or parts.path not in ("", "/"):
            return False
        return self._known(name.rstrip("."), port, parts.scheme)

    def token_ok(self, candidate: str | None) -> bool:
        """True when ``candidate`` is the run's token (compared in constant time), or when there is none."""
        if self.token is None:
            return True
        if candidate is None:
            return False
        return hmac.compare_digest(candidate.encode("utf-8", "replace"), self.token.encode("utf-8"))

    def refusal(self, host: str | None, origin: str | None, cookie: str | None, query_token: str | None) -> str | None:
        """Why a request is refused (one line for the browser), or None when it may go on."""
        if not self.host_allowed(host):
            return ("em-tui: refused: this server answers only to its own address, "
                    "not to the name this request used; open the address em-tui serve printed")
        if not self.origin_allowed(origin):
            return "em-tui: refused: a page of another site cannot use this server"
        if not (self.token_ok(cookie) or self.token_ok(query_token)):
            return ("em-tui: refused: this server needs its token; open the address em-tui serve printed "
                    "(it ends in ?token=...)")
        return None


def clamp_size(width: object, height: object) -> tuple[int, int] | None:
    """A terminal size from the browser, clamped to 1..MAX_COLUMNS by 1..MAX_ROWS; None when either is not
    a number (the request is then ignored)."""
    size = []
    for value, largest in ((width, MAX_COLUMNS), (height, MAX_ROWS)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        size.append(min(max(int(value), 1), largest))
    return size[0], size[1]


def read_envelope(text: str) -> tuple[str, list] | None:
    """A websocket message from textual-serve's page, ``["type", arg, ...]``, as (type, args); None when it
    is not one (it is then ignored, not an error that ends the session)."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return None
    return envelope[0], envelope[1:]


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


def load_server_class():
    """textual-serve's ``Server``, adapted for em-tui; a usage error when it is not installed."""
    try:
        import aiohttp_jinja2
        from aiohttp import WSCloseCode, WSMsgType, web
        from aiohttp.abc import AbstractAccessLogger
        from aiohttp.web_runner import GracefulExit
        from textual_serve.app_service import AppService
        from textual_serve.server import Server, log, to_int
    except ImportError:
        raise UsageError(INSTALL_HINT) from None

    class AccessLog(AbstractAccessLogger):
        """One line per request, without its query: the token stays out of the log."""

        def log(self, request, response, time):  # noqa: A002 - aiohttp's signature
            self.logger.info("%s %s %s %s", request.remote, request.method, request.path, response.status)

    class EmTuiAppService(AppService):
        """One browser session's app process: run without a shell, in the session's own folder, and ended
        for sure (asked to quit, then terminated, then killed) when the session stops."""

        def __init__(self, argv: list[str], folder: Path, **kwargs) -> None:
            super().__init__(shlex.join(argv), **kwargs)
            self.argv = argv
            self.folder = folder
            self.last_input = asyncio.get_running_loop().time()

        async def _open_app_process(self, width: int = 80, height: int = 24):
            self._process = process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._build_environment(width=width, height=height),
                cwd=self.folder,
            )
            self._stdin = process.stdin
            return process

        async def stop(self) -> None:
            task, self._task = self._task, None
            if task is None:
                return
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            # the process, not the task reading its output: that task ends as soon as the websocket closes
            process = self._process
            for end in (None, process.terminate, process.kill):
                if end is not None:
                    with contextlib.suppress(ProcessLookupError):
                        end()
                try:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE)
                    break
                except asyncio.TimeoutError:
                    continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(task, QUIT_GRACE)

    class EmTuiServer(Server):
        """textual-serve's server, with em-tui's guard and limits.

        - Every request passes ``Gate``: Host, then Origin, then the token (a cookie set on the first visit,
          after which the browser is sent to the address without it).
        - Our own page: relative addresses (https/wss behind a proxy, ``--public-url``), nothing from
          another site, and the reason a session ended.
        - Sessions: at most ``max_sessions``, ended after ``idle_timeout`` seconds without input, screen
          sizes clamped, malformed messages ignored, each app in a fresh folder under ``run_dir``.
        - ``serve`` binds before announcing and stops promptly on Ctrl+C or SIGTERM: every session is
          closed and its app ended, instead of waiting for browsers and apps.
        """

        def __init__(self, options: ServeOptions, announce) -> None:
            super().__init__(app_command(), host=options.host, port=options.port, title="em-tui",
                             templates_path=TEMPLATES)
            self.options = options
            self.gate = Gate.for_server(options.host, options.port, options.token, options.public_url)
            self.announce = announce
            self.sessions: dict = {}  # websocket -> its app service (None while it starts)

        async def _make_app(self):
            app = await super()._make_app()
            app.middlewares.append(self._guard)
            app.on_response_prepare.append(self._add_headers)
            return app

        @staticmethod
        def _refused(status: int, line: str):
            return web.Response(status=status, text=line + "\n")

        @web.middleware
        async def _guard(self, request, handler):
            query_token = request.query.get("token")
            refusal = self.gate.refusal(request.headers.get("Host"), request.headers.get("Origin"),
                                        request.cookies.get(self.gate.cookie_name), query_token)
            if refusal is not None:
                return self._refused(403, refusal)
            if query_token is not None and self.gate.token and request.path == "/" and request.method == "GET":
                return self._enter(request)
            return await handler(request)

        def _enter(self, request):
            """The first visit, with ?token=: the token goes into a cookie and the browser to the clean address
            (so the token is not left in the address bar, the history or a Referer)."""
            rest = urlencode([(k, v) for k, v in request.query.items() if k != "token"])
            base = self.options.public_url or "./"
            response = web.HTTPSeeOther(base + (f"?{rest}" if rest else ""))
            path = urlsplit(self.options.public_url).path if self.options.public_url else "/"
            response.set_cookie(self.gate.cookie_name, self.gate.token, httponly=True, samesite="Strict", path=path)
            return response

        async def _add_headers(self, request, response) -> None:
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cache-Control", "no-store")

        def _full(self) -> str | None:
            """Why no new session can start now, or None."""
            cap = self.options.max_sessions
            if len(self.sessions) < cap:
                return None
            return (f"All {cap} sessions of this server are in use (--max-sessions {cap}). "
                    "Close another tab, then press Restart.")

        async def handle_index(self, request):
            if full := self._full():
                return self._refused(503, f"em-tui: {full}")
            context = {
                "title": self.title,
                "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64),
                "base_url": self.options.public_url or "",
            }
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_websocket(self, request):
            websocket = web.WebSocketResponse(heartbeat=15, timeout=CLOSE_TIMEOUT)
            if full := self._full():
                await websocket.prepare(request)
                await self._close(websocket, WSCloseCode.TRY_AGAIN_LATER, full)
                return websocket
            self.sessions[websocket] = None  # counted before the first await: no race past the cap
            folder = None
            try:
                await websocket.prepare(request)
                folder = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=self.options.run_dir))
                service = EmTuiAppService(
                    app_argv(), folder,
                    write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
                    download_manager=self.download_manager, debug=self.debug,
                )
                self.sessions[websocket] = service
                size = clamp_size(to_int(request.query.get("width", "80"), 80),
                                  to_int(request.query.get("height", "24"), 24))
                await service.start(*size)
                watchdog = asyncio.create_task(self._end_when_idle(websocket, service))
                try:
                    await self._process_messages(websocket, service)
                finally:
                    watchdog.cancel()
                    await service.stop()
            except web.HTTPException:  # not a websocket request: aiohttp answers it (400)
                raise
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                log.warning("a session could not start: %s", reason)
                await self._close(websocket, WSCloseCode.INTERNAL_ERROR, f"The session could not start: {reason}.")
            except Exception as exc:  # a bug: one line in the server's log, the other sessions go on
                log.error("a session ended on an internal error (%s: %s); please report it", type(exc).__name__, exc)
                await self._close(websocket, WSCloseCode.INTERNAL_ERROR, "The session ended on an internal error.")
            finally:
                service = self.sessions.pop(websocket, None)
                if service is not None:
                    await service.stop()
                await self._close(websocket, WSCloseCode.OK, "Session ended.")
                if folder is not None:
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only when the session wrote nothing
            return websocket

        async def _close(self, websocket, code, reason: str) -> None:
            """Close a websocket with a reason the page shows, without waiting long for the browser."""
            if websocket.closed or not websocket.prepared:
                return
            try:
                await asyncio.wait_for(websocket.close(code=code, message=reason.encode("utf-8")[:123]), CLOSE_TIMEOUT)
            except (asyncio.TimeoutError, ConnectionError, RuntimeError):
                if request := getattr(websocket, "_req", None):
                    if request.transport is not None:
                        request.transport.abort()

        async def _end_when_idle(self, websocket, service) -> None:
            """End the session once the browser has sent no input for ``idle_timeout`` seconds (0: never)."""
            timeout = self.options.idle_timeout
            if not timeout:
                return
            loop = asyncio.get_running_loop()
            while (left := service.last_input + timeout - loop.time()) > 0:
                await asyncio.sleep(left)
            await self._close(websocket, WSCloseCode.OK,
                              f"Session ended after {describe_seconds(timeout)} without input. Restart opens a new one.")

        async def _process_messages(self, websocket, app_service) -> None:
            """textual-serve's message loop, with what a page sends checked: sizes clamped, anything
            malformed ignored; keys and mouse (stdin) count as input for the idle timeout."""
            loop = asyncio.get_running_loop()
            async for message in websocket:
                if message.type != WSMsgType.TEXT or (envelope := read_envelope(message.data)) is None:
                    continue
                kind, args = envelope
                if kind == "stdin" and args and isinstance(args[0], str):
                    app_service.last_input = loop.time()
                    await app_service.send_bytes(args[0].encode("utf-8", "replace"))
                elif kind == "resize" and args and isinstance(args[0], dict):
                    if size := clamp_size(args[0].get("width"), args[0].get("height")):
                        await app_service.set_terminal_size(*size)
                elif kind == "ping" and args and isinstance(args[0], str):
                    await websocket.send_json(["pong", args[0][:64]])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()

        async def on_startup(self, app) -> None:
            return None

        async def on_shutdown(self, app) -> None:
            """Stopping: end every session now (the browsers are told why) rather than wait for them."""
            sessions = list(self.sessions.items())
            await asyncio.gather(
                *(self._close(websocket, WSCloseCode.GOING_AWAY, "The server stopped.") for websocket, _ in sessions),
                *(service.stop() for _, service in sessions if service is not None),
            )

        def serve(self, debug: bool = False) -> None:
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, self.request_exit)
                except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
                    pass
            try:
                web.run_app(
                    self._make_app(),
                    host=self.host,
                    port=self.port,
                    handle_signals=False,
                    loop=loop,
                    shutdown_timeout=SHUTDOWN_TIMEOUT,
                    access_log_class=AccessLog,
                    print=lambda *args: self.announce(),
                )
            except GracefulExit:
                pass

    return EmTuiServer


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
    if _is_wildcard(host):
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
        server_class(options, announce=announce).serve()
    except OSError as exc:
        if bound:
            raise
        if made_run_dir:
            with contextlib.suppress(OSError):
                options.run_dir.rmdir()
        raise UsageError(_bind_error(exc, host, port)) from None
    return 0
