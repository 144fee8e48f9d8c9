"""Command line: ``em-tui``, ``em-tui fit`` (a stable contract for scripts and graders), ``em-tui check``
(grading a file of hand-computed answers: exit 0 all right, 1 some wrong) and ``em-tui serve`` (the simulator in a web browser; needs the ``web`` extra).

Every bad input exits with status 2 and one line on stderr that begins
``error:``; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Sequence

from ..errors import EmTuiError, UsageError, failure_message
from .args import build_parser, parse_args
from .fit import _fit_main
from .launch import _app_main
from .say import EXIT_BAD_INPUT, _internal_error, _say

__all__ = ["EXIT_BAD_INPUT", "UsageError", "build_parser", "parse_args", "main", "entry_point"]


#: ``em-tui check``'s status for a failure of its own (a bug): not 1, which says an answer is wrong
EXIT_CHECK_FAILED = 3


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    grading = bool(argv) and argv[0] == "check"
    try:
        args = parse_args(argv)
        if args.command == "fit":
            return _fit_main(args)
        if args.command == "check":
            from .check import _check_main

            return _check_main(args)
        if args.command == "serve":
            from .serve import serve

            return serve(args.host, args.port, token=not args.no_token, max_sessions=args.max_sessions,
                         idle_timeout=args.idle_timeout, public_url=args.public_url, run_dir=args.run_dir)
        return _app_main(args)
    except (EmTuiError, MemoryError) as exc:  # bad input, or a request larger than this process may hold
        _say(f"error: {failure_message(exc)}", sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: still one line, no traceback
        _say(_internal_error(exc), sys.stderr)
        return EXIT_CHECK_FAILED if grading else 1


def entry_point() -> None:
    sys.exit(main())
