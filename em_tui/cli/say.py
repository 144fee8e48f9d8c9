"""How the command line speaks: one block of output the terminal can encode, one line per error."""

from __future__ import annotations


from ..errors import printable


EXIT_BAD_INPUT = 2


OUT_OF_MEMORY = ("not enough memory for this request in this process (a memory limit is set, or the machine is "
                 "busy): ask for fewer points, iterations or starts")


#: plain stand-ins for the table's symbols, for a terminal whose encoding lacks them
_ASCII = str.maketrans({"←": "<-", "σ": "sd", "≈": "~", "±": "+/-", "×": "x", "·": "*", "…": "...", "—": "-",
                        "–": "-", "≥": ">=", "≤": "<="})


def _encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can write it: symbols its encoding lacks become ASCII or escapes."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        text = text.translate(_ASCII)
        return text.encode(encoding, errors="backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: stay within ASCII
        return text.translate(_ASCII).encode("ascii", errors="backslashreplace").decode("ascii")


def _say(text: str, stream) -> None:
    """Write one block of output (a table, JSON or an error line) that the stream can encode."""
    print(_encodable(text, stream), file=stream)


def _internal_error(exc: BaseException) -> str:
    """The one line for a bug (not bad input): what went wrong, and a request to report it."""
    what = (str(exc).strip().splitlines() or [""])[0]
    return f"error: internal error ({type(exc).__name__}: {printable(what)}); please report it"


def describe_seconds(seconds: float) -> str:
    """``1800`` -> ``30 minutes``: a timeout as a student reads it."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"
