"""Reads for the dashboards.

Audit figures are aggregated in the database. Review statistics are read as one row per
complete review (`review_rows`) and counted by dashboards/figures.py, because a child with
several reviews counts once among children, types of harm are a list, and each cell needs
the sum of its records' keys for the published figures' perturbation; a national year is a
few hundred rows. Nothing here decides what may be shown: partnerships/access.py decides
who sees which kind of figure, and dashboards/disclosure.py what a published figure is.
Review statistics count complete reviews only: a draft may still have blank answers, and a
blank is neither "yes" nor "not recorded".
"""

from datetime import date

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce

from audits.models import Audit, Cycle, Item, Response, Theme
from partnerships.models import Partnership, Region
from reviews import choices as c
from reviews import dimensions as dims
from reviews.models import Review

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
        reviews = reviews.filter(partnership=partnership)
    if region is not None:
        reviews = reviews.filter(partnership__region=region)
    if partnerships is not None:
        reviews = reviews.filter(partnership__in=partnerships)
    return reviews


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

    One statement groups the children (a child counted once, with its reviews among the
    filtered ones as its number of reviews) by ethnicity, sex and each child dimension, the
    reviews by ethnicity, sex and each review dimension (with the question it depends on),
    and the types of harm of each review once each; GROUPING SETS make each a single scan.
    figures.add_grouped turns the groups into the cells figures.count would give.
    """
    if connection.vendor != "postgresql":
        return f.count(review_rows(reviews), crossed=crossed)
    child_columns = _CHILD_GROUPS
    review_columns = _REVIEW_GROUPS
    base = reviews.order_by().annotate(
        n_of_child=Window(Count("id"), partition_by=[F("child_id")]),
        c_ethnicity=F("child__ethnicity"),
        c_sex=F("child__sex"),
        **{f"c_{name}": F(f"child__{name}") for name in child_columns if name != "n_of_child"},
    )
    names = ["id", "child_id", "harm_types", "n_of_child", "c_ethnicity", "c_sex"]
    names += [f"c_{name}" for name in child_columns if name != "n_of_child"]
    names += [name for name in review_columns if name not in names]
    base_sql, params = base.values(*names).query.sql_with_params()

    crossed = f.dependencies(crossed)
    split = ['"c_ethnicity"', '"c_sex"']

    def grouped(source, columns, counts):
        cols = ", ".join(f'"{_col(c)}"::text' for c in columns)
        sets = ", ".join(
            "(" + ", ".join([*split, *(f'"{_col(c)}"' for c in group)]) + ")"
            if not group or _DIMENSION_OF.get(group[-1], group[-1]) in crossed
            else "(" + ", ".join(f'"{_col(c)}"' for c in group) + ")"
            for group in _sets(columns)
        )
        mask = ", ".join(f'"{_col(c)}"' for c in columns)
        return (
            f'SELECT %s AS kind, GROUPING({mask}) AS mask, "c_ethnicity", "c_sex", '  # noqa: S608
            f"ARRAY[{cols}] AS vals, {counts} FROM {source} GROUP BY GROUPING SETS ({sets})"
        )

    harm_split = ", ".join(split) + ", " if "harm_types" in crossed else ""
    sql = (
        f"WITH base AS ({base_sql}), "  # noqa: S608 (names and SQL of our own, values as parameters)
        "kids AS (SELECT DISTINCT ON (child_id) * FROM base ORDER BY child_id) "
        + grouped("kids", child_columns, 'count(*) AS a, sum("n_of_child") AS b')
        + " UNION ALL "
        + grouped("base", review_columns, "count(*) AS a, 0 AS b")
        + " UNION ALL SELECT %s, 0, "
        + (", ".join(split) if harm_split else "NULL, NULL")
        + ", ARRAY[h], count(*), 0 FROM base, "
        "LATERAL (SELECT DISTINCT jsonb_array_elements_text(base.harm_types) AS h) t "
        f"GROUP BY {harm_split}h"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, "children", "reviews", "harm_types"])
        rows = cursor.fetchall()
    return f.from_groups(rows, child_columns, review_columns, crossed=crossed)


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

SCORED_STATUSES = [Audit.Status.SUBMITTED, Audit.Status.ACCEPTED]
NOT_STARTED = "not_started"
SELF, MODERATED = "self", "moderated"
OVERALL = "overall"


def cycles_with_audits():
    """Cycles that have at least one audit, newest first."""
    return list(
        Cycle.objects.select_related("version")
        .annotate(audit_count=Count("audits"))
        .filter(audit_count__gt=0)
        .order_by("-opens_on")
    )


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle that opened last before this one."""
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
    carried-forward answers nobody has reviewed yet."""
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


def theme_means(responses) -> dict:
    """{partnership id: {theme number: mean, OVERALL: mean}} from scored answers."""
    result: dict = {}
    per_theme = responses.values(
        partnership=F("audit__partnership"), theme=F("item__theme__number")
    ).annotate(mean=Avg("value"))
    for row in per_theme.order_by():
        result.setdefault(row["partnership"], {})[row["theme"]] = row["mean"]
    overall = responses.values(partnership=F("audit__partnership")).annotate(mean=Avg("value"))
    for row in overall.order_by():
        result.setdefault(row["partnership"], {})[OVERALL] = row["mean"]
    return result


def gap_responses(cycle: Cycle, *, region=None):
    """Answers the Panel moderated, each valued at the partnership's own rating less the
    moderated one, so the gap compares the same items on both sides."""
    responses = Response.objects.filter(
        audit__cycle=cycle,
        audit__status__in=SCORED_STATUSES,
        rating__isnull=False,
        carried_forward=False,
        moderated_rating__isnull=False,
    )
    if region is not None:
        responses = responses.filter(audit__partnership__region=region)
    return responses.annotate(value=F("rating") - F("moderated_rating"))


def scored_partnerships(cycle: Cycle, *, region=None):
    """Partnerships with a submitted or accepted audit in the cycle, by name."""
    partnerships = Partnership.objects.filter(
        audits__cycle=cycle, audits__status__in=SCORED_STATUSES
    ).select_related("region")
    if region is not None:
        partnerships = partnerships.filter(region=region)
    return list(partnerships.order_by("name"))


def themes(version_id: int):
    """A framework version's themes with their items' refs, in order."""
    return list(
        Theme.objects.filter(version_id=version_id).order_by("number").prefetch_related("items")
    )


def item_refs_by_theme(version_id: int) -> dict[int, frozenset]:
    """{theme number: the refs of its items}, to tell whether two versions' themes match."""
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
    return {(partnership, ref): value for partnership, ref, value in rows}


def item_distribution(responses) -> dict:
    """{(item ref, level): how many partnerships gave the item that rating}."""
    rows = responses.values("item__ref", "value").annotate(partnerships=Count("id")).order_by()
    return {(row["item__ref"], row["value"]): row["partnerships"] for row in rows}


def audit_trend(partnership, rating: str = SELF) -> list[dict]:
    """The partnership's overall mean in each cycle it has a submitted or accepted audit."""
    field, counted = _rating_field(rating)
    rows = (
        Response.objects.filter(
            counted, audit__partnership=partnership, audit__status__in=SCORED_STATUSES
        )
        .values(cycle=F("audit__cycle__name"), opens=F("audit__cycle__opens_on"))
        .annotate(mean=Avg(field))
        .order_by("opens")
    )
    return list(rows)


def last_scored_cycle(partnership, before: Cycle) -> Cycle | None:
    """The partnership's latest cycle before `before` in which it submitted its audit."""
    return (
        Cycle.objects.select_related("version")
        .filter(
            opens_on__lt=before.opens_on,
            audits__partnership=partnership,
            audits__status__in=SCORED_STATUSES,
        )
        .order_by("-opens_on")
        .first()
    )


def completion_counts(cycle: Cycle) -> dict:
    """{(region id, status): how many partnerships}, for the cycle's completion page."""
    rows = completion(cycle).values("region", "audit_status").annotate(n=Count("id")).order_by()
    return {(row["region"], row["audit_status"]): row["n"] for row in rows}


def matching_themes(version_id: int, previous_version_id: int) -> set:
    """Theme numbers whose items are the same in both versions, plus OVERALL when all are."""
    now = item_refs_by_theme(version_id)
    if version_id == previous_version_id:
        return {*now, OVERALL}
    then = item_refs_by_theme(previous_version_id)
    matching = {number for number, refs in now.items() if then.get(number) == refs}
    if now == then:
        matching.add(OVERALL)
    return matching


def overall_means_by_cycle(rating: str = SELF) -> dict:
    """{cycle name: {partnership id: overall mean}} over submitted and accepted audits."""
    field, counted = _rating_field(rating)
    rows = (
        Response.objects.filter(counted, audit__status__in=SCORED_STATUSES)
        .values(cycle=F("audit__cycle__name"), partnership=F("audit__partnership"))
        .annotate(mean=Avg(field))
        .order_by()
    )
    result: dict = {}
    for row in rows:
        result.setdefault(row["cycle"], {})[row["partnership"]] = row["mean"]
    return result
