"""An attacker on published review statistics, as an integer programme (scipy's milp).

The attacker holds every published figure of every area (England and its regions), in one
reading or two (before and after one change), knows the method that produced them (for each
published value, the true counts it could stand for) and knows how the tables add up: every
relation of dashboards/figures.py (a dimension's values add up to its base, codes to groups
to all, children no more than their reviews, ...), England as the sum of its regions, and,
between two readings, that the second is the first plus one review's cells.

Each cell of each area (of each reading) is an integer unknown, zero or more, whether it was
published, withheld or never shown. A hidden value is *pinned* when the least and the most it
can be, over every set of counts consistent with all of that, are the same.

Solving for every hidden cell would be slow, so each solution found along the way is used as
a witness: a cell whose value in any consistent solution differs from the truth is not
pinned, and needs no solve of its own.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from dashboards import figures
from reviews import dimensions as dims

ENGLAND = "england"
UNBOUNDED = 100_000  # far above any count, so that a cell no figure bounds is free
REVIEWS_OF_CHILD = "reviews_of_child"
SUPPRESSED = "c"

Support = Callable[[object], tuple[int, int]]

# Cells counted over a subset of the reviews carry a prefix (dashboards/publication.py):
# {prefix: (which rows are in the subset, the cell counting the subset's reviews)}.
SUBSETS = {
    "disclosed>": (
        lambda row: row.get("disclosure") == "yes",
        lambda ethnicity, sex: figures.cell(dims.REVIEWS, "disclosure", "yes", ethnicity, sex),
    )
}


def split_prefix(name: str) -> tuple[str, str]:
    """(subset prefix or "", the cell's name within the subset)."""
    for prefix in SUBSETS:
        if name.startswith(prefix):
            return prefix, name[len(prefix) :]
    return "", name


def legacy_support(value) -> tuple[int, int]:
    """Cell suppression: a number shown is exact; "c" is 1 to 4, or any count hidden to
    protect one (secondary suppression), so the attacker may only rely on it being >= 0."""
    if value == SUPPRESSED:
        return 0, UNBOUNDED
    return int(value), int(value)


def crossed_dimensions(names: Iterable[str]) -> set[str]:
    """The dimensions whose cells are split by ethnicity or sex somewhere in `names`."""
    crossed = set()
    for name in names:
        _unit, dimension, _value, ethnicity, sex = figures.parse(name)
        if dimension != figures.ALL and (ethnicity, sex) != (figures.ALL, figures.ALL):
            crossed.add(dimension)
    return figures.dependencies(crossed)


def universe(names: Iterable[str]) -> list[str]:
    """The published names and every cell that ties them together: all the totals at every
    split, every value, base and measure of every dimension (at every split, for the
    dimensions any published cell splits). Splits nobody publishes still matter: children
    of one code and one sex are no more than their reviews, which ties the margins."""
    names = set(names)
    crossed = crossed_dimensions(names)
    everyone = [(figures.ALL, figures.ALL)]
    splits = [(e, s) for e in figures.ETHNICITIES for s in (figures.ALL, *figures.SEXES)]
    for unit in (dims.CHILDREN, dims.REVIEWS):
        names.update(figures.total(unit, e, s) for e, s in splits)
        for dimension in dims.DIMENSIONS:
            if unit not in dimension.units:
                continue
            for e, s in splits if dimension.name in crossed else everyone:
                names.update(figures.cell(unit, dimension.name, v, e, s) for v in dimension.values)
                names.add(figures.base(dimension, unit, e, s))
                names.update(figures.measure_cell(m.name, unit, e, s) for m in dimension.measures)
    return sorted(names)


@dataclass
class Outcome:
    """What the attacker learnt about the cells it was asked about."""

    pinned: list = field(default_factory=list)  # (reading, area, cell, true value)
    undecided: list = field(default_factory=list)  # not settled within the time limits
    solves: int = 0
    variables: int = 0
    constraints: int = 0

    def summary(self, asked: int) -> str:
        return (
            f"{len(self.pinned)} of {asked} pinned, {len(self.undecided)} undecided "
            f"({self.solves} solves, {self.variables} unknowns, {self.constraints} constraints)"
        )


class Attacker:
    """The integer programme of one or two readings of published figures.

    `readings` is a list of one or two {area: {cell: published value} or None (withheld)};
    `regions` names the areas England is the sum of; `support` turns a published value into
    the range of true counts it could stand for.
    """

    def __init__(
        self,
        readings: list[Mapping[str, Mapping[str, object] | None]],
        support: Support,
        regions: Iterable[str],
        *,
        # A cap on one solve, not a budget: a solve that reaches it leaves its cell undecided,
        # which fails the tests, so it is set well above what a loaded machine needs.
        time_limit: float = 120.0,
    ):
        self.readings = readings
        self.support = support
        self.regions = [str(region) for region in regions]
        self.areas = [ENGLAND, *self.regions]
        self.time_limit = time_limit
        self.log = None  # a callable given each step, to watch a slow attack
        published = {
            name for reading in readings for cells in reading.values() if cells for name in cells
        }
        self.names, self.relations = self._structure(published)
        self.index: dict = {}
        self.lower: list[int] = []
        self.upper: list[int] = []
        self.rows: list[tuple[dict, float, float]] = []
        for number, reading in enumerate(readings):
            for area in self.areas:
                cells = reading.get(area) or {}
                for name in self.names:
                    low, high = (0, UNBOUNDED)
                    if name in cells:
                        low, high = support(cells[name])
                    self._variable((number, area, name), low, high)
            self._tie(lambda area, name, number=number: (number, area, name))
        if len(readings) == 2:
            self._one_record_apart()
        self._build()

    # Building ---------------------------------------------------------------------------

    @staticmethod
    def _structure(published):
        """Every cell and every relation: the whole population's, and each subset's, tied
        to the whole (a subset's cell is at most the same cell of everyone, and its reviews
        are the reviews of the cell that defines it)."""
        by_subset: dict[str, set] = {}
        for name in published:
            prefix, plain = split_prefix(name)
            by_subset.setdefault(prefix, set()).add(plain)
        plain_names = universe(set().union(*by_subset.values()))
        names = list(plain_names)
        relations = figures.relations(plain_names)
        present = set(plain_names)
        for prefix, subset_names in by_subset.items():
            if not prefix:
                continue
            inner = universe(subset_names)
            names += [prefix + name for name in inner]
            relations += [
                figures.Relation(prefix + r.whole, tuple(prefix + part for part in r.parts), r.kind)
                for r in figures.relations(inner)
            ]
            relations += [
                figures.Relation(name, (prefix + name,), "at_least")
                for name in inner
                if name in present and figures.parse(name)[1] != REVIEWS_OF_CHILD
            ]
            _test, defining = SUBSETS[prefix]
            for name in inner:
                unit, dimension, value, ethnicity, sex = figures.parse(name)
                whole = defining(ethnicity, sex)
                is_total = unit == dims.REVIEWS and (dimension, value) == (figures.ALL, figures.ALL)
                if is_total and whole in present:
                    relations.append(figures.Relation(whole, (prefix + name,)))
        return names, relations

    def _variable(self, key, low, high):
        self.index[key] = len(self.lower)
        self.lower.append(low)
        self.upper.append(high)

    def _row(self, terms: Iterable[tuple[object, float]], low: float, high: float):
        coefficients: dict = {}
        for key, coefficient in terms:
            column = self.index[key]
            coefficients[column] = coefficients.get(column, 0) + coefficient
        self.rows.append((coefficients, low, high))

    def _relation(self, key_of, relation):
        terms = [(key_of(relation.whole), 1)] + [(key_of(part), -1) for part in relation.parts]
        low, high = {"sum": (0, 0), "at_least": (0, np.inf), "at_most": (-np.inf, 0)}[relation.kind]
        self._row(terms, low, high)

    def _tie(self, key_of, relations=None, names=None):
        """Every relation within each area, and England as the sum of its regions."""
        for area in self.areas:
            for relation in self.relations if relations is None else relations:
                self._relation(lambda name, area=area: key_of(area, name), relation)
        for (_england, name), parts in figures.area_relations(
            {ENGLAND: self.regions}, self.names if names is None else names
        ):
            self._row(
                [(key_of(ENGLAND, name), 1)] + [(key_of(area, name), -1) for area, _n in parts],
                0,
                0,
            )

    def _one_record_apart(self):
        """The second reading is the first plus one review (and maybe its new child): each
        cell grows by 0 or 1, and the growth is itself a record's cells, so it satisfies
        every relation. How many reviews a child has can move a child between cells, so
        those cells are left untied."""
        names = [n for n in self.names if figures.parse(split_prefix(n)[1])[1] != REVIEWS_OF_CHILD]
        kept = set(names)
        relations = [
            r for r in self.relations if r.whole in kept and all(p in kept for p in r.parts)
        ]
        for area in self.areas:
            for name in names:
                self._variable(("delta", area, name), 0, 1)
                self._row(
                    [((1, area, name), 1), ((0, area, name), -1), (("delta", area, name), -1)],
                    0,
                    0,
                )
        self._tie(lambda area, name: ("delta", area, name), relations, names)
        self._row([(("delta", ENGLAND, figures.total(dims.REVIEWS)), 1)], 1, 1)

    def _build(self):
        rows, columns, values, low, high = [], [], [], [], []
        for number, (coefficients, row_low, row_high) in enumerate(self.rows):
            for column, value in coefficients.items():
                rows.append(number)
                columns.append(column)
                values.append(value)
            low.append(row_low)
            high.append(row_high)
        shape = (len(self.rows), len(self.lower))
        self.matrix = coo_matrix((values, (rows, columns)), shape=shape).tocsr()
        self.row_low, self.row_high = np.array(low), np.array(high)
        self.bounds = Bounds(np.array(self.lower), np.array(self.upper))

    # Checking and solving ---------------------------------------------------------------

    def vector(self, truth: Mapping) -> np.ndarray:
        """The unknowns at their true values, from {(reading, area): Counts}."""
        x = np.zeros(len(self.lower))
        for (number, area, name), column in self.index.items():
            if number != "delta":
                x[column] = truth[(number, area)].n(name)
        if len(self.readings) == 2:
            for (number, area, name), column in self.index.items():
                if number == "delta":
                    x[column] = truth[(1, area)].n(name) - truth[(0, area)].n(name)
        return x

    def violations(self, truth: Mapping) -> list[str]:
        """What the true counts break (nothing, if the attacker's knowledge is sound)."""
        x = self.vector(truth)
        keys = {column: key for key, column in self.index.items()}
        broken = [
            f"bound {keys[i]}: {x[i]} not in [{self.lower[i]}, {self.upper[i]}]"
            for i in np.flatnonzero((x < self.bounds.lb) | (x > self.bounds.ub))
        ]
        products = self.matrix @ x
        for i in np.flatnonzero((products < self.row_low - 1e-9) | (products > self.row_high)):
            coefficients, _low, _high = self.rows[i]
            broken.append(
                f"constraint {[(keys[j], v) for j, v in coefficients.items()][:6]}: "
                f"{products[i]} not in [{self.row_low[i]}, {self.row_high[i]}]"
            )
        return broken

    def _solve(self, objective: np.ndarray, *, relaxed: bool = False):
        self.outcome.solves += 1
        if self.log:
            self.log(f"solve {self.outcome.solves} relaxed={relaxed}")
        result = milp(
            objective,
            integrality=np.zeros(len(self.lower)) if relaxed else np.ones(len(self.lower)),
            bounds=self.bounds,
            constraints=LinearConstraint(self.matrix, self.row_low, self.row_high),
            options={"time_limit": self.time_limit, "presolve": True},
        )
        if result.status == 2:
            raise AssertionError("the published figures are infeasible: a relation is wrong")
        return result

    def attack(self, cells: Iterable[tuple[int, str, str, int]], ruled_out=()) -> Outcome:
        """Least and most of each (reading, area, cell, true value); which are pinned.
        `ruled_out` are cells already shown not pinned (by `walk`)."""
        self.outcome = Outcome(variables=len(self.lower), constraints=len(self.rows))
        ruled_out = set(ruled_out)
        open_cells = {(r, a, n): truth for r, a, n, truth in cells if (r, a, n) not in ruled_out}

        def witness(result):
            if result.x is None:
                return
            for key, truth in list(open_cells.items()):
                if round(result.x[self.index[key]]) != truth:
                    del open_cells[key]

        if open_cells:
            # Two cheap witnesses first: all the cells asked about as low, then as high.
            everything = np.zeros(len(self.lower))
            for key in open_cells:
                everything[self.index[key]] = 1
            witness(self._solve(everything))
            witness(self._solve(-everything))
            # Then random mixes of low and high, while they still rule cells out.
            generator = np.random.default_rng(0)
            for _round in range(8):
                before = len(open_cells)
                if before < 4:
                    break
                mix = np.zeros(len(self.lower))
                for key in open_cells:
                    mix[self.index[key]] = generator.choice((-1, 1))
                witness(self._solve(mix))
                if len(open_cells) > 0.9 * before:
                    break
        for key, truth in list(open_cells.items()):
            if key not in open_cells:
                continue
            if self._relaxation_pins(key, truth):
                self.outcome.pinned.append((*key, truth))
                del open_cells[key]
                continue
            proven = True
            for sign in (1, -1):
                objective = np.zeros(len(self.lower))
                objective[self.index[key]] = sign
                result = self._solve(objective)
                witness(result)
                if key not in open_cells:
                    break
                proven = proven and result.status == 0
            if key in open_cells:
                (self.outcome.pinned if proven else self.outcome.undecided).append((*key, truth))
                del open_cells[key]
        return self.outcome

    def _relaxation_pins(self, key, truth) -> bool:
        """Whether even the linear relaxation (cheaper, and looser) leaves the cell no room:
        then no integer solution can move it either."""
        for sign in (1, -1):
            objective = np.zeros(len(self.lower))
            objective[self.index[key]] = sign
            result = self._solve(objective, relaxed=True)
            if result.status != 0 or abs(result.x[self.index[key]] - truth) > 1e-6:
                return False
        return True


class TrueCounts:
    """An area's counts, its subsets' included: n(name) for any cell name."""

    def __init__(self, rows: list[dict], crossed):
        self.counts = {"": figures.count(rows, crossed=crossed)}
        for prefix, (test, _defining) in SUBSETS.items():
            self.counts[prefix] = figures.count([r for r in rows if test(r)], crossed=crossed)

    def n(self, name: str) -> int:
        prefix, plain = split_prefix(name)
        return self.counts[prefix].n(plain)


def true_counts(rows_by_area: Mapping[str, list[dict]], names: Iterable[str]) -> dict:
    """{area: TrueCounts} of the rows of each area, counted as far as `names` are split."""
    crossed = crossed_dimensions(split_prefix(name)[1] for name in names)
    return {area: TrueCounts(rows, crossed) for area, rows in rows_by_area.items()}


def rows_by_area(rows: list[dict], regions: Iterable) -> dict[str, list[dict]]:
    """England's rows and each region's (keyed by the region id as a string)."""
    result = {ENGLAND: list(rows)}
    for region in regions:
        result[str(region)] = [row for row in rows if row["region_id"] == region]
    return result
