"""``em-tui serve``: the simulator in a web browser, served with textual-serve.

Each browser tab that opens the page starts its own ``python -m em_tui`` (the
interpreter running this command), so every visitor gets a fresh session. The
server listens on loopback (127.0.0.1) unless ``--host`` says otherwise.

textual-serve (the ``web`` extra) is imported only when serving starts, so the
rest of the command line does not need it.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import shlex
import signal
import socket
import sys

from .cli import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = 'em-tui serve needs the web extra: pip install "em-tui[web]"'


def app_command() -> str:
    """The shell command each browser session runs: this interpreter running the app."""
    return shlex.join([sys.executable, "-m", "em_tui"])


def parse_port(text: str | int) -> int:
    """``--port``: a whole number from 1 to 65535."""
    raw = str(text).strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"--port must be a whole number from 1 to 65535, got {str(text)!r}")
    return int(raw)


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


def same_origin(origin: str | None, host: str) -> bool:
    """True when a request's ``Origin`` header is this server's own address (``host`` is the request's
    Host header), or when there is no Origin (not a browser page: a local program)."""
    if origin is None:
        return True
    from urllib.parse import urlsplit

    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def load_server_class():
    """textual-serve's ``Server``, adapted for em-tui; a usage error when it is not installed."""
    try:
        from aiohttp import web
        from aiohttp.web_runner import GracefulExit
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(INSTALL_HINT) from None

    class EmTuiServer(Server):
        """textual-serve's server with four changes.

        - A websocket from a page of another origin is refused (403).
        - The page points the browser back at the address it used (textual-serve writes
          the listening host into it, which is useless to a browser for 0.0.0.0).
        - No banner before the port is bound; ``announce`` is called once it is.
        - ``serve`` runs on a fresh event loop, stops on Ctrl+C or SIGTERM without a
          traceback and lets a bind error (OSError) through to the caller.
        """

        def __init__(self, command: str, host: str, port: int, announce) -> None:
            super().__init__(command, host=host, port=port, title="em-tui")
            self.announce = announce

        async def handle_index(self, request):
            # the parent reads public_url before its first await, so requests cannot mix it up
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request):
            # a browser names the page that opens a websocket in Origin: only this server's own page may
            # start a session (another site open in the same browser must not drive the app)
            if not same_origin(request.headers.get("Origin"), request.host):
                return web.Response(status=403, text="em-tui: sessions start only from this server's own page\n")
            return await super().handle_websocket(request)

        async def on_startup(self, app) -> None:
            return None

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


def serve(host: str = DEFAULT_HOST, port: str | int = DEFAULT_PORT) -> int:
    """Serve the app at http://host:port until Ctrl+C; returns the exit status."""
    host = parse_host(host)
    port = parse_port(port)
    server_class = load_server_class()
    url = url_for(host, port)
    if _is_wildcard(host):
        where = f"on every address of this machine, port {port} - open {url} here, or this machine's address from elsewhere"
    else:
        where = f"at {url} - open it in a browser"
    bound = False

    def announce() -> None:
        nonlocal bound
        bound = True
        if not is_loopback(host):
            print(
                f"warning: serving on {host}, not loopback: anyone who can reach port {port} there can use the app, "
                "which opens files and writes exports and saves as you",
                file=sys.stderr,
                flush=True,
            )
        print(f"serving em-tui {where}; Ctrl+C stops", flush=True)

    try:
        server_class(app_command(), host=host, port=port, announce=announce).serve()
    except OSError as exc:
        if bound:
            raise
        raise UsageError(_bind_error(exc, host, port)) from None
    return 0
