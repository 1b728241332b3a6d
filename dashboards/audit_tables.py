"""Tables of audit figures: completion of a cycle, partnerships compared by theme and item,
and a partnership against its anonymised peers.

These count partnerships and average ratings, not children, so rule 1 of
dashboards/disclosure.py does not apply; rule 4 (peer groups of at least 5) does.
"""

import re

from django.urls import reverse
from django.utils.text import Truncator

from audits.models import Audit

from . import disclosure
from .selectors import NOT_STARTED, OVERALL
from .tables import CHANGE, MEAN, PARTNERSHIPS, PERCENT, TEXT, Column, Row, Table, heat_level

STATUSES = [
    (NOT_STARTED, "Not started"),
    (Audit.Status.DRAFT, "Draft"),
    (Audit.Status.SUBMITTED, "Submitted"),
    (Audit.Status.RETURNED, "Returned"),
    (Audit.Status.ACCEPTED, "Accepted"),
]
STATUS_LABELS = dict(STATUSES)


def item_label(item) -> str:
    """An item's reference and its statement in full: a table cell wraps it."""
    return f"{item.ref} {item.statement}"


def theme_label(theme) -> str:
    return f"{theme.number}. {theme.title}"


def theme_short_label(theme) -> str:
    """The theme's number and the first words of its title, up to its first colon, comma or
    " and ": "1. Leadership" for "1. Leadership, governance and strategy". Never cut inside
    a word, never an ellipsis; the rest of the title stays in the header for screen readers
    and in the key of themes."""
    head = re.split(r"[:,]| and ", theme.title, maxsplit=1)[0].strip()
    return f"{theme.number}. {head}"


# Completion ---------------------------------------------------------------------------


def completion_tables(counts: dict, regions, rows, *, cycle) -> list[Table]:
    """Completion overall, by region, and the list of partnerships.

    `counts` is {(region id, status): partnerships} from the database; `rows` the
    partnerships with `audit_status` and `audit_updated`.
    """
    overall = {
        status: sum(n for (_region, s), n in counts.items() if s == status)
        for status, _label in STATUSES
    }
    total = sum(overall.values())
    summary = Table(
        "completion",
        "Partnerships by audit status",
        [Column("Status"), Column("Partnerships", PARTNERSHIPS), Column("% of all", PERCENT)],
        [
            Row(label, [overall[status], disclosure.percentage(overall[status], total)])
            for status, label in STATUSES
        ]
        + [Row("All partnerships", [total, disclosure.percentage(total, total)])],
    )
    by_region = Table(
        "completion-by-region",
        "Partnerships by audit status and region",
        [Column("Region")]
        + [Column(label, PARTNERSHIPS) for _status, label in STATUSES]
        + [Column("All", PARTNERSHIPS), Column("% submitted or accepted", PERCENT)],
        [
            _region_row(region.name, {s: counts.get((region.pk, s), 0) for s, _l in STATUSES})
            for region in regions
        ]
        + [_region_row("England", overall)],
    )
    listing = Table(
        "partnerships",
        "Partnerships and their audits",
        [Column("Partnership"), Column("Region"), Column("Status"), Column("Last changed")],
        [
            Row(
                p.name,
                [
                    p.region.name,
                    STATUS_LABELS[p.audit_status],
                    p.audit_updated.strftime("%-d %b %Y") if p.audit_updated else "",
                ],
                href=(
                    reverse("panel:audit", args=[cycle.name, p.slug])
                    if p.audit_status != NOT_STARTED
                    else ""
                ),
            )
            for p in rows
        ],
    )
    return [summary, by_region, listing]


def _region_row(label, by_status):
    total = sum(by_status.values())
    done = by_status[Audit.Status.SUBMITTED] + by_status[Audit.Status.ACCEPTED]
    return Row(
        label,
        [by_status[status] for status, _l in STATUSES]
        + [total, disclosure.percentage(done, total)],
    )


# Comparing partnerships ---------------------------------------------------------------


def _theme_columns(themes, first, kind=MEAN):
    return [Column(first)] + [
        Column(theme_label(theme), kind, short=theme_short_label(theme)) for theme in themes
    ]


def heat_map(partnerships, themes, means: dict, *, rating_label: str) -> Table:
    """Partnerships (rows) by themes (columns), each cell the mean rating, shaded by level."""
    keys = [theme.number for theme in themes] + [OVERALL]
    rows = []
    for partnership in partnerships:
        values = [means.get(partnership.pk, {}).get(key) for key in keys]
        rows.append(
            Row(
                partnership.name,
                values,
                shading=[heat_level(value) for value in values],
                select=partnership.slug,
            )
        )
    columns = _theme_columns(themes, "Partnership") + [Column("All themes", MEAN)]
    return Table(
        "heat-map",
        f"Mean rating by theme ({rating_label}), 0 to 3",
        columns,
        rows,
        note="Each cell is the mean of the theme's item ratings; shading darkens with the "
        "rating, and the number is always shown.",
    )


def change_table(partnerships, themes, means, previous_means, matching: set, previous_name):
    """Change in mean rating since the previous cycle, for themes whose items match."""
    keys = [theme.number for theme in themes] + [OVERALL]
    rows = []
    for partnership in partnerships:
        now, then = means.get(partnership.pk, {}), previous_means.get(partnership.pk, {})
        cells = []
        for key in keys:
            if key not in matching or now.get(key) is None or then.get(key) is None:
                cells.append(None)
            else:
                cells.append(round(now[key] - then[key], 2))
        rows.append(Row(partnership.name, cells))
    return Table(
        "change",
        f"Change in mean rating since {previous_name}"
        if previous_name
        else "Change in mean rating since the previous cycle",
        _theme_columns(themes, "Partnership", CHANGE) + [Column("All themes", CHANGE)],
        rows,
        note="A dash means no audit to compare with, or a theme whose items changed between "
        "the two framework versions.",
    )


def gap_table(partnerships, themes, gaps) -> Table:
    """Mean of own rating less the Panel's moderated rating, over the items moderated."""
    keys = [theme.number for theme in themes] + [OVERALL]
    rows = [
        Row(partnership.name, [gaps.get(partnership.pk, {}).get(key) for key in keys])
        for partnership in partnerships
    ]
    return Table(
        "gap",
        "Own rating less the Panel's moderated rating",
        _theme_columns(themes, "Partnership", CHANGE) + [Column("All themes", CHANGE)],
        rows,
        note="The mean, over the items the Panel moderated, of the partnership's rating less "
        "the Panel's. Positive: the partnership rated itself higher. A dash: not moderated.",
    )


def item_comparison(items, chosen, values, *, rating_label) -> Table:
    """The chosen partnerships side by side, item by item."""
    return Table(
        "items",
        f"Item ratings side by side ({rating_label})",
        [Column("Item")] + [Column(p.name, MEAN) for p in chosen],
        [
            Row(
                item_label(item),
                [values.get((p.pk, item.ref)) for p in chosen],
            )
            for item in items
        ],
    )


def distribution_table(items, levels, counts) -> Table:
    """For each item, how many partnerships gave each rating."""
    rows = []
    for item in items:
        cells = [counts.get((item.ref, level.value), 0) for level in levels]
        rows.append(Row(item_label(item), cells + [sum(cells)]))
    return Table(
        "distribution",
        "Partnerships at each rating level, by item",
        [Column("Item")]
        + [Column(f"{level.value} {level.label}", PARTNERSHIPS) for level in levels]
        + [Column("Rated", PARTNERSHIPS)],
        rows,
    )


FLAGS_NOTE = (
    "Each count is of partnerships' audits (one a cycle), not of children or reviews, and no "
    "partnership is named. A flag comes from one partnership's own review figures, so where "
    "fewer than {minimum} audits kept a figure for an item its flags are not shown: with so "
    "few, a flag could point to one partnership."
)


def mapped_items(items) -> list:
    """The items whose version says which review answers speak to them."""
    return [item for item in items if item.evidence]


def evidence_flags_table(items, counts: dict) -> Table:
    """For each mapped item, how many submitted or accepted audits kept a figure for it at
    submission, how many of those ratings were flagged against it, and the share."""
    rows = []
    for item in mapped_items(items):
        checked, flagged = counts.get(item.pk, (0, 0))
        shown = checked >= disclosure.MIN_PEER_GROUP  # rule 4, as for peer groups
        rows.append(
            Row(
                item.ref,
                [
                    Truncator(item.statement).words(10),
                    checked,
                    flagged if shown else None,
                    disclosure.percentage(flagged, checked) if shown else None,
                ],
            )
        )
    return Table(
        "evidence-flags",
        "Ratings not borne out by partnerships' own reviews, by item",
        [
            Column("Item"),
            Column("Statement"),
            Column("Audits with a kept figure", PARTNERSHIPS),
            Column("Ratings flagged", PARTNERSHIPS),
            Column("% flagged", PERCENT),
        ],
        rows,
        note=FLAGS_NOTE.format(minimum=disclosure.MIN_PEER_GROUP),
    )


AGENCIES_NOTE = (
    "Counts of submitted and accepted audits in which partner agencies gave their own "
    "ratings of the item, and of those in which the agencies' ratings are {levels} or more "
    "levels apart. No partnership or agency is named, and where fewer than {minimum} audits "
    "have agency ratings of an item its disagreements are not shown: with so few, they could "
    "point to one partnership."
)


def agency_disagreement_table(items, counts: dict, *, levels: int) -> Table:
    """For each item, how many audits have agency ratings of it and in how many the
    agencies disagree (agencies.spread), with the share."""
    rows = []
    for item in items:
        answered, disagreeing = counts.get(item.pk, (0, 0))
        shown = answered >= disclosure.MIN_PEER_GROUP  # rule 4, as for the flags
        rows.append(
            Row(
                item.ref,
                [
                    Truncator(item.statement).words(10),
                    answered,
                    disagreeing if shown else None,
                    disclosure.percentage(disagreeing, answered) if shown else None,
                ],
            )
        )
    return Table(
        "agency-disagreement",
        f"Items where agencies disagree by {levels} or more levels",
        [
            Column("Item"),
            Column("Statement"),
            Column("Audits with agency ratings", PARTNERSHIPS),
            Column("Agencies disagree", PARTNERSHIPS),
            Column("% disagreeing", PERCENT),
        ],
        rows,
        note=AGENCIES_NOTE.format(levels=levels, minimum=disclosure.MIN_PEER_GROUP),
    )


# A partnership against its peers ------------------------------------------------------


def peer_table(themes, own, moderated, national, regional, region_name) -> Table:
    """The partnership's theme means beside the national and regional quartiles."""
    keys = [(theme.number, theme_label(theme)) for theme in themes]
    keys.append((OVERALL, "All themes"))
    rows = []
    for key, label in keys:
        cells = [own.get(key), moderated.get(key)]
        for ranges in (national, regional):
            spread = ranges.get(key)
            cells += (
                [spread.lower_quartile, spread.median, spread.upper_quartile, spread.size]
                if spread
                else [None, None, None, "fewer than 5"]
            )
        rows.append(Row(label, cells))
    return Table(
        "peers",
        "Your mean ratings against other partnerships",
        [
            Column("Theme"),
            Column("Your rating", MEAN),
            Column("Moderated", MEAN),
            Column("England lower quartile", MEAN),
            Column("England median", MEAN),
            Column("England upper quartile", MEAN),
            Column("Other partnerships in England", TEXT),
            Column(f"{region_name} lower quartile", MEAN),
            Column(f"{region_name} median", MEAN),
            Column(f"{region_name} upper quartile", MEAN),
            Column(f"Other partnerships in {region_name}", TEXT),
        ],
        rows,
        note="Quartiles and medians of other partnerships' own mean ratings in submitted and "
        "accepted audits, shown only where at least 5 other partnerships have one.",
    )


def own_change_table(themes, now, then, matching, previous_name) -> Table:
    keys = [(theme.number, theme_label(theme)) for theme in themes]
    keys.append((OVERALL, "All themes"))
    rows = []
    for key, label in keys:
        comparable = key in matching and now.get(key) is not None and then.get(key) is not None
        rows.append(
            Row(
                label,
                [
                    then.get(key) if key in matching else None,
                    now.get(key),
                    round(now[key] - then[key], 2) if comparable else None,
                ],
            )
        )
    return Table(
        "change",
        f"Change since {previous_name}",
        [
            Column("Theme"),
            Column(previous_name, MEAN),
            Column("This cycle", MEAN),
            Column("Change", CHANGE),
        ],
        rows,
        note="A dash: no audit to compare with, or the theme's items changed between versions.",
    )


def trend_table(points) -> Table:
    return Table(
        "trend",
        "Your mean rating across cycles, all themes",
        [Column("Cycle"), Column("Your rating", MEAN), Column("England median", MEAN)],
        [Row(point["cycle"], [point["mean"], point["median"]]) for point in points],
        note="England's median of the other partnerships, shown where at least 5 of them have "
        "a rating.",
    )
