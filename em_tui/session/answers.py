"""A file of a student's hand-computed EM numbers, read and checked (``em-tui check ANSWERS``). The format
is the README's "Checking a hand computation": ``key: value`` lines for the data and the start (each key
once), then one answer a line, ``QUANTITY [component C] [point P] at T = VALUE`` (γ, μ, σ, π, N_k read too).
Components are numbered in the order of the means given, points in the data's order, both from 1. Every
bad line is one problem with its line number (:class:`AnswersError`); nothing in the file is echoed raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core import data as data_mod
from ..core import em, grade
from ..core.checks import plain_digits, shown, to_number
from ..core.config import DEFAULT_MAX_ITER, FitConfig
from ..core.init import user_start
from ..core.limits import MAX_POINTS, SEED_LIMIT, check_grading
from ..core.model import K_MAX, Mixture
from ..core.reading import open_data_file, path_inside
from ..core.trajectory import run_em
from ..errors import EmTuiError, printable
from .scenario import START_SD

#: the largest answers file read (a few lines of text; data of any size go in a data file: ``file:``)
MAX_ANSWERS_BYTES = 1_000_000
#: the most answers one file may hold
MAX_ANSWERS = 1000
#: the latest iteration an answer may be at (the fit's default iteration cap)
MAX_ITERATION = DEFAULT_MAX_ITER
#: problems listed at most (the rest counted)
MAX_PROBLEMS = 20

#: the scenario's keys, each with its other spellings
KEYS = {"values": (), "dataset": (), "file": (), "column": (), "seed": (), "student": (), "n": (),
        "means": ("mean", "mu", "μ"), "sds": ("sd", "sigma", "sigmas", "σ"), "weights": ("weight", "pi", "π")}
_KEY_NAMES = {alias: key for key, aliases in KEYS.items() for alias in (key, *aliases)}
DATA_KEYS = ("values", "dataset", "file", "seed", "student")

#: the quantities' names in an answer, each kind's spellings (read in lower case)
NAMES = {"gamma": ("gamma", "γ", "responsibility", "r"), "n_k": ("n_k", "nk", "n"), "mean": ("mean", "mu", "μ"),
         "sd": ("sd", "sigma", "σ"), "weight": ("weight", "pi", "π"), "ll": ("ll", "loglik", "log-likelihood")}
_NAME_KINDS = {name: kind for kind, names in NAMES.items() for name in names}
_WORDS = {"component": "component", "comp": "component", "point": "point", "at": "t", "after": "t",
          "iteration": "t"}
_KEY_LINE = re.compile(r"([^\W\d]+)\s*:(.*)", re.DOTALL)
_WITH_NUMBER = re.compile(r"(.*?)_?([0-9]+)", re.DOTALL)
_LL_INDEXED = re.compile(r"ll\[([0-9]+)\]")
_WHOLE = re.compile(r"[0-9]+")

FORMAT = "QUANTITY [component C] [point P] at T = VALUE"


class AnswersError(EmTuiError):
    """An answers file that cannot be graded; ``problems``: one line each, with the line number."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} more)")


@dataclass(frozen=True)
class Answer:
    """One answer: its line, what it is, the number as typed and its value."""

    line: int
    quantity: grade.Quantity
    text: str
    value: float


@dataclass(frozen=True)
class Sheet:
    """An answers file read: the data (loaded and prepared), the start and the answers, in file order."""

    data: data_mod.DataSet
    prepared: em.Prepared
    start: Mixture
    answers: tuple[Answer, ...]
    student: str | None = None

    def grade(self) -> list[grade.Verdict]:
        """Every answer's verdict, from correct EM run from the start (tol 0) as far as the answers need."""
        last = max(a.quantity.t for a in self.answers)
        steps = {a.quantity.t for a in self.answers if a.quantity.kind not in ("gamma", "ll")}
        check_grading(last, len(steps), self.prepared.n)
        run = run_em(self.prepared, self.start, FitConfig(k=self.start.k, tol=0, max_iter=last))
        cache: dict = {}  # each iteration's worked M step once, however many answers ask about it
        return [grade.check_value(a.quantity, a.value, self.prepared, run.params, cache) for a in self.answers]


def read_sheet(path) -> Sheet:
    """Read and check the answers file at ``path`` (a regular text file of at most MAX_ANSWERS_BYTES);
    every problem found is raised at once in one :class:`AnswersError`."""
    path = Path(path)
    shown_path = printable(str(path))
    with open_data_file(path) as raw:  # a regular file only (no folder, FIFO or device), never blocking
        try:
            blob = raw.read(MAX_ANSWERS_BYTES + 1)
        except OSError as exc:
            raise AnswersError([f"cannot read {shown_path}: {exc.strerror or type(exc).__name__}"]) from None
    if len(blob) > MAX_ANSWERS_BYTES:
        raise AnswersError([f"{shown_path} is larger than {MAX_ANSWERS_BYTES // 1000:,} KB: an answers file is a "
                            "few lines of text (put large data in a data file and name it with file: PATH)"])
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise AnswersError([f"{shown_path} is not a text file (an answers file is plain text, UTF-8)"])
    return parse_sheet(text, shown_path, path.parent)


def parse_sheet(text: str, shown_path: str = "the answers", folder: Path = Path(".")) -> Sheet:
    """The sheet written in ``text`` (``folder``: where ``file:`` paths start)."""
    reader = _Reader(shown_path)
    # lines end at \n (or \r\n) only: a \r, form feed or U+2028 inside a line stays in it (and is shown
    # escaped), so the line numbers are an editor's and no text can hide what came before it
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            reader.read_line(number, line)
    return reader.finish(folder)


class _Reader:
    def __init__(self, shown_path: str) -> None:
        self.shown_path = shown_path
        self.problems: list[tuple[int, str]] = []
        self.keys: dict[str, tuple[int, str]] = {}
        self.answers: list[tuple[int, dict, str, float]] = []
        #: the last line was values (or more of them): a line of numbers alone goes on with them
        self.more_values = False
        self.value_lines: list[str] = []  # the lines the values go on over (joined once, at the end)

    def problem(self, line: int | None, message: str) -> None:
        where = self.shown_path if line is None else f"{self.shown_path}, line {line}"
        self.problems.append((line or 0, f"{where}: {message}"))

    def sorted_problems(self) -> list[str]:
        """The problems by line (those of the whole file first)."""
        return [text for _, text in sorted(self.problems, key=lambda p: p[0])]

    # -- lines ------------------------------------------------------------------
    def read_line(self, number: int, line: str) -> None:
        match = _KEY_LINE.fullmatch(line)
        more_values, self.more_values = self.more_values, False
        if match:
            self.read_key(number, match.group(1).casefold(), match.group(2).strip())
        elif more_values and _all_numbers(line):  # the values go on, on the next lines
            self.value_lines.append(line)
            self.more_values = True
        elif "=" in line:
            self.read_answer(number, line)
        else:
            self.problem(number, f"expected 'KEY: VALUE' (values, means, ...) or an answer '{FORMAT}', "
                                 f"got {shown(line)}")

    def read_key(self, number: int, word: str, value: str) -> None:
        key = _KEY_NAMES.get(word)
        if key is None:
            self.problem(number, f"unknown key {shown(word)}; the keys are {', '.join(KEYS)}")
            return
        if key in self.keys:
            self.problem(number, f"{key} is given twice (first on line {self.keys[key][0]}): give it once")
            return
        if not value and key != "values":
            self.problem(number, f"{key}: has no value")
            return
        source = next((k for k in DATA_KEYS if k in self.keys), None)
        if key in DATA_KEYS and source is not None:
            self.problem(number, f"the data are already given on line {self.keys[source][0]} ({source}:); "
                                 f"give one of {', '.join(DATA_KEYS)}")
            return
        self.keys[key] = (number, value.casefold() if key == "dataset" else value)
        self.more_values = key == "values"

    def read_answer(self, number: int, line: str) -> None:
        left, _, right = line.partition("=")
        value_text = right.strip()
        try:
            value = to_number(value_text)
        except ValueError:
            comma = re.fullmatch(r"[+\-\u2212]?[0-9]*,[0-9]+", value_text)
            hint = f" (a decimal comma? write {value_text.replace(',', '.')})" if comma else ""
            self.problem(number, f"the answer after '=' must be one number, got {shown(value_text)}{hint}")
            return
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(number, f"the answer must be a finite number, got {shown(value_text)}")
            return
        parts = self.parse_quantity(number, plain_digits(left).replace(",", " ").split())
        if parts is not None:
            if len(self.answers) >= MAX_ANSWERS:
                self.problem(number, f"more than {MAX_ANSWERS} answers: check them in several files")
                return
            self.answers.append((number, parts, value_text, value))

    def parse_quantity(self, number: int, tokens: list[str]) -> dict | None:
        if not tokens:
            self.problem(number, f"no quantity before '=': write '{FORMAT}'")
            return None
        first = tokens[0].casefold()
        found: dict[str, int] = {}
        kind = _NAME_KINDS.get(first)
        indexed = _LL_INDEXED.fullmatch(first)
        if indexed:
            kind, found["t"] = "ll", _int(indexed.group(1))
        elif kind is None and (m := _WITH_NUMBER.fullmatch(first)) and _NAME_KINDS.get(m.group(1)) not in (None, "gamma", "ll"):
            kind, found["component"] = _NAME_KINDS[m.group(1)], _int(m.group(2))
        if kind is None:
            self.problem(number, f"unknown quantity {shown(tokens[0])}; the quantities are gamma (γ), n (N_k), "
                                 "mean (μ), sd (σ), weight (π) and ll")
            return None
        rest = tokens[1:]
        i = 0
        while i < len(rest):
            word = rest[i].casefold()
            if _WHOLE.fullmatch(word) and kind not in ("gamma", "ll"):
                slot, text, i = "component", word, i + 1
            elif word in _WORDS:
                slot = _WORDS[word]
                if i + 1 >= len(rest) or not _WHOLE.fullmatch(rest[i + 1]):
                    after = shown(rest[i + 1]) if i + 1 < len(rest) else "nothing"
                    self.problem(number, f"'{rest[i]}' must be followed by a whole number, got {after}")
                    return None
                text, i = rest[i + 1], i + 2
            else:
                example = _example(kind) if _WHOLE.fullmatch(word) else FORMAT
                self.problem(number, f"unexpected {shown(rest[i])} in an answer; write '{example}'")
                return None
            if slot in found:
                self.problem(number, f"the {'iteration' if slot == 't' else slot} is given twice")
                return None
            found[slot] = _int(text)
        return self.check_parts(number, kind, found)

    def check_parts(self, number: int, kind: str, found: dict[str, int]) -> dict | None:
        name = {"gamma": "γ", "ll": "LL"}.get(kind, grade.KINDS[kind])
        needs = {"gamma": ("point", "component"), "ll": ()}.get(kind, ("component",))
        for slot in ("point", "component"):
            if slot in found and slot not in needs:
                self.problem(number, f"{name} has no {slot}: write '{_example(kind)}'")
                return None
            if slot not in found and slot in needs:
                self.problem(number, f"{name} needs its {slot}: write '{_example(kind)}'")
                return None
        zero = next((slot for slot in ("point", "component") if found.get(slot) == 0), None)
        if zero is not None:
            self.problem(number, f"{zero} 0 does not exist: points and components are numbered from 1")
            return None
        if "t" not in found:
            self.problem(number, f"say which iteration: write '{_example(kind)}'")
            return None
        low = 0 if kind in ("gamma", "ll") else 1
        if not low <= found["t"] <= MAX_ITERATION:
            why = ("0 is the start" if low == 0 else "1 is the first M step's result")
            self.problem(number, f"the iteration of {name} must be from {low} to {MAX_ITERATION} ({why}), got "
                                 f"{found['t']}")
            return None
        return {"kind": kind, **found}

    # -- the whole file ----------------------------------------------------------
    def finish(self, folder: Path) -> Sheet:
        if self.value_lines:
            first, text = self.keys["values"]
            self.keys["values"] = (first, "\n".join([text, *self.value_lines]))
        start_line = self.keys.get("means", (None,))[0]
        means = self.numbers("means")
        sds, weights = self.numbers("sds"), self.numbers("weights")
        k = None if means is None else len(means)
        if "means" not in self.keys:
            self.problem(None, "no start: give 'means: a, b, ...' (one per component; sds: and weights: "
                               "are optional)")
        elif k is not None and not 1 <= k <= K_MAX:
            self.problem(start_line, f"give from 1 to {K_MAX} means, got {k}")
            k = None
        for key, values in (("sds", sds), ("weights", weights)):
            if k is not None and values is not None and len(values) != k:
                self.problem(self.keys[key][0], f"{len(values)} {key} for {k} means: give one per component")
                k = None
        if k is not None:
            for number, parts, _, _ in self.answers:
                if parts.get("component", 1) > k:
                    self.problem(number, f"component {parts['component']} is out of range: the start has "
                                         f"{k} components, numbered 1..{k} in the order of the means")
        loaded = self.load_data(folder, k)
        if not self.answers and not self.problems:
            self.problem(None, f"no answers: add lines such as '{_example('mean')}'")
        if loaded is not None:
            dataset, prepared = loaded
            for number, parts, _, _ in self.answers:
                if parts.get("point", 1) > prepared.n:
                    self.problem(number, f"point {parts['point']} is out of range: the data have {prepared.n:,} "
                                         f"points, numbered 1..{prepared.n:,}")
        start = None
        if loaded is not None and k is not None:  # the start is checked also when other lines are bad
            sd = START_SD if dataset.source.get("type") == "simulated" else float(prepared.sd)
            try:
                start = user_start([1.0 / k] * k if weights is None else weights, means,
                                   [sd] * k if sds is None else sds, k, data=prepared)
            except EmTuiError as exc:
                said = str(exc)
                key = "sds" if "standard deviation" in said else "weights" if "weight" in said else "means"
                self.problem(self.keys.get(key, (start_line,))[0], f"the start: {said}")
        if self.problems or start is None:
            raise AnswersError(self.sorted_problems() or [f"{self.shown_path}: nothing to check"])
        answers = tuple(Answer(number, grade.Quantity(parts["kind"], parts["t"], parts.get("component"),
                                                      parts.get("point")), text, value)
                        for number, parts, text, value in self.answers)
        return Sheet(dataset, prepared, start, answers, dataset.source.get("student"))

    def numbers(self, key: str) -> list[float] | None:
        if key not in self.keys:
            return None
        number, text = self.keys[key]
        tokens = [t for t in re.split(r"[,;\s]+", text) if t]
        out = []
        for i, tok in enumerate(tokens, start=1):
            try:
                value = to_number(tok)
            except ValueError:
                self.problem(number, f"{key}: value {i} {shown(tok)} is not a number")
                return None
            out.append(value)
        return out

    def load_data(self, folder: Path, k: int | None) -> tuple[data_mod.DataSet, em.Prepared] | None:
        source = next((key for key in DATA_KEYS if key in self.keys), None)
        for key, goes_with in (("column", ("file",)), ("n", ("seed", "student"))):
            if key in self.keys and source not in goes_with:
                self.problem(self.keys[key][0], f"{key}: goes only with {' or '.join(goes_with)}:")
                return None
        if source is None:
            self.problem(None, f"no data: give one of {', '.join(f'{key}:' for key in DATA_KEYS)}")
            return None
        number, text = self.keys[source]
        n = self.whole("n", data_mod.DEFAULT_N, data_mod.MIN_POINTS, MAX_POINTS)
        seed = self.whole("seed", 0, 0, SEED_LIMIT)
        if n is None or seed is None:
            return None
        try:
            dataset = self.dataset(source, text, folder, n, seed)
            values = data_mod.validate_data(dataset.values, k)
            return dataset, em.prepare(values)
        except EmTuiError as exc:
            self.problem(number, str(exc))
            return None

    def dataset(self, source: str, text: str, folder: Path, n: int, seed: int) -> data_mod.DataSet:
        if source == "values":
            return data_mod.from_text(text)
        if source == "dataset":
            return data_mod.load_dataset(text)
        if source == "file":
            column = self.keys.get("column", (None, None))[1]
            return data_mod.load_file(path_inside(folder, text, "file:"), column)
        if source == "student":
            return data_mod.for_student(text, n)
        return data_mod.simulated(seed, n)

    def whole(self, key: str, default: int, low: int, high: int) -> int | None:
        """A whole-number key's value (``default`` when it is not given), or None after a problem."""
        if key not in self.keys:
            return default
        number, text = self.keys[key]
        if not _WHOLE.fullmatch(text) or not low <= _int(text) <= high:
            self.problem(number, f"{key}: must be a whole number from {low} to {high:,}, got {shown(text)}")
            return None
        return int(text)


def _all_numbers(line: str) -> bool:
    """The line holds numbers only (separated by commas, semicolons or spaces)."""
    for token in re.split(r"[,;\s]+", line):
        try:
            to_number(token or "0")
        except ValueError:
            return False
    return True


def _int(digits: str) -> int:
    """The whole number ``digits`` (ASCII digits) write; beyond 15 digits 10**15, out of every range (a
    thousand digits are never converted)."""
    return int(digits) if len(digits) <= 15 else 10**15


def _example(kind: str) -> str:
    """How an answer of ``kind`` is written."""
    if kind == "gamma":
        return "gamma point P component C at T = VALUE"
    if kind == "ll":
        return "ll at T = VALUE"
    return f"{'n' if kind == 'n_k' else kind} C at T = VALUE"
