"""Who may use ``em-tui serve`` and what a browser may send it: the checks every request and message
passes (Host, Origin, token; terminal sizes, message envelopes), with no web server in them.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import math
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

#: a browser cannot make a session's screen larger than this (columns, rows): a bigger screen costs memory
MAX_COLUMNS, MAX_ROWS = 500, 200
#: the names every server answers to: this machine's loopback
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``text`` as an IP address; None when it is a name (or nothing)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True when ``host`` names only this machine's loopback interface."""
    if (ip := _ip(host)) is not None:
        return ip.is_loopback
    if host.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def is_wildcard(host: str) -> bool:
    """True when ``host`` is 0.0.0.0 or ::, every interface of this machine."""
    ip = _ip(host)
    return ip is not None and ip.is_unspecified


def url_for(host: str, port: int) -> str:
    """The address to open for a server on ``host``:``port``."""
    if is_wildcard(host):  # every interface: this machine reaches it on loopback
        host = "127.0.0.1" if ":" not in host else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


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
    if (ip := _ip(text)) is None:
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
        wildcard = is_wildcard(host)
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
