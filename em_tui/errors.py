"""The one hierarchy of errors the user can cause (no UI code: every layer imports it).

Every message is written for the person who typed the input: it says what is
wrong and, where it helps, where (a token and its position, a line, a column).
"""


class EmTuiError(ValueError):
    """Base class of every error the user can cause."""


class DataError(EmTuiError):
    """The data cannot be used: unreadable, non-numeric, too few values, ..."""


class ParameterError(EmTuiError):
    """A model parameter or option is out of range."""


class UsageError(EmTuiError):
    """A bad command line (reported as one ``error:`` line, exit 2)."""


class Refused(EmTuiError):
    """A request the session turned down; the message says why and what to do instead."""


class SessionError(EmTuiError):
    """A session file that cannot be opened or written (the message says why)."""


#: what a MemoryError means to the user: the request, not the program, was too large
OUT_OF_MEMORY = ("not enough memory for this request in this process (a memory limit is set, or the machine is "
                 "busy): ask for fewer points, iterations or starts")


def failure_message(exc: BaseException) -> str:
    """The one line that tells the user about a failure, as one inert line (see :func:`printable`).

    An :class:`EmTuiError` is the user's input and says so itself; a ``MemoryError`` is a request too
    large for this process (:data:`OUT_OF_MEMORY`); anything else is a bug: its type and the first line
    of its text, and a request to report it.
    """
    if isinstance(exc, EmTuiError):
        return printable(str(exc))
    if isinstance(exc, MemoryError):
        return OUT_OF_MEMORY
    what = (str(exc).strip().splitlines() or [""])[0]
    return f"internal error ({type(exc).__name__}: {printable(what)}); please report it"


#: characters that would act on a terminal or reorder a line: C0/C1 controls, DEL, zero-width and
#: bidirectional marks, line and paragraph separators
_UNSHOWABLE = set(range(0x00, 0x20)) | set(range(0x7F, 0xA0)) | set(range(0x200B, 0x2010)) | {0x2028, 0x2029} \
    | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x061C, 0xFEFF}
_ESCAPES = {c: (repr(chr(c))[1:-1] if c < 0x100 else f"\\u{c:04x}") for c in _UNSHOWABLE}


def printable(text: str, keep: str = "") -> str:
    """``text`` as one inert line: control, bidirectional and line-break characters shown as escapes.

    A file name or a header holding ``\\x1b[2J`` or a newline must be printed as those characters'
    names, never sent to the terminal. Plain text (accents, σ) is left as it is. ``keep`` names
    characters to leave as they are (the screen keeps line ends; a paste keeps tabs too).
    """
    return str(text).translate(_escapes_keeping(keep))


_KEPT: dict[str, dict[int, str]] = {"": _ESCAPES}


def _escapes_keeping(keep: str) -> dict[int, str]:
    table = _KEPT.get(keep)
    if table is None:
        table = _KEPT[keep] = {c: e for c, e in _ESCAPES.items() if chr(c) not in keep}
    return table
