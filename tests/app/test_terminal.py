"""The app and the terminal: NO_COLOR, and how the app ends (status, message, the terminal restored)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios

import pytest
from em_tui.tui import create_app
from em_tui.tui.screens.resp import ResponsibilityScreen

from app_helpers import assert_table_matches_engine


async def test_no_color_opens_and_steps(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = create_app(pace=0.0)
    assert app.no_color
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right", "right", "e")
        await pilot.pause()
        assert app.session.t == 2 and app.session.half
        assert_table_matches_engine(app)
        strip = app.query_one("#strip").plain
        assert strip.strip() and set(strip.strip()) <= set("█▓▒░12")
        assert "1" in strip and "2" in strip  # without colour the components' numbers tell them apart
        await pilot.press("m", "t")  # the responsibilities are drawn through the line API too
        await pilot.pause()
        assert isinstance(app.screen, ResponsibilityScreen)
        await pilot.press("escape", "g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.at_end
        assert_table_matches_engine(app)


# -- how the app ends, seen from a real terminal (a pseudo-terminal) ------------------------
#: What Textual writes on the way out: leave the alternate screen, mouse reporting off, cursor shown.
RESTORE = (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?25h")
#: Drawn once the app is up (the title of the log-likelihood plot).
DRAWN = b"log-likelihood: LL[0]"
#: Guards against a hang, not measures of speed: seconds of silence from the app, and bytes it may write.
GIVE_UP = 120.0
MAX_OUTPUT = 64 * 2**20


def run_in_terminal(code: str, then) -> tuple[int, bytes]:
    """Run ``code`` (Python that starts the app) in a 100×30 pseudo-terminal; once the app has drawn,
    call ``then(process, terminal_fd)``; return the exit status and everything written to the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    out, acted, silent = b"", False, 0
    try:
        while silent < GIVE_UP and len(out) < MAX_OUTPUT:
            if not select.select([master], [], [], 1.0)[0]:
                silent += 1
                continue
            silent = 0
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process has gone and the terminal is closed
                break
            if not chunk:
                break
            out += chunk
            if not acted and DRAWN in out:
                acted = True
                then(proc, master)
        assert acted, f"the app never drew: {out[-500:]!r}"
        return proc.wait(timeout=GIVE_UP), out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def after_restore(out: bytes) -> list[str]:
    """The lines written once the terminal was restored (what the user reads after the app)."""
    assert all(seq in out for seq in RESTORE), out[-300:]
    tail = out.rsplit(RESTORE[0], 1)[1]
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", tail.decode("utf-8", "replace"))
    return [line for line in text.replace("\r", "").split("\n") if line.strip()]


START = "import sys\nfrom em_tui.cli import main\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_quits_and_restores_the_terminal(sig):
    status, out = run_in_terminal(START + "sys.exit(main([]))", lambda proc, fd: proc.send_signal(sig))
    assert status == 128 + sig
    assert after_restore(out) == [f"error: stopped by {sig.name}"]


def test_an_error_in_the_app_exits_1_with_one_line():
    code = START + ("from em_tui.tui.app import EmApp\n"
                    "def broken(self):\n    raise RuntimeError('a bug [/] \\x1b[2J\\nsecond line')\n"
                    "EmApp.action_help = broken\nsys.exit(main([]))")
    status, out = run_in_terminal(code, lambda proc, fd: os.write(fd, b"?"))
    assert status == 1
    assert after_restore(out) == ["error: internal error (RuntimeError: a bug [/] \\x1b[2J); please report it"]


def test_quitting_exits_0():
    status, out = run_in_terminal(START + "sys.exit(main(['--seed', '3']))", lambda proc, fd: os.write(fd, b"q"))
    assert status == 0
    assert after_restore(out) == []
