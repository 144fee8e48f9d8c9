"""`em-tui serve`: the simulator in a browser (textual-serve), end to end and its error paths."""

import contextlib
import ipaddress
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from em_tui import cli, web

START_TIMEOUT = 20.0


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


def get(url: str, timeout: float = 2.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


@contextlib.contextmanager
def running_server(*args):
    """`python -m em_tui serve ARGS` in a subprocess; always stopped and reaped on the way out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "em_tui", "serve", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def wait_until_served(proc, port: int):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"em-tui serve exited with {proc.returncode} before answering:\n{out}\n{err}")
        try:
            return get(f"http://127.0.0.1:{port}/")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                pytest.fail(f"em-tui serve did not answer on port {port} within {START_TIMEOUT:g} s")
            time.sleep(0.1)


def test_serve_answers_with_the_textual_serve_page_and_stops_cleanly():
    port = free_port()
    with running_server("--port", str(port)) as proc:
        status, page = wait_until_served(proc, port)
        assert status == 200
        # textual-serve's page: its terminal element, its script and the websocket each tab opens
        assert 'class="textual-terminal"' in page
        assert "/static/js/textual.js" in page
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        if sys.platform == "win32":
            return
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = proc.communicate(timeout=15)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in out + err
    assert f"serving em-tui at http://127.0.0.1:{port}" in out
    assert "warning" not in err  # loopback: nothing to warn about


def websocket_status(port: int, origin: str | None) -> int:
    """The HTTP status of a websocket upgrade to /ws, sent by hand with the given Origin."""
    lines = [f"GET /ws HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = conn.recv(200).decode("latin-1")
    return int(head.split()[1])


def test_a_page_of_another_site_cannot_start_a_session():
    """Any site open in the same browser could open ws://127.0.0.1:PORT/ws; only the server's own page may."""
    port = free_port()
    with running_server("--port", str(port)) as proc:
        wait_until_served(proc, port)
        assert websocket_status(port, "http://evil.example") == 403
        assert websocket_status(port, f"http://127.0.0.1:{port + 1}") == 403
    assert web.same_origin(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}")
    assert web.same_origin(f"http://LOCALHOST:{port}", f"localhost:{port}")
    assert web.same_origin(None, f"127.0.0.1:{port}")  # not a browser page
    assert not web.same_origin("null", f"127.0.0.1:{port}")
    assert not web.same_origin(f"file://127.0.0.1:{port}", f"127.0.0.1:{port}")


def test_default_host_is_loopback():
    args = cli.build_parser().parse_args(["serve"])
    assert args.host == web.DEFAULT_HOST == "127.0.0.1"
    assert int(args.port) == web.DEFAULT_PORT == 8000
    assert web.is_loopback(args.host)
    assert not web.is_loopback("0.0.0.0")

    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    port = free_port()
    with running_server("--port", str(port)) as proc:
        status, _ = wait_until_served(proc, port)
        assert status == 200
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


def test_the_sub_command_and_its_options_pass_through():
    assert cli._app_file_argument(["serve", "--port", "9000"]) == ["serve", "--port", "9000"]
    args = cli.build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", "9000")


def test_each_browser_session_runs_this_interpreter_on_the_app():
    assert shlex.split(web.app_command()) == [sys.executable, "-m", "em_tui"]


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1", "8.5", ""])
def test_a_bad_port_is_one_error_line(port, capsys):
    assert cli.main(["serve", "--port", port]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: --port") and err.count("\n") == 1, err


def test_an_empty_host_is_one_error_line(capsys):
    assert cli.main(["serve", "--host", " "]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: --host") and err.count("\n") == 1, err


def test_a_port_in_use_is_one_error_line_naming_it():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "em_tui", "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
    assert proc.returncode == cli.EXIT_BAD_INPUT
    assert proc.stderr.startswith("error:") and proc.stderr.count("\n") == 1, proc.stderr
    assert str(port) in proc.stderr and "in use" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "serving em-tui" not in proc.stdout


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
