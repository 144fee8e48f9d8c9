"""The web server behind ``em-tui serve``: textual-serve's ``Server`` and ``AppService``, adapted.

Every request passes the :class:`~em_tui.cli.serve_gate.Gate`; each browser session is an app process of
its own, in a folder of its own, bounded in number, idle time and screen size; stopping ends every
session's app for sure. This module needs the ``web`` extra (aiohttp and textual-serve): only
:func:`em_tui.cli.serve.load_server_class` imports it, once it has found the extra installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, log, to_int

from .args import ServeOptions
from .say import describe_seconds
from .serve_gate import Gate, clamp_size, read_envelope

#: seconds an app gets to quit on its own before it is terminated, then killed
QUIT_GRACE = 0.5
#: seconds a websocket waits for the browser to answer its closing
CLOSE_TIMEOUT = 0.5
#: seconds the server waits for requests still running when it stops
SHUTDOWN_TIMEOUT = 1.0
TEMPLATES = Path(__file__).parent / "web_templates"


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

    def __init__(self, options: ServeOptions, argv: list[str], announce) -> None:
        """``argv``: what each session runs, without a shell; ``announce()``: called once the port is bound."""
        super().__init__(shlex.join(argv), host=options.host, port=options.port, title="em-tui",
                         templates_path=TEMPLATES)
        self.options = options
        self.argv = argv
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
                self.argv, folder,
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
