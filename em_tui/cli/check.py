"""``em-tui check ANSWERS``: grade a file of hand-computed EM numbers (the format:
:mod:`em_tui.session.answers`, and the README's "Checking a hand computation").

One line per answer, in the file's order: right or wrong, the quantity, the number given, the correct
one and the classic slip it is, when it is one; then "M of N right". Exit 0 when every answer is right,
1 when any is wrong, 2 for a file that cannot be graded (every problem on its own ``error:`` line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..core import grade
from ..errors import printable
from ..session.answers import MAX_PROBLEMS, AnswersError, Sheet, read_sheet
from .say import EXIT_BAD_INPUT, _say

#: the exit status when some answer is wrong
EXIT_WRONG = 1


def _check_main(args: argparse.Namespace) -> int:
    try:
        sheet = read_sheet(args.answers)
    except AnswersError as exc:
        shown = exc.problems[:MAX_PROBLEMS]
        more = len(exc.problems) - len(shown)
        lines = [f"error: {printable(p)}" for p in shown] + ([f"error: ... and {more} more"] if more else [])
        _say("\n".join(lines), sys.stderr)
        return EXIT_BAD_INPUT
    verdicts = sheet.grade()
    code = 0 if all(v.right for v in verdicts) else EXIT_WRONG
    try:
        _say(json.dumps(check_dict(sheet, verdicts)) if args.json else "\n".join(check_lines(sheet, verdicts)),
             sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): the status is the verdict all the same
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more is written to the closed pipe at exit
    return code


def _start_words(sheet: Sheet) -> str:
    s = sheet.start
    return ("π = " + ", ".join(f"{v:.6g}" for v in s.weights) + "; μ = " + ", ".join(f"{v:.6g}" for v in s.means)
            + "; σ = " + ", ".join(f"{v:.6g}" for v in s.sds))


def check_lines(sheet: Sheet, verdicts: list[grade.Verdict]) -> list[str]:
    """The plain output: the data, the start and the tolerance, then one line per answer and the count."""
    lines = [f"data: {printable(sheet.data.name)}  (N = {sheet.prepared.n:,})",
             f"start: {_start_words(sheet)}  (components numbered in this order, points from 1)",
             f"each answer is {grade.TOLERANCE}", ""]
    width = max(len(str(a.line)) for a in sheet.answers)
    for answer, v in zip(sheet.answers, verdicts):
        text = (f"line {answer.line:>{width}}  {'right' if v.right else 'wrong'}  {v.quantity.label()} = "
                f"{printable(answer.text)}  (correct: {v.expected:.6g})")
        if v.slip:
            text += f"  slip: {v.slip}"
        lines.append(text)
    right = sum(v.right for v in verdicts)
    lines += ["", f"{right} of {len(verdicts)} right"]
    return lines


def check_dict(sheet: Sheet, verdicts: list[grade.Verdict]) -> dict:
    """The --json output: one object, ``answers`` in the file's order."""
    answers = [{"line": a.line, "quantity": {"kind": v.quantity.kind, "iteration": v.quantity.t,
                                             "component": v.quantity.component, "point": v.quantity.point},
                "label": v.quantity.label(), "given": a.value, "given_text": a.text, "expected": v.expected,
                "right": v.right, "slip": v.slip} for a, v in zip(sheet.answers, verdicts)]
    return {"data": {"name": sheet.data.name, **sheet.data.source}, "n": sheet.prepared.n,
            "student": sheet.student, "start": sheet.start.as_dict(), "tolerance": grade.TOLERANCE,
            "answers": answers, "right": sum(v.right for v in verdicts), "total": len(verdicts)}
