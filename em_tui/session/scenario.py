"""The scenario: which data, which start and which fit settings — one frozen value.

The command line builds a :class:`Scenario`, the app holds it (through its session),
the dialogs receive it and the session file writes it. A change (a new seed, a preset
start, a fault) is a new scenario made with :meth:`Scenario.but`, never an edit.

The lesson's defaults live in :mod:`em_tui.core.data` (its true model, seed, size and
start, the one place they are written); this module derives everything else from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Union

from ..core import data as data_mod
from ..core.config import FitConfig
from ..core.init import seeded_start
from ..core import model
from ..core.model import Mixture
from ..errors import Refused

#: Start means further than this from 0 are refused (the lesson's data live within about -5..10).
MEAN_LIMIT = 1e6
#: Characters of the data's label kept in the names of written files (names stay short).
FILE_STEM_MAX = 60
#: Components the app shows (one colour each, a legend that fits): the engine's whole range.
K_MIN, K_APP_MAX = model.K_MIN, model.K_MAX
#: The lesson's start: its means, and the σ every start on the lesson's data takes (π equal).
LESSON_MEANS: tuple[float, ...] = tuple(float(v) for v in data_mod.DEFAULT_START.means)
START_SD = float(data_mod.DEFAULT_START.sds[0])
LESSON_SEED, LESSON_N = data_mod.DEFAULT_SEED, data_mod.DEFAULT_N


def _g(v: float) -> str:
    return f"{v:g}"


#: How a scenario starts: given means (σ: the lesson's, or the data's sd; π equal), an exact
#: mixture (a session file's, a search's, your own σ and π), or a method's name: "kmeans" or
#: "random", seeded by the configuration's seed (start 0 of ``em-tui fit --restarts``).
Start = Union[tuple, Mixture, str]
KMEANS = "kmeans"
START_METHODS = (KMEANS, "random")


@dataclass(frozen=True, eq=False)
class Scenario:
    """Data source + start + fit settings.

    ``dataset`` None means the lesson's simulated data: ``n`` points drawn from
    ``config.seed``. ``student``: the student ID the seed was drawn for (``--student``), named in the
    data's label while the seed is that student's. Scenarios are equal when they hold the same data
    object, start and settings (and student).
    """

    config: FitConfig = field(default_factory=FitConfig)
    start: Start = LESSON_MEANS
    dataset: data_mod.DataSet | None = None
    n: int = LESSON_N
    student: str | None = None

    def __post_init__(self) -> None:
        start = self.start  # (the configuration has checked K)
        if isinstance(start, str):
            if start not in START_METHODS:
                raise Refused(f"a start is means, a mixture or one of {', '.join(START_METHODS)}, got {start!r}")
        elif isinstance(start, Mixture):
            if start.k != self.config.k:
                raise Refused(f"the start has {start.k} components but K is {self.config.k}")
        else:
            object.__setattr__(self, "start", check_means(start, self.config.k, bounded=False))
        object.__setattr__(self, "n", int(self.n))

    def __eq__(self, other) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return (self.config == other.config and self.dataset is other.dataset and self.n == other.n
                and type(self.start) is type(other.start) and self.start == other.start
                and self.student == other.student)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def build(cls, seed: int = LESSON_SEED, n: int = LESSON_N, means=...,
              fault: str | None = None, max_iter: int | None = None, tol: float | None = None,
              dataset: data_mod.DataSet | None = None, k: int | None = None,
              start: Mixture | None = None, names: dict[str, str] | None = None) -> "Scenario":
        """A scenario from the loose settings the app, its command line and the tests pass; a bad one
        is refused, in the words of ``names`` (the command line's: {"k": "--k", "means": "--means"}).

        ``means`` left out: the lesson's start on the lesson's data; k-means on the user's own
        ``dataset`` (the lesson's start is not meant for someone else's data)."""
        said = {"k": "K", "means": "the start means", **(names or {})}
        if k is not None:
            k = model.check_k(k, name=said["k"], error=Refused, form="whole range")
        if means is ...:
            if dataset is None and start is None and k not in (None, len(LESSON_MEANS)):
                raise Refused(f"the lesson's data start from {said['means']}; give one mean per component")
            means = LESSON_MEANS if dataset is None and start is None else None
        if means is not None:
            means = check_means(means, k, k_name=said["k"], means_name=said["means"])
        if k is None:
            k = start.k if start is not None else len(means) if means is not None else len(LESSON_MEANS)
        k = model.check_k(k, name=said["k"], error=Refused, form="whole range")
        extra = {"max_iter": max_iter} if max_iter is not None else {}
        if tol is not None:
            extra["tol"] = tol
        config = _config(k=k, seed=seed, fault=fault, init="user" if means is not None or start is not None
                         else KMEANS, **extra)
        if start is not None:
            begin: Start = start
        elif means is not None:
            begin = tuple(means)
        else:
            begin = KMEANS
        if dataset is None and begin == KMEANS:
            raise Refused("the lesson's data need start means")
        return cls(config=config, start=begin, dataset=dataset, n=n)

    # -- reading ------------------------------------------------------------
    @property
    def simulated(self) -> bool:
        """The lesson's simulated data (with a known truth), not the user's own."""
        return self.dataset is None

    @property
    def k(self) -> int:
        return self.config.k

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def fault(self) -> str | None:
        return self.config.fault

    @property
    def means(self) -> tuple[float, ...] | None:
        """The typed start means, or None (an exact or k-means start)."""
        return self.start if isinstance(self.start, tuple) else None

    @property
    def truth(self) -> Mixture | None:
        """The model the data were drawn from (the lesson's), or None for the user's own data."""
        return data_mod.TRUE_MODEL if self.simulated else None

    @property
    def label(self) -> str:
        """What data these are: "simulated (seed 0)", "simulated for student Ann (seed 12345)" (while
        the seed is that student's: a new seed is someone else's data), or a data set's name."""
        if not self.simulated:
            return self.dataset.name
        if self.for_student is not None:
            return f"simulated for student {self.for_student} (seed {self.seed})"
        return f"simulated (seed {self.seed})"

    @property
    def for_student(self) -> str | None:
        """The student these data were drawn for (their ID, spaces at the ends dropped), or None: not
        the lesson's data from that student's seed (another seed is someone else's data)."""
        if self.student is None or not self.simulated or data_mod.student_seed(self.student) != self.seed:
            return None
        return self.student.strip()

    @property
    def file_stem(self) -> str:
        """The data's label made safe for a file name ("simulated-seed-0", "galaxies", ...)."""
        return re.sub(r"[^A-Za-z0-9]+", "-", self.label)[:FILE_STEM_MAX].strip("-") or "data"

    def start_for(self, data) -> Mixture:
        """The start this scenario stands for, on its prepared ``data``: the exact mixture; the
        method's start from the configuration's seed; or the means with equal weights and one σ
        (the lesson's START_SD on the lesson's data, the data's sd on your own)."""
        begin = self.start
        if isinstance(begin, Mixture):
            return begin
        if isinstance(begin, str):
            return seeded_start(data, self.k, begin, self.seed)
        return start_mixture(begin, self.k, self.start_sd(data))

    def start_sd(self, data) -> float:
        """The σ every component starts with when only means are given: the lesson's START_SD on the
        lesson's data, the data's sd on your own (``data`` prepared)."""
        return START_SD if self.simulated else float(data.sd)

    # -- changing -------------------------------------------------------------
    def but(self, *, start: Start | None = None, dataset: data_mod.DataSet | None | bool = False,
            **settings) -> "Scenario":
        """A new scenario with another start, data set (None: the lesson's) or settings (FitConfig's
        fields: seed, fault, k, ...). A bad value raises Refused and makes nothing."""
        try:
            config = self.config.but(**settings) if settings else self.config
        except ValueError as exc:
            raise Refused(str(exc)) from None
        changes: dict = {"config": config}
        if start is not None:
            changes["start"] = start
        if dataset is not False:
            changes["dataset"] = dataset
        return replace(self, **changes)


#: How the lesson's data start from means alone, in words (the help's fields).
START_WORDS = f"σ = {START_SD:g}, π = {1 / len(LESSON_MEANS):g} to start"
#: What the presets share, in words (the presets dialog's title).
PRESET_WORDS = f"π equal; σ = {START_SD:g} on the lesson's data, the data's sd on a data set"


@dataclass(frozen=True)
class Preset:
    """A start from the lesson on the data it opens (the lesson's, or a built-in data set), and what EM
    run from it to the end shows (the presets' list and the status line say it; a test checks it)."""

    means: tuple[float, ...]
    shows: str
    #: a built-in data set's name (core.data.DATASETS), or None: the lesson's simulated data
    dataset: str | None = None

    def scenario(self) -> "Scenario":
        """What the preset opens: its data (the lesson's from the lesson's seed, or the data set), one
        component per mean, equal weights and the start's σ (START_SD on the lesson's data, the data's
        sd on a data set), correct EM."""
        dataset = None if self.dataset is None else data_mod.load_dataset(self.dataset)
        return Scenario.build(means=self.means, dataset=dataset, k=len(self.means))


#: Galaxies with K = 3 have two peaks of the likelihood: starts spread over the velocities reach the best
#: one (LL -769.6, the small groups at both ends found); starts bunched in the middle a worse one (-778.5).
GALAXIES_SPREAD, GALAXIES_BUNCHED = (10000.0, 20000.0, 33000.0), (18000.0, 20000.0, 22000.0)


def _means_words(means: tuple[float, ...]) -> str:
    return f"({', '.join(_g(v) for v in means)})"


#: The lesson's presets by name, each on the data it opens.
PRESETS: dict[str, Preset] = {
    f"clean start {_means_words(LESSON_MEANS)}": Preset(LESSON_MEANS, "ends near the true model"),
    "both at 2.0": Preset((2.0, 2.0), "the two stay identical: EM can never split them"),
    "far start (-2, 7)": Preset((-2.0, 7.0), "reaches the same peak as the clean start, only more slowly"),
    f"galaxies, K = 3, bunched {_means_words(GALAXIES_BUNCHED)}": Preset(
        GALAXIES_BUNCHED, "misses the small groups at both ends: a worse peak", "galaxies"),
    f"galaxies, K = 3, spread {_means_words(GALAXIES_SPREAD)}": Preset(
        GALAXIES_SPREAD, "spread over the data: the best peak", "galaxies"),
}


def start_mixture(means, k: int, sd: float) -> Mixture:
    """K means with equal weights and a common σ (the start a scenario's means stand for)."""
    return Mixture.create([1.0 / k] * k, check_means(means, k), [sd] * k)


def check_means(means, k: int | None, *, bounded: bool = True, k_name: str = "K",
                means_name: str = "the start means") -> tuple[float, ...]:
    """The start means as floats, K of them (any number when ``k`` is None), each (when ``bounded``: the
    simulator's start, not ``em-tui fit``'s on data of any scale) a number within ±MEAN_LIMIT; else
    Refused, in the caller's words for K and the means."""
    try:
        values = tuple(float(v) for v in means)
    except (TypeError, ValueError):
        raise Refused(f"{means_name} must be numbers, got {means!r}") from None
    if k is not None and len(values) != k:
        n = len(values)
        raise Refused(f"{k_name} is {k} but {n} {'value was' if n == 1 else 'values were'} given for {means_name}")
    for m in values if bounded else ():
        if not (abs(m) <= MEAN_LIMIT):  # also refuses NaN and ±inf
            raise Refused(f"{means_name} must each be a number within ±{MEAN_LIMIT:g}, got {m:g}")
    return values


def _config(**settings) -> FitConfig:
    try:
        return FitConfig(**settings)
    except ValueError as exc:
        raise Refused(str(exc)) from None


#: The lesson as it opens: simulated data from the lesson's seed, the start (1, 3), correct EM.
LESSON = Scenario()
