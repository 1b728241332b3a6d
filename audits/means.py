"""The tally behind an audit's stored means (audits.models.AuditMean).

One rule, stated here once: the partnership's own ratings count every rated answer except a
carried-forward one nobody has reviewed (as Response.effective_rating says); moderated
ratings count every item the Panel moderated; the gap counts the items that have both, each
valued at the own rating less the moderated one. Each is kept per theme and for all themes
(theme None) as a sum and a count, so a mean can always be traced to the answers behind it.

A plain function of plain rows, so the data migration that backfills the means uses the
same rule as audits/services.py.
"""

FIELDS = ("own_sum", "own_count", "moderated_sum", "moderated_count", "gap_sum", "gap_count")


def tally(rows) -> dict:
    """{theme number or None for all themes: {field: value}} from (theme number, rating,
    carried_forward, moderated_rating) rows of one audit's responses."""
    totals: dict = {None: dict.fromkeys(FIELDS, 0)}
    for theme, rating, carried_forward, moderated in rows:
        for key in (theme, None):
            counts = totals.setdefault(key, dict.fromkeys(FIELDS, 0))
            own = rating if rating is not None and not carried_forward else None
            if own is not None:
                counts["own_sum"] += own
                counts["own_count"] += 1
            if moderated is not None:
                counts["moderated_sum"] += moderated
                counts["moderated_count"] += 1
                if own is not None:
                    counts["gap_sum"] += own - moderated
                    counts["gap_count"] += 1
    return totals
