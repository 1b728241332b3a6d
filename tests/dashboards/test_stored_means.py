"""Compare and the partnership dashboard read each audit's stored means: the figures change
when what they count changes, a returned audit counts for nothing, and the pages run the
same number of queries for 3 cycles as for 10."""

from datetime import date

import pytest

from audits import services
from audits.models import Audit, AuditMean, Cycle, Response
from audits.services import Moderation
from tests.audits.factories import CycleFactory, submitted_audit
from tests.partnerships.factories import PartnershipFactory

from .factories import cycle_named, scored_audit
from .test_views import (
    COMPARE,
    COMPLETION,
    CYCLE,
    DASHBOARD,
    PREVIOUS,
    count_queries,
    has_table,
    table_row,
    table_rows,
    text,
)

MOST_QUERIES = 12


@pytest.fixture
def open_cycle(db):
    """An open cycle, so audits can be submitted through the services."""
    return CycleFactory(name="2026-27")


def moderate_all(audit, by, rating):
    services.moderation_save(
        audit=audit,
        moderations={
            r.pk: Moderation(rating=rating, note="", revision=r.moderation_revision)
            for r in Response.objects.filter(audit=audit)
        },
        by=by,
    )


def test_changing_a_moderated_rating_changes_the_gap(client, northshire, lead, panel, open_cycle):
    """Own 2 everywhere: moderated 1 shows a gap of +1.0; moderated again to 2, 0.0; the
    heat map of moderated ratings follows."""
    audit = submitted_audit(partnership=northshire, lead=lead, cycle=open_cycle)
    client.force_login(panel)
    gap = COMPARE + "?show=gap"
    assert table_row(text(client.get(gap)), "gap", northshire.name)[-1] == "–"
    moderate_all(audit, panel, 1)
    assert table_row(text(client.get(gap)), "gap", northshire.name) == ["+1.0"] * 8
    moderate_all(audit, panel, 2)
    assert table_row(text(client.get(gap)), "gap", northshire.name) == ["0.0"] * 8
    moderated = text(client.get(COMPARE + "?rating=moderated"))
    assert table_row(moderated, "heat-map", northshire.name) == ["2.0"] * 8


def test_a_returned_audit_leaves_compare_and_comes_back_resubmitted(
    client, northshire, lead, panel, open_cycle
):
    audit = submitted_audit(partnership=northshire, lead=lead, cycle=open_cycle)
    client.force_login(panel)
    assert table_row(text(client.get(COMPARE)), "heat-map", northshire.name) == ["2.0"] * 8
    services.audit_return(audit=audit, by=panel, reason="Add evidence to 1.1")
    assert table_rows(text(client.get(COMPARE)), "heat-map") == [
        ("", ["Nothing to show for these filters."])
    ]
    services.audit_submit(audit=Audit.objects.get(pk=audit.pk), by=lead)
    assert table_row(text(client.get(COMPARE)), "heat-map", northshire.name) == ["2.0"] * 8


def test_audits_written_without_the_services_get_their_means_on_first_read(
    client, northshire, panel
):
    """An audit written straight to the database (as the demo data is) has no stored means;
    the first page that reads its cycle stores them, and shows them."""
    audit = scored_audit(northshire, cycle_named(CYCLE), rating=3)
    AuditMean.objects.filter(audit=audit).delete()
    client.force_login(panel)
    assert table_row(text(client.get(COMPARE)), "heat-map", northshire.name) == ["3.0"] * 8
    assert AuditMean.objects.filter(audit=audit, theme_number=None).exists()


def add_cycles(first_year: int, last_year: int, partnerships, *, rating=2):
    """A closed cycle for each year, every partnership with an accepted, moderated audit."""
    for year in range(first_year, last_year + 1):
        cycle = Cycle.objects.create(
            name=f"{year}-{(year + 1) % 100:02d}",
            version=Cycle.objects.first().version,
            opens_on=date(year, 4, 1),
            closes_on=date(year + 1, 3, 31),
        )
        for index, partnership in enumerate(partnerships):
            scored_audit(
                partnership,
                cycle,
                rating=(rating + index + year) % 4,
                moderated=1,
                status=Audit.Status.ACCEPTED,
            )


@pytest.fixture
def three_cycles(northshire, lead):
    """Northshire and 6 others in 2023-24, 2024-25 and 2025-26."""
    others = [PartnershipFactory() for _ in range(6)]
    cycle_named(CYCLE)
    cycle_named(PREVIOUS)
    everyone = [northshire, *others]
    for name in (PREVIOUS, CYCLE):
        for index, partnership in enumerate(everyone):
            scored_audit(partnership, Cycle.objects.get(name=name), rating=index % 4, moderated=2)
    add_cycles(2023, 2023, everyone)
    return everyone


PAGES = {
    "completion": COMPLETION,
    "dashboard": DASHBOARD + f"?cycle={CYCLE}",
    "compare": COMPARE + f"?cycle={CYCLE}",
    "compare, 2 chosen": COMPARE + f"?cycle={CYCLE}&compare=northshire&compare=",
    "compare, gap": COMPARE + f"?cycle={CYCLE}&show=gap",
    "compare, change": COMPARE + f"?cycle={CYCLE}&show=change",
    "compare, distribution": COMPARE + f"?cycle={CYCLE}&show=distribution",
}


@pytest.mark.parametrize("page", PAGES)
def test_queries_are_the_same_for_3_cycles_and_10(client, three_cycles, lead, panel, page):
    """Ten years of audits cost no more queries than three, and never more than 12."""
    url = PAGES[page]
    if url.endswith("compare="):
        url += three_cycles[1].slug
    client.force_login(lead if page == "dashboard" else panel)
    client.get(url)  # the first request after signing in also updates the session
    assert Cycle.objects.count() == 3
    few = count_queries(client, url)
    add_cycles(2016, 2022, three_cycles)
    assert Cycle.objects.count() == 10
    assert count_queries(client, url) == few
    assert few <= MOST_QUERIES
    html = text(client.get(url))
    slug = {"completion": "partnerships", "dashboard": "trend", "compare, 2 chosen": "items"}.get(
        page
    )
    slug = slug or {"compare": "heat-map"}.get(page) or page.removeprefix("compare, ")
    assert has_table(html, slug)


def test_the_trend_covers_every_cycle_from_stored_means(client, three_cycles, lead):
    """With 10 cycles the trend lists each, Northshire's mean and England's median of the
    other 6 as a live average of their answers gives them."""
    add_cycles(2016, 2022, three_cycles)
    client.force_login(lead)
    html = text(client.get(DASHBOARD + f"?cycle={CYCLE}"))
    rows = dict(table_rows(html, "trend"))
    assert len(rows) == 10
    for cycle in Cycle.objects.all():
        means = {}
        for audit in Audit.objects.filter(cycle=cycle):
            ratings = list(
                Response.objects.filter(audit=audit, rating__isnull=False).values_list(
                    "rating", flat=True
                )
            )
            means[audit.partnership_id] = sum(ratings) / len(ratings)
        own = means.pop(three_cycles[0].pk)
        others = sorted(means.values())
        assert rows[cycle.name][0] == f"{own:.1f}"
        assert rows[cycle.name][1] == f"{(others[2] + others[3]) / 2:.1f}"
