"""How the command line speaks: one block of output the terminal can encode, one line per error."""

from __future__ import annotations


from ..errors import OUT_OF_MEMORY, failure_message

__all__ = ["EXIT_BAD_INPUT", "OUT_OF_MEMORY", "describe_seconds"]

EXIT_BAD_INPUT = 2


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
    """The one line for a failure (a bug: what went wrong, and a request to report it)."""
    return f"error: {failure_message(exc)}"


def describe_seconds(seconds: float) -> str:
    """``1800`` -> ``30 minutes``: a timeout as a student reads it."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"
