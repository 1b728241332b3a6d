"""Reads for the dashboards.

Audit figures are read from stored means. Review statistics are read as one row per
complete review (`review_rows`) and counted by dashboards/figures.py, because a child with
several reviews counts once among children, types of harm are a list, and each cell needs
the sum of its records' keys for the published figures' perturbation; a national year is a
few hundred rows. Nothing here decides what may be shown: partnerships/access.py decides
who sees which kind of figure, and dashboards/disclosure.py what a published figure is.
Review statistics count complete reviews only: a draft may still have blank answers, and a
blank is neither "yes" nor "not recorded".
"""

import json
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from audits.models import Audit, AuditMean, Cycle, EvidenceCheck, Item, Response
from audits.services import SCORED_STATUSES as SCORED
from audits.services import audit_means_store
from partnerships.models import Partnership, Region
from reviews import choices as c
from reviews import dimensions as dims
from reviews import selectors as review_selectors
from reviews.models import Child, Review

from . import figures as f

# Review statistics --------------------------------------------------------------------

MONTH_FIELDS = {"notification": "notification_month", "incident": "incident_month"}


def complete_reviews(
    *,
    period: tuple[date, date] | None = None,
    partnership=None,
    region=None,
    partnerships=None,
    month: str = "notification",
):
    """Complete reviews whose notification (or incident, with month="incident") month is
    within the period, first and last month both included; of one partnership, a region or
    a chosen set of partnerships when asked."""
    reviews = Review.objects.filter(status=c.Status.COMPLETE)
    if period:
        reviews = reviews.filter(**{f"{MONTH_FIELDS[month]}__range": period})
    if partnership is not None:
        reviews = reviews.filter(review_selectors.of_partnership(partnership))
    if region is not None:
        reviews = reviews.filter(partnership__region=region)
    if partnerships is not None:
        reviews = reviews.filter(partnership__in=partnerships)
    return reviews


def every_review_fingerprint() -> str:
    """What any count of reviews depends on, in two short aggregates: how many reviews and
    children there are, when a review last changed, and the sums of their revisions (each
    save of a review or a child adds one to its revision). Completing, editing, importing or
    deleting a review, or changing a child, changes it."""
    reviews = Review.objects.order_by().aggregate(
        n=Count("pk"), changed=Max("updated_at"), revisions=Sum("revision")
    )
    children = Child.objects.order_by().aggregate(n=Count("pk"), revisions=Sum("revision"))
    return json.dumps([reviews, children], default=str)


def review_rows(reviews) -> list[dict]:
    """One dict per review with every answer of reviews/dimensions.py, its child's answers,
    the record keys, the partnership and its region: what dashboards/figures.py counts."""
    child_fields = {
        ("age" if d.derived == "age_band" else d.name)
        for d in dims.CHILD_DIMENSIONS
        if d.derived != "reviews_of_child"
    }
    review_fields = [d.name for d in dims.REVIEW_DIMENSIONS]
    return list(
        reviews.order_by("pk").values(
            "id",
            "child_id",
            "partnership_id",
            "notification_month",
            "incident_month",
            *review_fields,
            review_key=F("record_key"),
            child_key=F("child__record_key"),
            region_id=F("partnership__region_id"),
            **{name: F(f"child__{name}") for name in sorted(child_fields)},
        )
    )


def cell_counts(reviews, *, crossed=()) -> "f.Counts":
    """The counts of figures.count(review_rows(reviews), crossed=crossed), counted by the
    database in one query instead of one Python pass over every row: what the restricted
    analysis shows, over any window of any size. Counts only (no sums of record keys: the
    restricted figures are exact). On databases other than PostgreSQL, the Python pass.

    One scan of the filtered reviews with their children, and one aggregate over it with
    GROUPING SETS: each review once, its child once (the child's first review in the
    window, with the child's reviews among the filtered ones as its number of reviews); the
    children grouped by ethnicity, sex and each child dimension, the reviews by each review
    dimension (with the question it depends on), and by whether they record each type of
    harm (a review's types of harm are a list). figures.from_groups turns the groups into
    the cells figures.count would give.
    """
    if connection.vendor != "postgresql":
        return f.count(review_rows(reviews), crossed=crossed)
    child_columns = _CHILD_GROUPS
    review_columns = _REVIEW_GROUPS
    harm_columns = [f"h_{index}" for index in range(len(_HARM_TYPES))]
    per_child = {"partition_by": [F("child_id")]}
    base = reviews.order_by().annotate(
        n_of_child=Window(Count("id"), **per_child),
        first_of_child=Window(RowNumber(), **per_child),
        c_ethnicity=F("child__ethnicity"),
        c_sex=F("child__sex"),
        **{f"c_{name}": F(f"child__{name}") for name in child_columns if name != "n_of_child"},
    )
    names = ["harm_types", "n_of_child", "first_of_child", "c_ethnicity", "c_sex"]
    names += [f"c_{name}" for name in child_columns if name != "n_of_child"]
    names += [name for name in review_columns if name not in names]
    base_sql, params = base.values(*names).query.sql_with_params()

    crossed = f.dependencies(crossed)
    split = ('"c_ethnicity"', '"c_sex"')
    sets = [split]  # the totals, by ethnicity and sex
    for group in _sets(child_columns)[1:] + _sets(review_columns)[1:]:
        own = tuple(f'"{_col(c)}"' for c in group)
        sets.append(split + own if _DIMENSION_OF.get(group[-1], group[-1]) in crossed else own)
    for harm in harm_columns:
        sets.append(split + (f'"{harm}"',) if "harm_types" in crossed else (f'"{harm}"',))

    def quoted(columns):
        return ", ".join(f'"{_col(c)}"' for c in columns)

    harm_list = ", ".join(f'"{h}"' for h in harm_columns)
    values = ", ".join(
        [f'"{_col(c)}"::text' for c in (*child_columns, *review_columns)]
        + [f'"{h}"::text' for h in harm_columns]
    )
    harms = ", ".join(f'jsonb_exists("harm_types", %s) AS "{h}"' for h in harm_columns)
    sql = (
        f"SELECT GROUPING({quoted(child_columns)}), GROUPING({quoted(review_columns)}), "  # noqa: S608 (names and SQL of our own, values as parameters)
        f'GROUPING({harm_list}), "c_ethnicity", "c_sex", ARRAY[{values}], '
        'count(*) FILTER (WHERE "first_of_child" = 1), count(*) '
        f"FROM (SELECT *, {harms} FROM ({base_sql}) AS filtered) AS base "
        "GROUP BY GROUPING SETS (" + ", ".join("(" + ", ".join(g) + ")" for g in sets) + ")"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_HARM_TYPES, *params])
        rows = cursor.fetchall()
    return f.from_groups(
        _as_groups(rows, child_columns, review_columns),
        child_columns,
        review_columns,
        crossed=crossed,
    )


def _as_groups(rows, child_columns, review_columns):
    """The rows of cell_counts's one aggregate as figures.from_groups reads them: (kind,
    grouping mask, ethnicity code, sex, the grouped values, a, b), kind "children" (a
    children, b their reviews; the totals too), "reviews" (a reviews) or "harm_types" (a
    reviews with that type of harm)."""
    n_child, n_review = len(child_columns), len(review_columns)
    none_of_review, none_of_harm = (1 << n_review) - 1, (1 << len(_HARM_TYPES)) - 1
    for child_mask, review_mask, harm_mask, code, sex, values, children, reviews in rows:
        if review_mask != none_of_review:
            own = values[n_child : n_child + n_review]
            yield "reviews", review_mask, code, sex, own, reviews, 0
        elif harm_mask != none_of_harm:
            for harm, value in zip(_HARM_TYPES, values[n_child + n_review :], strict=True):
                if value == "true":
                    yield "harm_types", 0, code, sex, [harm], reviews, 0
        else:  # a child dimension, or the totals
            yield "children", child_mask, code, sex, values[:n_child], children, reviews


def _col(name: str) -> str:
    return name if name in ("n_of_child",) or name in _REVIEW_GROUPS else f"c_{name}"


# The columns grouped by: every child dimension but ethnicity and sex (each group has
# them), the age itself (bands are made from it), the number of reviews; and every review
# dimension answered once (types of harm are counted apart).
_CHILD_GROUPS = [
    "age" if d.derived == "age_band" else ("n_of_child" if d.derived else d.name)
    for d in dims.CHILD_DIMENSIONS
    if d.name not in ("ethnicity", "sex")
]
_REVIEW_GROUPS = [d.name for d in dims.REVIEW_DIMENSIONS if not d.many]
_DIMENSION_OF = {"age": "age_band", "n_of_child": "reviews_of_child"}
_HARM_TYPES = list(dims.BY_NAME["harm_types"].values)


def _sets(columns) -> list[tuple[str, ...]]:
    """The grouping sets: ethnicity and sex alone (the totals), then each column, with the
    question it depends on when it has one."""
    sets = [()]
    for name in columns:
        dimension = dims.BY_NAME.get(name)
        if dimension is not None and dimension.asked_when:
            sets.append((dimension.asked_when[0], name))
        else:
            sets.append((name,))
    return sets


def notification_years() -> list[int]:
    """The years (April to March) in which some complete review was notified, newest first.

    Only the distinct months are read, a dozen a year. On PostgreSQL they are found by
    walking the status and month index from one month to the next (a recursive query:
    one index probe a month, where DISTINCT reads every complete review); elsewhere by
    DISTINCT, with the model's default ordering cleared, or its columns would enter the
    DISTINCT and every review would come back."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Review._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE months AS ("  # noqa: S608 (our own table name)
                f"(SELECT notification_month AS month FROM {table} WHERE status = %s "
                "ORDER BY notification_month LIMIT 1) UNION ALL "
                f"SELECT (SELECT r.notification_month FROM {table} r WHERE r.status = %s "
                "AND r.notification_month > months.month ORDER BY r.notification_month LIMIT 1)"
                " FROM months WHERE months.month IS NOT NULL"
                ") SELECT month FROM months WHERE month IS NOT NULL",
                [c.Status.COMPLETE, c.Status.COMPLETE],
            )
            months = [row[0] for row in cursor.fetchall()]
    else:
        months = (
            Review.objects.filter(status=c.Status.COMPLETE)
            .order_by()
            .values_list("notification_month", flat=True)
            .distinct()
        )
    return sorted({m.year if m.month >= 4 else m.year - 1 for m in months}, reverse=True)


def regions():
    return list(Region.objects.order_by("order", "name"))


# Audit figures ------------------------------------------------------------------------
#
# Means of ratings are read from the means stored with each submitted or accepted audit
# (audits.models.AuditMean, written by audits.services.audit_means_store), never averaged
# over every answer on a page view; only a cycle's item-by-item figures read its answers.

SCORED_STATUSES = list(SCORED)
NOT_STARTED = "not_started"
SELF, MODERATED, GAP = "self", "moderated", "gap"
OVERALL = "overall"
MEAN_COLUMNS = {
    SELF: ("own_sum", "own_count"),
    MODERATED: ("moderated_sum", "moderated_count"),
    GAP: ("gap_sum", "gap_count"),
}


def _overall_stored():
    """Whether the audit of the outer query has its stored means (the overall row)."""
    return Exists(AuditMean.objects.filter(audit=OuterRef("pk"), theme_number__isnull=True))


def all_cycles() -> list[Cycle]:
    """Every cycle, newest first, with its version, how many audits it has (`audit_count`)
    and whether any submitted or accepted audit lacks its stored means (`means_missing`:
    one written without audits/services.py, such as the demo data)."""
    unstored = Audit.objects.filter(cycle=OuterRef("pk"), status__in=SCORED_STATUSES).exclude(
        _overall_stored()
    )
    return list(
        Cycle.objects.select_related("version")
        .annotate(audit_count=Count("audits"), means_missing=Exists(unstored))
        .order_by("-opens_on")
    )


def store_missing_means(cycles) -> None:
    """Store the means of the scored audits that have none, in cycles that say so."""
    missing = [cycle.pk for cycle in cycles if getattr(cycle, "means_missing", False)]
    if missing:
        audit_means_store(
            Audit.objects.filter(cycle_id__in=missing, status__in=SCORED_STATUSES).exclude(
                _overall_stored()
            )
        )
        for cycle in cycles:
            cycle.means_missing = False


def cycles_with_audits(cycles=None):
    """Cycles that have at least one audit, newest first (of `cycles` from all_cycles())."""
    cycles = all_cycles() if cycles is None else cycles
    return [cycle for cycle in cycles if cycle.audit_count > 0]


def previous_cycle(cycle: Cycle, cycles=None) -> Cycle | None:
    """The cycle that opened last before this one (of `cycles`, newest first, if given)."""
    if cycles is not None:
        return next((c for c in cycles if c.opens_on < cycle.opens_on), None)
    return (
        Cycle.objects.select_related("version")
        .filter(opens_on__lt=cycle.opens_on)
        .order_by("-opens_on")
        .first()
    )


def completion(cycle: Cycle, *, region=None, status: str = ""):
    """Active partnerships (and any other with an audit in the cycle), each with its audit's
    status there ("not_started" when it has none) and when the audit last changed;
    only those of a region or in a status when asked."""
    audit = Audit.objects.filter(cycle=cycle, partnership=OuterRef("pk"))
    partnerships = Partnership.objects.filter(Q(active=True) | Exists(audit)).select_related(
        "region"
    )
    if region is not None:
        partnerships = partnerships.filter(region=region)
    partnerships = partnerships.annotate(
        audit_status=Coalesce(Subquery(audit.values("status")[:1]), Value(NOT_STARTED)),
        audit_updated=Subquery(audit.values("updated_at")[:1]),
    )
    if status:
        partnerships = partnerships.filter(audit_status=status)
    return partnerships.order_by("region__order", "region__name", "name")


def _rating_field(rating: str) -> tuple[str, Q]:
    """The column of the chosen rating and the answers it counts: own ratings leave out
    carried-forward answers nobody has reviewed yet (the rule of audits/means.py)."""
    if rating == MODERATED:
        return "moderated_rating", Q(moderated_rating__isnull=False)
    return "rating", Q(rating__isnull=False, carried_forward=False)


def scored_responses(cycle: Cycle, *, rating: str = SELF, region=None, partnership=None):
    """Answers of the cycle's submitted and accepted audits that carry the chosen rating."""
    field, counted = _rating_field(rating)
    responses = Response.objects.filter(
        counted, audit__cycle=cycle, audit__status__in=SCORED_STATUSES
    )
    if region is not None:
        responses = responses.filter(audit__partnership__region=region)
    if partnership is not None:
        responses = responses.filter(audit__partnership=partnership)
    return responses.annotate(value=F(field))


@dataclass
class CycleMeans:
    """The stored means of a cycle's submitted and accepted audits.

    `means[kind]` is {partnership id: {theme number: mean, OVERALL: mean}} for SELF,
    MODERATED and GAP; a theme with no answer of that kind is left out, as an average of
    nothing would be. `partnerships` are those with a scored audit, by name.
    """

    means: dict
    partnerships: list

    def of(self, kind: str) -> dict:
        return self.means[kind]


def stored_means(cycles, *, region=None, partnership=None, where=None) -> dict:
    """{cycle id: CycleMeans} for the given cycles, in one query: their scored audits'
    stored means, of a region's or one partnership's audits, or those `where` (a Q) says,
    when asked."""
    rows = AuditMean.objects.filter(
        audit__cycle__in=[cycle.pk for cycle in cycles], audit__status__in=SCORED_STATUSES
    )
    if where is not None:
        rows = rows.filter(where)
    if region is not None:
        rows = rows.filter(audit__partnership__region=region)
    if partnership is not None:
        rows = rows.filter(audit__partnership=partnership)
    result = {cycle.pk: CycleMeans({kind: {} for kind in MEAN_COLUMNS}, []) for cycle in cycles}
    named = {}
    rows = rows.order_by().values_list(
        "audit__cycle_id",
        "audit__partnership_id",
        "theme_number",
        "audit__partnership__name",
        "audit__partnership__slug",
        "audit__partnership__region_id",
        "own_sum",
        "own_count",
        "moderated_sum",
        "moderated_count",
        "gap_sum",
        "gap_count",
    )
    for cycle_id, pk, theme, name, slug, region_id, *sums_and_counts in rows:
        own, own_n, moderated, moderated_n, gap, gap_n = sums_and_counts
        figures = result[cycle_id].means
        key = OVERALL if theme is None else theme
        if own_n:
            figures[SELF].setdefault(pk, {})[key] = own / own_n
        if moderated_n:
            figures[MODERATED].setdefault(pk, {})[key] = moderated / moderated_n
        if gap_n:
            figures[GAP].setdefault(pk, {})[key] = gap / gap_n
        if theme is None:
            named.setdefault(cycle_id, []).append(ScoredPartnership(pk, name, slug, region_id))
    for cycle_id, partnerships in named.items():
        result[cycle_id].partnerships = sorted(partnerships, key=lambda p: (p.name, p.pk))
    return result


@dataclass(frozen=True)
class ScoredPartnership:
    """A partnership with a submitted or accepted audit in a cycle: what the tables need."""

    pk: int
    name: str
    slug: str
    region_id: int


def themes(version_id: int):
    """A framework version's themes with their items (`theme.item_list`), in order, in one
    query."""
    found: dict = {}
    items = (
        Item.objects.filter(theme__version_id=version_id)
        .select_related("theme")
        .defer("guidance", "evidence_examples", "sources", "theme__summary")
    )
    for item in items.order_by("theme__number", "order"):
        theme = found.setdefault(item.theme.number, item.theme)
        theme.__dict__.setdefault("item_list", []).append(item)
    return list(found.values())


def item_refs_by_theme(version_id: int, themes_of_version=None) -> dict[int, frozenset]:
    """{theme number: the refs of its items}, to tell whether two versions' themes match;
    from the version's themes when given (no query)."""
    if themes_of_version is not None:
        return {
            theme.number: frozenset(item.ref for item in theme.item_list)
            for theme in themes_of_version
        }
    refs: dict[int, set] = {}
    rows = Item.objects.filter(theme__version_id=version_id).values_list("theme__number", "ref")
    for number, ref in rows:
        refs.setdefault(number, set()).add(ref)
    return {number: frozenset(values) for number, values in refs.items()}


def item_values(responses, partnership_ids) -> dict:
    """{(partnership id, item ref): rating} for the chosen partnerships."""
    rows = responses.filter(audit__partnership__in=partnership_ids).values_list(
        "audit__partnership", "item__ref", "value"
    )
    return {(partnership, ref): value for partnership, ref, value in rows.order_by()}


def item_distribution(responses) -> dict:
    """{(item ref, level): how many partnerships gave the item that rating}."""
    rows = responses.values("item__ref", "value").annotate(partnerships=Count("id")).order_by()
    return {(row["item__ref"], row["value"]): row["partnerships"] for row in rows}


def evidence_flags_by_item(cycle: Cycle, *, region=None) -> dict:
    """{item id: (audits with a kept check of the item, of them how many flagged)} over the
    cycle's submitted and accepted audits (of the region's partnerships), in one grouped
    query. A returned audit keeps no check, and none is counted for it here either way.
    Counts of audits, so of partnerships (one audit each a cycle); never which."""
    checks = EvidenceCheck.objects.filter(
        response__audit__cycle=cycle, response__audit__status__in=SCORED_STATUSES
    )
    if region is not None:
        checks = checks.filter(response__audit__partnership__region=region)
    rows = (
        checks.values("response__item_id")
        .annotate(checked=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)))
        .order_by()
    )
    return {row["response__item_id"]: (row["checked"], row["flagged"]) for row in rows}


def overall_means_by_cycle(rating: str = SELF) -> dict:
    """{cycle id: {partnership id: overall mean}} over every submitted and accepted audit,
    from the stored means (one row per audit); None for an audit with no such rating."""
    total, count = MEAN_COLUMNS[rating]
    rows = AuditMean.objects.filter(
        theme_number__isnull=True, audit__status__in=SCORED_STATUSES
    ).values_list("audit__cycle_id", "audit__partnership_id", total, count)
    result: dict = {}
    for cycle_id, partnership_id, total_value, count_value in rows.order_by():
        mean = total_value / count_value if count_value else None
        result.setdefault(cycle_id, {})[partnership_id] = mean
    return result


def completion_counts(cycle: Cycle) -> dict:
    """{(region id, status): how many partnerships}, for the cycle's completion page."""
    rows = completion(cycle).values("region", "audit_status").annotate(n=Count("id")).order_by()
    return {(row["region"], row["audit_status"]): row["n"] for row in rows}


def matching_themes(version_id: int, previous_version_id: int, themes_of_version=None) -> set:
    """Theme numbers whose items are the same in both versions, plus OVERALL when all are."""
    now = item_refs_by_theme(version_id, themes_of_version)
    if version_id == previous_version_id:
        return {*now, OVERALL}
    then = item_refs_by_theme(previous_version_id)
    matching = {number for number, refs in now.items() if then.get(number) == refs}
    if now == then:
        matching.add(OVERALL)
    return matching
