"""What to vary and where: ``--vary`` specs, and the designs that turn them into points.

A spec names one dotted scenario key and the values it takes:

* ``KEY=LO:HI:N``  a range with a count: ``N`` evenly spaced values for a grid, or the interval
  ``[LO, HI]`` (count ignored) for a sampled design; ``KEY=LO:HI`` is a range for sampled
  designs only;
* ``KEY=A,B,C``    a list: every item on a grid, each with equal chance in a sampled design;
* ``KEY=DIST(...)`` a distribution for sampled designs: ``uniform(lo,hi)``,
  ``loguniform(lo,hi)``, ``normal(mean,sd)``, ``truncnormal(mean,sd,lo,hi)``,
  ``triangular(lo,mode,hi)``.

A *grid* crosses the axes (the first ``--vary`` varies slowest). *LHS* and *Sobol* designs draw
``samples`` points in the unit cube with :mod:`scipy.stats.qmc` and map each coordinate through
its axis (inverse CDF). *Saltelli* (Sobol' indices) and *Morris* (elementary effects) designs
serve :mod:`escsim.analysis.sensitivity`. The design's randomness comes from the root seed through
its own spawn key, so it never shares a stream with a replication.

Values are plain Python scalars (``float``, ``int``, ``str``, ``bool``), the same types a
``--set`` override gives, so a point can be written to JSON and CSV and read back exactly.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from escsim.errors import InputError, read_text_bounded
from escsim.scenario.loader import parse_value

#: Designs of ``escsim sweep`` (``table`` is a user's CSV of points).
SWEEP_DESIGNS = ("grid", "lhs", "sobol")
#: The spawn key of the design's random stream (replications use two-element keys).
DESIGN_SPAWN_KEY = 0x5EED
_EXPECTED = ("LO:HI:N (e.g. 0:1:11), a list (e.g. proportional,punitive) or a distribution "
             "(uniform(lo,hi), loguniform(lo,hi), normal(mean,sd), truncnormal(mean,sd,lo,hi), "
             "triangular(lo,mode,hi))")
_DIST = re.compile(r"^([a-z_]+)\((.*)\)$")
_DIST_ARITY = {"uniform": 2, "loguniform": 2, "normal": 2, "truncnormal": 4, "triangular": 3}


@dataclass(frozen=True)
class Axis:
    """One swept key and the values it may take (see the module docstring for the forms)."""

    key: str
    spec: str
    kind: str  # "range", "list" or "dist"
    lo: float | None = None
    hi: float | None = None
    count: int | None = None
    items: tuple[Any, ...] = ()
    dist: str | None = None
    dist_args: tuple[float, ...] = ()
    integer: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.key}={self.spec}"

    def _bad(self, message: str) -> InputError:
        return InputError(message, file="--vary", key=self.key, value=self.spec,
                          expected=_EXPECTED)

    # ------------------------------------------------------------------------ grid values ---
    def grid_values(self) -> list[Any]:
        """The values this axis takes on a grid."""
        if self.kind == "list":
            return list(self.items)
        if self.kind == "dist" or self.count is None:
            raise InputError("a grid needs a range with a count or a list", file="--vary",
                             key=self.key, value=self.spec,
                             expected="LO:HI:N (e.g. 0:1:11) or a list (a,b,c); distributions "
                                      "and ranges without a count need --design lhs or sobol")
        assert self.lo is not None and self.hi is not None
        values = [_tidy(float(v)) for v in np.linspace(self.lo, self.hi, self.count)]
        if self.integer:
            if not all(float(v).is_integer() for v in values):
                raise InputError("the grid steps are not whole numbers", file="--vary",
                                 key=self.key, value=self.spec,
                                 expected="LO:HI:N with whole-number steps for this whole-number "
                                          "key (e.g. 1:10:10)")
            return [int(v) for v in values]
        return values

    # -------------------------------------------------------------------- sampled values ---
    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map points of the unit interval to values (inverse CDF of the axis)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "list":
            k = len(self.items)
            idx = np.minimum((u * k).astype(int), k - 1)
            return [self.items[i] for i in idx]
        if self.kind == "range":
            assert self.lo is not None and self.hi is not None
            x = self.lo + u * (self.hi - self.lo)
        else:
            dist = self.distribution()
            a, b = dist.support()
            if not (np.isfinite(a) and np.isfinite(b)):
                u = np.clip(u, 1e-4, 1 - 1e-4)  # Morris levels include 0 and 1
            x = dist.ppf(u)
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]

    def distribution(self) -> Any:
        """The frozen scipy distribution of a ``dist`` axis (a range is uniform)."""
        if self.kind == "range":
            assert self.lo is not None and self.hi is not None
            return stats.uniform(self.lo, self.hi - self.lo)
        a = self.dist_args
        if self.dist == "uniform":
            return stats.uniform(a[0], a[1] - a[0])
        if self.dist == "loguniform":
            return stats.loguniform(a[0], a[1])
        if self.dist == "normal":
            return stats.norm(a[0], a[1])
        if self.dist == "truncnormal":
            return stats.truncnorm((a[2] - a[0]) / a[1], (a[3] - a[0]) / a[1], a[0], a[1])
        if self.dist == "triangular":
            return stats.triang((a[1] - a[0]) / (a[2] - a[0]), a[0], a[2] - a[0])
        raise AssertionError(self.dist)  # pragma: no cover - parse_vary checks names

    def bounds(self) -> tuple[float, float] | None:
        """The smallest and largest value a numeric axis can take (``None`` for a list)."""
        if self.kind == "list":
            return None
        if self.kind == "range":
            assert self.lo is not None and self.hi is not None
            return (min(self.lo, self.hi), max(self.lo, self.hi))
        lo, hi = self.distribution().support()
        if not np.isfinite(lo) or not np.isfinite(hi):
            x = self.from_unit(np.array([1e-4, 1 - 1e-4]))
            lo, hi = (lo if np.isfinite(lo) else x[0]), (hi if np.isfinite(hi) else x[1])
        return (float(lo), float(hi))

    def with_integer(self, integer: bool) -> Axis:
        return Axis(self.key, self.spec, self.kind, self.lo, self.hi, self.count, self.items,
                    self.dist, self.dist_args, integer)


def _tidy(v: float) -> float:
    """``0.30000000000000004`` -> ``0.3``: grid values read the way they were typed."""
    return float(f"{v:.12g}")


def parse_vary(text: str) -> Axis:
    """Parse ``KEY=SPEC`` from ``--vary``; raises :class:`InputError` naming key and spec."""
    if "=" not in text:
        raise InputError("--vary must look like KEY=SPEC", file="--vary", value=text,
                         expected="e.g. us_policy.preset=proportional,punitive or "
                                  "militias.iraq_factions.excitation_per_round=0:1:11")
    key, _, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not key or not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", key):
        raise InputError("--vary has no valid dotted key", file="--vary", value=text,
                         expected="KEY=SPEC with KEY like militias.iraq_factions.base_rate_per_day")
    bad = InputError("bad spec", file="--vary", key=key, value=spec, expected=_EXPECTED)
    if not spec:
        raise bad
    m = _DIST.match(spec.replace(" ", ""))
    if m:
        name, args_text = m.groups()
        if name not in _DIST_ARITY:
            raise InputError("unknown distribution", file="--vary", key=key, value=spec,
                             expected=" | ".join(f"{n}(...)" for n in _DIST_ARITY))
        try:
            args = tuple(float(a) for a in args_text.split(","))
        except ValueError:
            raise bad from None
        if len(args) != _DIST_ARITY[name] or not all(math.isfinite(a) for a in args):
            raise InputError(f"{name} takes {_DIST_ARITY[name]} finite numbers", file="--vary",
                             key=key, value=spec, expected=_EXPECTED)
        _check_dist(key, spec, name, args)
        return Axis(key, spec, "dist", dist=name, dist_args=args)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise bad
        try:
            lo, hi = float(parts[0]), float(parts[1])
            count = int(parts[2]) if len(parts) == 3 else None
        except ValueError:
            raise bad from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or (count is not None and count < 1):
            raise InputError("a range needs finite bounds and a count of at least 1",
                             file="--vary", key=key, value=spec, expected=_EXPECTED)
        return Axis(key, spec, "range", lo=lo, hi=hi, count=count)
    items = tuple(parse_value(x) for x in spec.split(","))
    if any(x == "" for x in items):
        raise InputError("empty item in list", file="--vary", key=key, value=spec,
                         expected=_EXPECTED)
    if len(set(map(repr, items))) != len(items):
        raise InputError("repeated item in list", file="--vary", key=key, value=spec,
                         expected="distinct values")
    return Axis(key, spec, "list", items=items)


def _check_dist(key: str, spec: str, name: str, a: tuple[float, ...]) -> None:
    ok = {
        "uniform": a[0] < a[1] if len(a) == 2 else False,
        "loguniform": 0 < a[0] < a[1] if len(a) == 2 else False,
        "normal": a[1] > 0 if len(a) == 2 else False,
        "truncnormal": a[1] > 0 and a[2] < a[3] if len(a) == 4 else False,
        "triangular": a[0] <= a[1] <= a[2] and a[0] < a[2] if len(a) == 3 else False,
    }[name]
    if not ok:
        raise InputError(f"invalid {name} parameters", file="--vary", key=key, value=spec,
                         expected={"uniform": "lo < hi", "loguniform": "0 < lo < hi",
                                   "normal": "sd > 0", "truncnormal": "sd > 0 and lo < hi",
                                   "triangular": "lo <= mode <= hi, lo < hi"}[name])


def check_axes(axes: Sequence[Axis]) -> None:
    """Each key swept once."""
    seen: set[str] = set()
    for a in axes:
        if a.key in seen:
            raise InputError("key swept twice", file="--vary", key=a.key, value=a.spec,
                             expected="one --vary per key")
        seen.add(a.key)


# --------------------------------------------------------------------------------- designs ---
def design_rng(root_seed: int) -> np.random.Generator:
    """The design's own random stream under ``root_seed``."""
    return np.random.default_rng(np.random.SeedSequence(root_seed,
                                                        spawn_key=(DESIGN_SPAWN_KEY,)))


def grid_points(axes: Sequence[Axis]) -> list[tuple[Any, ...]]:
    """All combinations of the axes' grid values, the first axis varying slowest."""
    return list(itertools.product(*(a.grid_values() for a in axes)))


def unit_sample(design: str, d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of the unit cube ``[0, 1)^d`` from a Latin hypercube or a scrambled Sobol'
    sequence (``n`` a power of two keeps Sobol' balanced; others are allowed)."""
    if design == "lhs":
        return np.asarray(qmc.LatinHypercube(d, rng=rng).random(n))
    if design == "sobol":
        sampler = qmc.Sobol(d, scramble=True, rng=rng)
        if n & (n - 1) == 0:
            return np.asarray(sampler.random_base2(int(math.log2(n))))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance: the CLI says so itself
            return np.asarray(sampler.random(n))
    raise ValueError(f"unknown sampled design {design!r}")


def map_unit(axes: Sequence[Axis], unit: np.ndarray) -> list[tuple[Any, ...]]:
    """Rows of the unit cube -> points (one value per axis)."""
    cols = [a.from_unit(unit[:, j]) for j, a in enumerate(axes)]
    return list(zip(*cols, strict=True)) if cols else []


def sampled_points(axes: Sequence[Axis], design: str, samples: int,
                   root_seed: int) -> list[tuple[Any, ...]]:
    """``samples`` points of an LHS or Sobol' design over the axes."""
    return map_unit(axes, unit_sample(design, len(axes), samples, design_rng(root_seed)))


def saltelli_points(axes: Sequence[Axis], n: int, root_seed: int) -> list[tuple[Any, ...]]:
    """The ``n (d + 2)`` points of a Saltelli design for Sobol' indices, in the order
    ``A`` (n rows), ``B`` (n rows), then ``AB_1 .. AB_d`` (n rows each: ``A`` with column ``i``
    taken from ``B``). ``A`` and ``B`` are the two halves of one scrambled Sobol' sequence of
    dimension ``2d`` (Saltelli et al. 2010, section 5), as in :func:`scipy.stats.sobol_indices`.
    """
    if n < 2 or n & (n - 1):
        raise InputError("Sobol' indices need a power of two base samples", key="--samples",
                         value=n, expected="2, 4, 8, ..., e.g. 64")
    d = len(axes)
    ab = np.asarray(qmc.Sobol(2 * d, scramble=True, rng=design_rng(root_seed), bits=64)
                    .random(n))
    a, b = ab[:, :d], ab[:, d:]
    blocks = [a, b]
    for i in range(d):
        abi = a.copy()
        abi[:, i] = b[:, i]
        blocks.append(abi)
    return map_unit(axes, np.vstack(blocks))


@dataclass(frozen=True)
class MorrisDesign:
    """Morris (1991) trajectories: ``r`` walks of ``d + 1`` points through a ``levels``-level
    grid of the unit cube, each step moving one coordinate by ``delta``."""

    points: list[tuple[Any, ...]]
    order: list[list[int]]  # per trajectory: the coordinate moved at each step
    signs: list[list[int]]  # per trajectory: +1 or -1, the direction of each step
    delta: float


def morris_points(axes: Sequence[Axis], trajectories: int, levels: int,
                  root_seed: int) -> MorrisDesign:
    """A Morris design. With an even number of levels and ``delta = levels / (2 (levels-1))``
    every level has exactly one admissible step, so each coordinate moves by ``+delta`` from the
    lower half of the grid and by ``-delta`` from the upper half."""
    if levels < 2 or levels % 2:
        raise InputError("Morris needs an even number of levels", key="--levels", value=levels,
                         expected="4, 6 or 8")
    if trajectories < 2:
        raise InputError("Morris needs at least 2 trajectories", key="--samples",
                         value=trajectories, expected="e.g. 20")
    d = len(axes)
    rng = design_rng(root_seed)
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    rows, orders, signs = [], [], []
    for _ in range(trajectories):
        x = grid[rng.integers(0, levels, d)]
        order = [int(i) for i in rng.permutation(d)]
        rows.append(x.copy())
        sign = []
        for i in order:
            step = delta if x[i] + delta <= 1 + 1e-12 else -delta
            x[i] = min(max(x[i] + step, 0.0), 1.0)
            sign.append(1 if step > 0 else -1)
            rows.append(x.copy())
        orders.append(order)
        signs.append(sign)
    return MorrisDesign(map_unit(axes, np.array(rows)), orders, signs, delta)


#: Largest design table read (bytes): far above the points one sweep plans.
MAX_DESIGN_TABLE_BYTES = 64 * 1024 * 1024


def read_design_table(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A user's design: a CSV whose header names dotted keys and whose rows are points.

    Cells are read like ``--set`` values (numbers, booleans, dates, else text).
    """
    path = Path(path)
    try:
        rows = list(csv.reader(io.StringIO(read_text_bounded(path, MAX_DESIGN_TABLE_BYTES),
                                           newline="")))
    except OSError as exc:
        raise InputError(f"cannot read design table: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"design table is not UTF-8 text (byte {exc.start})", file=str(path),
                         expected="a UTF-8 CSV file") from None
    except csv.Error as exc:
        raise InputError(f"design table is not a CSV file ({exc})", file=str(path),
                         expected="a header of dotted keys and one row per point") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InputError("design table has no points", file=str(path),
                         expected="a header of dotted keys and one row per point")
    keys = [k.strip() for k in rows[0]]
    for k in keys:
        if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", k):
            raise InputError("design table column is not a dotted key", file=str(path), key=k,
                             expected="e.g. militias.iraq_factions.base_rate_per_day")
    if len(set(keys)) != len(keys):
        raise InputError("design table repeats a column", file=str(path), value=keys,
                         expected="one column per key")
    points = []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(keys) or any(not c.strip() for c in r):
            raise InputError(f"line {i} does not give a value for every key", file=str(path),
                             value=r, expected=f"{len(keys)} values")
        points.append(tuple(parse_value(c) for c in r))
    return keys, points
