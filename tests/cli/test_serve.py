"""`em-tui serve`: the simulator in a browser (textual-serve), end to end and its error paths.

Each server runs as a subprocess on a free loopback port, in a temporary folder; a test makes a handful
of requests, then stops it. Waits have generous limits that only guard against a hang.
"""

import asyncio
import contextlib
import http.client
import ipaddress
import json
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from em_tui import cli
from em_tui.cli import serve as web

aiohttp = pytest.importorskip("aiohttp")

#: hang guards (seconds), not speed limits
START_TIMEOUT = 30.0
EXIT_TIMEOUT = 10.0
LINUX = sys.platform.startswith("linux")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine, other than loopback, that accepts connections; None if there is none."""
    candidates = set()
    with contextlib.suppress(OSError):
        candidates.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("198.51.100.1", 9))  # UDP: no packet is sent, it only picks the outgoing address
        candidates.add(s.getsockname()[0])
    for address in sorted(candidates):
        ip = ipaddress.ip_address(address)
        if ip.is_loopback or ip.is_unspecified:
            continue
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind((address, 0))
            listener.listen(1)
            with socket.create_connection(listener.getsockname(), timeout=2):
                return address
    return None


@dataclass
class Served:
    """A running `em-tui serve`: its process, port, printed address and token."""

    proc: subprocess.Popen
    port: int
    url: str
    token: str | None
    run_dir: Path
    lines: "queue.Queue[str]"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def cookie(self) -> str:
        return f"em-tui-token-{self.port}={self.token}"

    def stop(self, sig=signal.SIGINT) -> tuple[str, str]:
        """Send ``sig`` and wait for the exit; returns the rest of stdout and stderr."""
        self.proc.send_signal(sig)
        self.proc.wait(timeout=EXIT_TIMEOUT)
        return self.rest_of_stdout(), self.proc.stderr.read()

    def rest_of_stdout(self) -> str:
        out = []
        while True:
            try:
                line = self.lines.get(timeout=EXIT_TIMEOUT)
            except queue.Empty:
                break
            if line is None:
                break
            out.append(line)
        return "".join(out)


@contextlib.contextmanager
def running_server(tmp_path, *args):
    """`python -m em_tui serve --port P ARGS` in ``tmp_path``; waits for its address, always stopped and
    reaped on the way out."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "em_tui", "serve", "--port", str(port), *args],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue = queue.Queue()

    def read_stdout() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read_stdout, daemon=True).start()
    try:
        first = lines.get(timeout=START_TIMEOUT)
        if first is None:
            proc.wait(timeout=EXIT_TIMEOUT)
            pytest.fail(f"em-tui serve exited with {proc.returncode} before serving:\n{proc.stderr.read()}")
        match = re.search(r"(https?://\S+)", first)
        assert match, first
        url = match.group(1)
        token = re.search(r"token=([\w-]+)", url)
        folder = lines.get(timeout=START_TIMEOUT)
        assert folder.startswith("each session works in a folder of its own under "), folder
        yield Served(proc, port, url, token and token.group(1), Path(folder.rsplit(" ", 1)[1].strip()), lines)
    finally:
        if proc.poll() is None:
            proc.terminate()  # as Ctrl+C does: the server ends its sessions' apps
            try:
                proc.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(timeout=EXIT_TIMEOUT)
        proc.stderr.close()


def request(served: Served, path: str, *, host: str | None = None, cookie: bool = True, headers=None):
    """One GET to the server; returns (status, headers, body). ``host`` replaces the Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    sent = {"Host": served.host if host is None else host, **(headers or {})}
    if cookie and served.token:
        sent["Cookie"] = served.cookie
    try:
        conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def upgrade(served: Served, path: str = "/ws", *, host: str | None = None, origin: str | None = None,
            cookie: bool = True) -> tuple[int, socket.socket]:
    """A websocket upgrade sent by hand; returns its HTTP status and the open connection (which then reads
    nothing, like a browser tab in the background)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {served.host if host is None else host}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    if cookie and served.token:
        lines.append(f"Cookie: {served.cookie}")
    conn = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split()[1]), conn


def upgrade_status(served: Served, path: str = "/ws", **kwargs) -> int:
    status, conn = upgrade(served, path, **kwargs)
    conn.close()
    return status


async def open_session(client, served: Served, query: str = "width=100&height=30"):
    """A websocket session as the page opens it (Origin and cookie of the page)."""
    return await client.ws_connect(
        f"http://127.0.0.1:{served.port}/ws?{query}",
        headers={"Origin": f"http://{served.host}", "Cookie": served.cookie},
        autoping=True, max_msg_size=0,
    )


async def screen_output(ws, enough: int = 10_000) -> bytes:
    """What the app draws, until at least ``enough`` bytes have come (its first screen)."""
    received = b""
    while len(received) < enough:
        message = await asyncio.wait_for(ws.receive(), START_TIMEOUT)
        assert message.type == aiohttp.WSMsgType.BINARY, (message.type, message.data, message.extra)
        received += message.data
    return received


async def until_closed(ws):
    """Read until the server closes the websocket; its close message."""
    while True:
        message = await asyncio.wait_for(ws.receive(), START_TIMEOUT)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return message


def child_pids(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


def runs_the_app(pid: int) -> bool:
    """True once a child of the server is the app (it runs in its folder from then on)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[:-1] == [os.fsencode(a) for a in web.app_argv()]
    except FileNotFoundError:
        return False


def app_pids(served: Served, tabs: list[socket.socket]) -> list[int]:
    """The app processes of the sessions open in ``tabs``. A tab receives only what its app draws, so once
    each tab has received something, each app runs (a child of the server, on the app's command line)."""
    for tab in tabs:
        tab.settimeout(START_TIMEOUT)
        assert tab.recv(1), "a session ended before its app drew anything"
    pids = [pid for pid in child_pids(served.proc.pid) if runs_the_app(pid)]
    assert len(pids) == len(tabs), child_pids(served.proc.pid)
    return pids


# -- the page ----------------------------------------------------------------------
def test_the_token_url_sets_a_cookie_and_leads_to_the_page_which_loads_nothing_from_outside(tmp_path):
    with running_server(tmp_path) as served:
        assert served.url == f"http://127.0.0.1:{served.port}/?token={served.token}"
        assert len(served.token) >= 40
        status, headers, _ = request(served, f"/?token={served.token}&fontsize=20", cookie=False)
        assert status == 303
        assert headers["Location"] == "./?fontsize=20"  # the clean address, relative: it works behind a proxy
        cookie = headers["Set-Cookie"]
        assert cookie.startswith(f"em-tui-token-{served.port}={served.token};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        status, headers, page = request(served, "/?fontsize=20")
        assert status == 200 and headers["Referrer-Policy"] == "no-referrer"
        assert 'class="textual-terminal"' in page and 'data-font-size="20"' in page
        # every address in the page is relative (https and wss behind a proxy) and nothing comes from outside
        addresses = re.findall(r'(?:src|href)="([^"]*)"|url\("([^"]*)"\)', page)
        addresses = [a or b for a, b in addresses]
        assert "static/js/textual.js" in addresses and "static/fonts/RobotoMono-VariableFont_wght.ttf" in addresses
        assert all(not re.match(r"[a-z]+:|//", a) for a in addresses), addresses
        assert "http://" not in page and "ws://" not in page and "googleapis" not in page
        assert 'socketUrl.protocol === "https:" ? "wss:" : "ws:"' in page
        for address in set(addresses):
            assert request(served, "/" + address)[0] == 200, address
        out, err = served.stop()
    assert served.proc.returncode == 0, err
    assert "Traceback" not in out + err
    assert "warning" not in err  # loopback, with a token: nothing to warn about
    assert served.token not in out + err.replace(served.url, "")  # the log leaves the token out


def test_public_url_is_the_page_base_the_printed_address_and_an_accepted_host(tmp_path):
    public = "https://lab.example.edu/em-tui/"
    with running_server(tmp_path, "--public-url", public.rstrip("/")) as served:
        assert served.url == f"{public}?token={served.token}"
        status, headers, _ = request(served, f"/?token={served.token}", cookie=False, host="lab.example.edu")
        assert status == 303 and headers["Location"] == public
        assert "Path=/em-tui/" in headers["Set-Cookie"]
        status, _, page = request(served, "/", host="lab.example.edu")
        assert status == 200 and f'<base href="{public}" />' in page
        assert upgrade_status(served, host="lab.example.edu", origin="https://lab.example.edu") == 101
        assert upgrade_status(served, host=served.host, origin="https://lab.example.edu") == 101  # Host not passed on
        assert upgrade_status(served, host="lab.example.edu", origin="http://lab.example.edu") == 403  # not its scheme


# -- who gets in ------------------------------------------------------------------------
def test_a_request_naming_another_host_is_refused_even_with_the_token(tmp_path):
    """DNS rebinding: a page at evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example."""
    with running_server(tmp_path) as served:
        for path in ("/", "/static/js/textual.js", "/download/0123abcd"):
            assert request(served, path)[0] == (404 if "download" in path else 200)
            for host in (f"evil.example:{served.port}", f"127.0.0.1:{served.port + 1}", "evil.example", ""):
                status, _, body = request(served, path, host=host)
                assert status == 403, (path, host)
                assert body == ("em-tui: refused: this server answers only to its own address, not to the name this "
                                "request used; open the address em-tui serve printed\n")
            for host in (f"localhost:{served.port}", f"[::1]:{served.port}", f"LOCALHOST:{served.port}"):
                assert request(served, path, host=host)[0] == (404 if "download" in path else 200), (path, host)


def test_a_websocket_from_a_rebinding_page_or_another_origin_gets_no_session(tmp_path):
    with running_server(tmp_path) as served:
        evil = f"evil.example:{served.port}"
        assert upgrade_status(served, host=evil, origin=f"http://{evil}") == 403
        assert upgrade_status(served, origin="http://evil.example") == 403
        assert upgrade_status(served, origin=f"http://127.0.0.1:{served.port + 1}") == 403
        assert upgrade_status(served, origin="null") == 403
        assert upgrade_status(served, origin=f"http://localhost:{served.port}") == 101
        assert upgrade_status(served, origin=None) == 101  # a local program, with the token


def test_without_the_token_every_request_is_refused_with_one_line(tmp_path):
    """Another user of the machine can reach loopback, but does not know the token."""
    with running_server(tmp_path) as served:
        for path in ("/", "/static/js/textual.js", "/download/0123abcd", "/?token=wrong", "/?token="):
            status, _, body = request(served, path, cookie=False)
            assert status == 403, path
            assert body == ("em-tui: refused: this server needs its token; open the address em-tui serve printed "
                            "(it ends in ?token=...)\n")
        status, _, _ = request(served, "/", cookie=False, headers={"Cookie": f"em-tui-token-{served.port}=wrong"})
        assert status == 403
        assert upgrade_status(served, cookie=False) == 403
        assert upgrade_status(served, f"/ws?token={served.token}", cookie=False) == 101  # a script may pass it


def test_no_token_lets_loopback_in_with_a_warning_and_still_checks_the_host(tmp_path):
    with running_server(tmp_path, "--no-token") as served:
        assert served.token is None and served.url == f"http://127.0.0.1:{served.port}/"
        assert request(served, "/")[0] == 200
        assert request(served, "/", host=f"evil.example:{served.port}")[0] == 403
        _, err = served.stop()
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: --no-token: every program and user"), err


def test_the_gate_accepts_this_servers_addresses_only():
    gate = web.Gate.for_server("127.0.0.1", 8000, "s3cret")
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LocalHost:8000", "localhost.:8000"):
        assert gate.host_allowed(host), host
    for host in (None, "", "127.0.0.1", "127.0.0.1:8001", "evil.example:8000", "127.0.0.1:8000@evil",
                 "127.0.0.1:8000/x", "[::1", "127.0.0.1:99999", "lоcalhost:8000"):
        assert not gate.host_allowed(host), host
    assert gate.origin_allowed(None)  # not a browser page: a program (it still needs the token)
    for origin in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert gate.origin_allowed(origin), origin
    for origin in ("null", "http://evil.example:8000", "file://127.0.0.1:8000", "http://127.0.0.1:8001",
                   "http://127.0.0.1", "https://127.0.0.1:8000/x"):
        assert not gate.origin_allowed(origin), origin
    assert gate.token_ok("s3cret") and not gate.token_ok("s3cre") and not gate.token_ok(None)
    assert not gate.token_ok("sécret")
    assert web.Gate.for_server("127.0.0.1", 8000, None).token_ok(None)  # --no-token

    on_port_80 = web.Gate.for_server("127.0.0.1", 80, "t")
    assert on_port_80.host_allowed("127.0.0.1") and on_port_80.origin_allowed("http://localhost")

    everywhere = web.Gate.for_server("0.0.0.0", 8000, "t")
    assert everywhere.host_allowed(f"{socket.gethostname()}:8000")
    assert not everywhere.host_allowed("evil.example:8000")
    assert not everywhere.host_allowed("198.51.100.7:8000")  # not an address of this machine
    address = non_loopback_ipv4()
    if address is not None:
        assert everywhere.host_allowed(f"{address}:8000")
        assert not web.Gate.for_server("127.0.0.1", 8000, "t").host_allowed(f"{address}:8000")


def test_default_host_is_loopback(tmp_path):
    args = cli.build_parser().parse_args(["serve"])
    assert args.host == web.DEFAULT_HOST == "127.0.0.1"
    assert int(args.port) == web.DEFAULT_PORT == 8000
    assert web.is_loopback(args.host)
    assert not web.is_loopback("0.0.0.0")

    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    with running_server(tmp_path) as served:
        with pytest.raises(OSError):
            socket.create_connection((address, served.port), timeout=2).close()


# -- sessions: limits, folders, downloads, stopping ---------------------------------------
def test_a_huge_resize_is_clamped_and_malformed_messages_are_ignored(tmp_path):
    """["resize", {"width": 20000, "height": 20000}] once grew a session to 2.7 GB."""

    async def scenario(served):
        async with aiohttp.ClientSession() as client:
            ws = await open_session(client, served, "width=20000&height=abc")
            first = await screen_output(ws)
            for junk in ("not json", "[]", "[1]", '["stdin", 5]', '["resize", {"width": "wide", "height": 30}]',
                         '["resize", {"width": true, "height": 30}]', '["resize", [1, 2]]', '["stdin", "\\ud800"]',
                         "[" * 10_000 + "]" * 10_000):
                await ws.send_str(junk)
            await ws.send_str('["resize", {"width": 20000, "height": 20000}]')
            while True:  # the app draws each screen in one message: wait for the first one of the new size
                message = await asyncio.wait_for(ws.receive(), START_TIMEOUT)
                assert message.type == aiohttp.WSMsgType.BINARY, (message.type, message.data)
                if bottom_row(message.data) > 24:
                    break
            await ws.close()
            return first, message.data

    def bottom_row(output: bytes) -> int:
        return max((int(row) for row in re.findall(rb"\x1b\[(\d+);\d+H", output)), default=0)

    with running_server(tmp_path) as served:
        first, resized = asyncio.run(scenario(served))
        assert bottom_row(first) == 24  # the initial size: width clamped, a height that is no number ignored
        assert bottom_row(resized) == web.MAX_ROWS  # the session survived the junk, and was clamped
        _, err = served.stop()
    assert "Traceback" not in err
    assert web.clamp_size(20000, 20000) == (web.MAX_COLUMNS, web.MAX_ROWS) == (500, 200)
    assert web.clamp_size(0, -5) == (1, 1) and web.clamp_size(120.0, 40) == (120, 40)
    for bad in (("80", 24), (80, None), (True, 24), (float("nan"), 24), (float("inf"), 24)):
        assert web.clamp_size(*bad) is None, bad


def test_over_max_sessions_the_page_and_the_websocket_say_so(tmp_path):
    async def scenario(served):
        async with aiohttp.ClientSession() as client:
            first = await open_session(client, served)
            await screen_output(first, enough=1)
            status, _, body = request(served, "/")
            second = await open_session(client, served)
            refused = await until_closed(second)
            await first.close()
            return status, body, refused

    with running_server(tmp_path, "--max-sessions", "1") as served:
        status, body, refused = asyncio.run(scenario(served))
    full = "All 1 sessions of this server are in use (--max-sessions 1). Close another tab, then press Restart."
    assert status == 503 and body == f"em-tui: {full}\n"
    assert refused.data == aiohttp.WSCloseCode.TRY_AGAIN_LATER and refused.extra == full


def test_a_session_without_input_ends_after_the_idle_timeout_and_says_why(tmp_path):
    async def scenario(served):
        async with aiohttp.ClientSession() as client:
            ws = await open_session(client, served)
            return await until_closed(ws)

    with running_server(tmp_path, "--idle-timeout", "1") as served:
        closed = asyncio.run(scenario(served))
    assert closed.data == aiohttp.WSCloseCode.OK
    assert closed.extra == "Session ended after 1 second without input. Restart opens a new one."
    assert web.describe_seconds(1800) == "30 minutes" and web.describe_seconds(3600) == "1 hour"
    assert web.describe_seconds(90) == "90 seconds"


@pytest.mark.skipif(not LINUX, reason="reads the app processes from /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_with_sessions_open_ends_every_app_and_exits_promptly(tmp_path, sig):
    """Tabs that do not answer (in the background) once held the server for 16-23 s: each websocket waited
    10 s for its browser to answer the close, and the server 60 s for requests still running."""
    with running_server(tmp_path) as served:
        tabs = [upgrade(served, origin=f"http://{served.host}")[1] for _ in range(2)]
        pids = app_pids(served, tabs)  # both apps are drawing: their sessions are under way
        out, err = served.stop(sig)  # a hang guard: raises when it takes longer than EXIT_TIMEOUT
        for tab in tabs:
            tab.close()
    assert served.proc.returncode == 0, err
    assert "Traceback" not in out + err
    assert not [pid for pid in pids if alive(pid)]


@pytest.mark.skipif(not LINUX, reason="reads the app processes' folders from /proc")
def test_each_session_runs_in_a_fresh_folder_of_its_own_under_the_run_dir(tmp_path):
    with running_server(tmp_path, "--run-dir", "lab") as served:
        assert served.run_dir == (tmp_path / "lab").resolve()
        assert (served.run_dir.stat().st_mode & 0o777) == 0o700
        tabs = [upgrade(served)[1] for _ in range(2)]
        folders = [Path(os.readlink(f"/proc/{pid}/cwd")) for pid in app_pids(served, tabs)]
        assert len(set(folders)) == 2 and all(f.parent == served.run_dir for f in folders)
        assert all((f.stat().st_mode & 0o777) == 0o700 for f in folders)
        served.stop()
        for tab in tabs:
            tab.close()
    assert list(served.run_dir.iterdir()) == []  # sessions that wrote nothing leave no folder behind


def test_an_export_and_a_save_in_the_browser_are_offered_as_downloads(tmp_path):
    async def download(client, served, ws) -> tuple[str, str]:
        while True:
            message = await asyncio.wait_for(ws.receive(), START_TIMEOUT)
            if message.type == aiohttp.WSMsgType.TEXT and json.loads(message.data)[0] == "deliver_file_start":
                break
        key = json.loads(message.data)[1]
        async with client.get(f"http://127.0.0.1:{served.port}/download/{key}",
                              headers={"Cookie": served.cookie}) as response:
            assert response.status == 200
            return response.headers["Content-Disposition"], await response.text()

    async def scenario(served):
        async with aiohttp.ClientSession() as client:
            ws = await open_session(client, served)
            await screen_output(ws)
            await ws.send_str('["stdin", "x"]')
            export = await download(client, served, ws)
            await ws.send_str('["stdin", "s"]')
            save = await download(client, served, ws)
            await ws.close()
            return export, save

    with running_server(tmp_path) as served:
        (export_name, export), (save_name, save) = asyncio.run(scenario(served))
        folder, = served.run_dir.iterdir()  # the session's own folder holds what it wrote
    exported, = folder.glob("*.csv")
    saved, = folder.glob("*.json")
    assert exported.name.startswith("em-tui-") and saved.name.startswith("em-tui-session-")
    assert export_name == f"attachment; filename={exported.name}" and export == exported.read_text()
    assert save_name == f"attachment; filename={saved.name}" and json.loads(save) == json.loads(saved.read_text())


# -- the command line -----------------------------------------------------------------
def test_the_sub_command_and_its_options_pass_through():
    assert cli.parse_args(["serve", "--port", "9000"]).port == "9000"
    args = cli.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--no-token",
                                          "--max-sessions", "3", "--idle-timeout", "60",
                                          "--public-url", "https://x.example/", "--run-dir", "d"])
    assert (args.command, args.host, args.port, args.no_token) == ("serve", "0.0.0.0", "9000", True)
    assert (args.max_sessions, args.idle_timeout, args.public_url, args.run_dir) == ("3", "60", "https://x.example/", "d")
    defaults = cli.parse_args(["serve"])
    assert (defaults.no_token, int(defaults.max_sessions), float(defaults.idle_timeout)) == (False, 8, 1800)


def test_each_browser_session_runs_this_interpreter_on_the_app():
    assert web.app_argv() == [sys.executable, "-m", "em_tui"]
    assert shlex.split(web.app_command()) == web.app_argv()


def test_public_urls_are_checked_and_end_with_a_slash():
    assert web.parse_public_url(None) is None
    assert web.parse_public_url("https://lab.example.edu/em") == "https://lab.example.edu/em/"
    assert web.parse_public_url(" http://10.0.0.5:8080/ ") == "http://10.0.0.5:8080/"


@pytest.mark.parametrize("args, option", [
    (["--port", "abc"], "--port"), (["--port", "0"], "--port"), (["--port", "70000"], "--port"),
    (["--port", "-1"], "--port"), (["--port", "8.5"], "--port"), (["--port", ""], "--port"),
    (["--port", "8_000"], "--port"), (["--port", "\u0668\u0660"], "--port"),  # 80 in Arabic-Indic digits
    (["--host", " "], "--host"),
    (["--max-sessions", "0"], "--max-sessions"), (["--max-sessions", "many"], "--max-sessions"),
    (["--max-sessions", "1001"], "--max-sessions"), (["--max-sessions", "2.5"], "--max-sessions"),
    (["--idle-timeout", "-1"], "--idle-timeout"), (["--idle-timeout", "nan"], "--idle-timeout"),
    (["--idle-timeout", "soon"], "--idle-timeout"), (["--idle-timeout", "1e9"], "--idle-timeout"),
    (["--public-url", "lab.example.edu"], "--public-url"), (["--public-url", "ftp://x.example/"], "--public-url"),
    (["--public-url", "https://x.example/?a=1"], "--public-url"), (["--public-url", "https://u:p@x.example/"], "--public-url"),
    (["--public-url", "https://x.example:99999/"], "--public-url"), (["--public-url", "https://"], "--public-url"),
])
def test_a_bad_option_is_one_error_line(args, option, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", *args]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option}") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []  # nothing made


def test_one_whole_number_check_reads_every_option():
    whole_number = cli.args.whole_number
    assert whole_number("--port", " +8000 ", 1, 65535, say_range=True) == 8000
    assert whole_number("--port", 8000, 1, 65535, say_range=True) == 8000  # serve(port=...) from Python
    refusals = {
        ("--port", "70000", 1, 65535, True): "--port must be a whole number from 1 to 65535, got 70,000",
        ("--port", "1_000", 1, 65535, True): "--port must be a whole number from 1 to 65535, got '1_000'",
        ("--n", "1_000", 4, None, False): "--n must be a whole number, got '1_000'",
        ("--n", "2", 4, None, False): "--n must be at least 4, got 2",
        ("--n", "5000", 4, 1000, False): "--n must be at most 1,000, got 5,000",
        ("--n", "9" * 5000, 4, 1000, False): f"--n must be a whole number, got {'9' * 27 + '...'!r}",
    }
    for (name, text, low, high, say_range), message in refusals.items():
        with pytest.raises(cli.UsageError) as info:
            whole_number(name, text, low, high, say_range=say_range)
        assert str(info.value) == message


def test_a_run_dir_that_cannot_hold_folders_is_one_error_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder")
    assert cli.main(["serve", "--port", str(free_port()), "--run-dir", "taken"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: --run-dir 'taken' cannot hold the sessions' folders") and err.count("\n") == 1, err


def test_a_port_in_use_is_one_error_line_naming_it(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "em_tui", "serve", "--port", str(port)],
            cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
    assert proc.returncode == cli.EXIT_BAD_INPUT
    assert proc.stderr.startswith("error:") and proc.stderr.count("\n") == 1, proc.stderr
    assert str(port) in proc.stderr and "in use" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "serving em-tui" not in proc.stdout
    assert list(tmp_path.iterdir()) == []  # the run folder it made is gone again


@pytest.fixture
def without_textual_serve(monkeypatch):
    for name in ("textual_serve", "textual_serve.server"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import textual_serve...` raise ImportError


def test_missing_textual_serve_says_how_to_install_it(without_textual_serve):
    with pytest.raises(cli.UsageError) as info:
        web.serve("127.0.0.1", free_port())
    assert str(info.value) == 'em-tui serve needs the web extra: pip install "em-tui[web]"'


def test_missing_textual_serve_is_one_error_line(without_textual_serve, capsys):
    assert cli.main(["serve", "--port", str(free_port())]) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err == 'error: em-tui serve needs the web extra: pip install "em-tui[web]"\n'
