"""Evidence from a partnership's own reviews, held against its self-assessment.

A framework version may say, for an item, which review answer speaks to it (its `evidence`
mapping) and, for the whole version, the rules that turn the figures into a consistency flag
(its `evidence_rules`). Both are data in the version's file, so they are published and frozen
with the rest of it; docs/frameworks.md describes the format.

A figure reads "in your N complete reviews since <month>: X of Y": N is every complete review
of the partnership whose completion month falls in the window, Y those of them where the
question is asked (the review dimension's own condition, such as "the child disclosed abuse")
with an answer the mapping counts, X those of Y with an answer that meets the item. Reviews
where the answer, or the condition, is "not recorded" are counted apart, never in Y.

Only the partnership's own reviews are read (reviews.selectors.of_partnership), and its own
figures are shown to it in full: they are its own records, on screen, to its members.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from partnerships.months import first_of_month, months_before
from reviews import choices as review_choices
from reviews.dimensions import BY_NAME, REVIEW

# The rules' keys, with the bounds each must keep (inclusive).
RULE_BOUNDS = {
    "window_months": (1, 120),
    "threshold_percent": (1, 100),
    "minimum_reviews": (1, 1000),
    "flag_from_rating": (0, 3),
}
MAPPING_KEYS = {"dimension", "meets", "out_of", "describes", "where"}

# Beside a flagged rating.
FLAG_REASON = (
    "Rated {rating} or higher, but fewer than {threshold}% of {whose} reviews that count for "
    "this item meet it"
)

# What the loader says of a mapping it cannot use; `where` names the item or the rules.
UNKNOWN_DIMENSION = "{where}: {name!r} is not a question of a review"
NOT_COUNTABLE = "{where}: {name!r} cannot be counted (it is not one answer typed on the review)"
UNKNOWN_VALUES = "{where}: {values} are not answers to {name!r}"
MEETS_OUTSIDE = "{where}: every answer in meets must also be in out_of"
NOT_RECORDED_COUNTED = "{where}: 'not recorded' is counted apart and cannot be in meets or out_of"
NO_DESCRIPTION = "{where}: describes must say, in a few words, what the answer shows"
UNKNOWN_KEYS = "{where}: unknown keys {keys}"
RULE_MISSING = "evidence_rules: {key} is missing"
RULE_OUT_OF_BOUNDS = "evidence_rules: {key} must be a whole number from {low} to {high}"
MAPPING_WITHOUT_RULES = "items have evidence mappings but the version has no evidence_rules"


@dataclass(frozen=True)
class Rules:
    """A version's consistency rule: over the last `window_months` months (this month
    included), a rating of `flag_from_rating` or more is flagged when fewer than
    `threshold_percent` per cent of at least `minimum_reviews` counted reviews meet the item."""

    window_months: int
    threshold_percent: int
    minimum_reviews: int
    flag_from_rating: int

    @classmethod
    def of(cls, version) -> "Rules | None":
        data = getattr(version, "evidence_rules", None) or {}
        return cls(**{key: data[key] for key in RULE_BOUNDS}) if data else None

    def since(self, today: date) -> date:
        """The first month of the window that ends with the month of `today`."""
        return months_before(first_of_month(today), self.window_months - 1)

    def flags(self, rating, figure: "Figure | None") -> bool:
        """A rating of flag_from_rating or more held against evidence under the threshold,
        when at least minimum_reviews reviews stand behind it. Exactly at the threshold is
        not under it."""
        return (
            rating is not None
            and figure is not None
            and rating >= self.flag_from_rating
            and figure.base >= self.minimum_reviews
            and figure.meets * 100 < self.threshold_percent * figure.base
        )


@dataclass(frozen=True)
class Mapping:
    """Which review answers speak to one item (an item's `evidence` data)."""

    dimension: str
    meets: frozenset
    out_of: frozenset
    describes: str
    where: str

    @classmethod
    def of(cls, item) -> "Mapping | None":
        data = getattr(item, "evidence", None) or {}
        if not data:
            return None
        dimension = BY_NAME[data["dimension"]]
        counted = [v for v in dimension.values if v != review_choices.NOT_RECORDED]
        condition = f"where {dimension.condition}" if dimension.condition else ""
        return cls(
            dimension=dimension.name,
            meets=frozenset(data["meets"]),
            out_of=frozenset(data.get("out_of") or counted),
            describes=data["describes"],
            where=data.get("where") or condition,
        )

    def _asked(self) -> Q:
        asked_when = BY_NAME[self.dimension].asked_when
        return Q(**{f"{asked_when[0]}__in": asked_when[1]}) if asked_when else Q()

    def base(self) -> Q:
        return self._asked() & Q(**{f"{self.dimension}__in": self.out_of})

    def met(self) -> Q:
        return self._asked() & Q(**{f"{self.dimension}__in": self.meets})

    def not_recorded(self) -> Q:
        """The answer, or the condition that asks it, is "not recorded"."""
        gone = Q(**{self.dimension: review_choices.NOT_RECORDED})
        asked_when = BY_NAME[self.dimension].asked_when
        if asked_when:
            gone = (self._asked() & gone) | Q(**{asked_when[0]: review_choices.NOT_RECORDED})
        return gone


@dataclass(frozen=True)
class Figure:
    """One item's evidence: in `complete` complete reviews since `since`, `meets` of `base`
    (and `not_recorded` apart)."""

    describes: str
    where: str
    since: date
    complete: int
    base: int
    meets: int
    not_recorded: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.meets / self.base) if self.base else None

    @property
    def text(self) -> str:
        """The figure as the partnership reads it, such as "In your 12 complete reviews since
        December 2024: ethnicity recorded accurately and in detail in 3 of 12"."""
        return self.sentence("your")

    @property
    def text_for_panel(self) -> str:
        """The figure as the Panel reads it: "In its 12 complete reviews ..."."""
        return self.sentence("its")

    def sentence(self, whose: str) -> str:
        where = f" {self.where}" if self.where else ""
        sentence = (
            f"In {whose} {self.complete} complete review{'s' if self.complete != 1 else ''} "
            f"since {self.since:%B %Y}: {self.describes} in {self.meets} of {self.base}{where}"
        )
        if self.not_recorded:
            sentence += f" ({self.not_recorded} more not recorded)"
        return sentence


def mappings(items) -> dict:
    """item id -> Mapping, for the items (of one version) that have one."""
    found = {}
    for item in items:
        mapping = Mapping.of(item)
        if mapping is not None:
            found[item.pk] = mapping
    return found


def live_figures(partnership, items, rules: Rules | None, today: date) -> dict:
    """item id -> Figure from the partnership's complete reviews as they stand, for the
    items given that have a mapping. One query (none when there is nothing to count)."""
    from reviews.choices import Status
    from reviews.models import Review
    from reviews.selectors import of_partnership

    found = mappings(items)
    if rules is None or not found:
        return {}
    since = rules.since(today)
    counts = {"complete": Count("pk")}
    for pk, mapping in found.items():
        counts[f"base_{pk}"] = Count("pk", filter=mapping.base())
        counts[f"meets_{pk}"] = Count("pk", filter=mapping.met())
        counts[f"gone_{pk}"] = Count("pk", filter=mapping.not_recorded())
    totals = (
        Review.objects.filter(
            of_partnership(partnership),
            status=Status.COMPLETE,
            completed_month__gte=since,
            completed_month__lte=first_of_month(today),
        )
        .order_by()
        .aggregate(**counts)
    )
    return {
        pk: Figure(
            describes=mapping.describes,
            where=mapping.where,
            since=since,
            complete=totals["complete"],
            base=totals[f"base_{pk}"],
            meets=totals[f"meets_{pk}"],
            not_recorded=totals[f"gone_{pk}"],
        )
        for pk, mapping in found.items()
    }


def frozen_figure(item, check) -> Figure:
    """The figure an EvidenceCheck kept at submission, in its item's words."""
    mapping = Mapping.of(item)
    return Figure(
        describes=mapping.describes if mapping else "",
        where=mapping.where if mapping else "",
        since=check.since,
        complete=check.complete,
        base=check.base,
        meets=check.meets,
        not_recorded=check.not_recorded,
    )


def _where(ref) -> str:
    return f"item {ref}" if ref else "evidence_rules"


def rules_problems(data) -> list[str]:
    """What is wrong with a version's evidence_rules (empty: nothing)."""
    problems = []
    for key, (low, high) in RULE_BOUNDS.items():
        if key not in data:
            problems.append(RULE_MISSING.format(key=key))
        elif type(data[key]) is not int or not low <= data[key] <= high:
            problems.append(RULE_OUT_OF_BOUNDS.format(key=key, low=low, high=high))
    extra = set(data) - set(RULE_BOUNDS)
    if extra:
        problems.append(UNKNOWN_KEYS.format(where="evidence_rules", keys=sorted(extra)))
    return problems


def mapping_problems(ref: str, data) -> list[str]:
    """What is wrong with one item's evidence mapping (empty: nothing)."""
    where = _where(ref)
    extra = set(data) - MAPPING_KEYS
    if extra:
        return [UNKNOWN_KEYS.format(where=where, keys=sorted(extra))]
    name = data.get("dimension")
    dimension = BY_NAME.get(name)
    if dimension is None:
        return [UNKNOWN_DIMENSION.format(where=where, name=name)]
    if dimension.on != REVIEW or dimension.many or dimension.derived:
        return [NOT_COUNTABLE.format(where=where, name=name)]
    problems = []
    meets = set(data.get("meets") or [])
    out_of = set(data.get("out_of") or [])
    if review_choices.NOT_RECORDED in meets | out_of:
        problems.append(NOT_RECORDED_COUNTED.format(where=where))
    unknown = (meets | out_of) - set(dimension.values)
    if unknown or not meets:
        problems.append(
            UNKNOWN_VALUES.format(where=where, values=sorted(unknown) or "[]", name=name)
        )
    if out_of and not meets <= out_of:
        problems.append(MEETS_OUTSIDE.format(where=where))
    if not str(data.get("describes") or "").strip():
        problems.append(NO_DESCRIPTION.format(where=where))
    return problems
