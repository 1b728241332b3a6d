"""Journeys through the dashboards: Panel staff read completion, compare partnerships, read
publish and read the review statistics and download a table; a lead reads their dashboard."""

import csv
import io
import re
from datetime import date

from playwright.sync_api import expect

from partnerships.models import Region
from reviews import dimensions as dims
from tests.dashboards.factories import (
    complete_review,
    cycle_named,
    partnerships_with_audits,
    scored_audit,
)
from tests.partnerships.factories import PartnershipFactory

PASSWORD = "a-long-test-password"


def national_picture(northshire, eastmere):
    """Two cycles, seven partnerships with audits, and reviews in two regions."""
    earlier, cycle = cycle_named("2024-25", closes_in_days=-400), cycle_named("2025-26")
    london = Region.objects.get(slug="london")
    scored_audit(northshire, earlier, rating=1)
    scored_audit(northshire, cycle, rating=2, moderated=1, status="accepted")
    scored_audit(eastmere, cycle, rating=3)
    others = partnerships_with_audits(5, cycle, region=london, rating=1)
    PartnershipFactory(name="Quietshire Safeguarding Children Partnership")  # not started
    for _ in range(7):
        complete_review(northshire, notified=date(2025, 5, 1))
        complete_review(others[0], notified=date(2025, 6, 1), racism_named="yes")
    complete_review(eastmere, notified=date(2025, 7, 1))
    return cycle, others


def test_panel_reads_dashboards_and_downloads(new_journey, northshire, eastmere, panel):
    """Panel staff open completion, compare three partnerships item by item (ticking one
    with the keyboard), publish a closed year's review statistics, read and download them,
    and find a region with too few reviews withheld."""
    cycle, others = national_picture(northshire, eastmere)
    staff = new_journey()
    staff.sign_in(panel.email, PASSWORD)
    staff.click("Completion of each cycle")
    staff.click(cycle.name)
    staff.expect_heading(f"{cycle.name} cycle: completion")
    expect(staff.page.get_by_test_id("days-left")).to_contain_text("days left")
    completion = staff.page.locator("#completion")
    expect(completion.get_by_role("row", name=re.compile("^Not started"))).to_contain_text("1")
    expect(completion.get_by_role("row", name=re.compile("^Submitted"))).to_contain_text("6")

    staff.goto("/panel/")
    staff.click("Compare partnerships by theme and item")
    staff.expect_heading("Compare partnerships")
    page = staff.page
    expect(
        page.locator("#heat-map").get_by_role("row", name=re.compile(eastmere.name))
    ).to_contain_text("3.0")
    staff.click("Item ratings side by side")
    page.get_by_label(northshire.name, exact=True).check()
    page.get_by_label(others[0].name, exact=True).check()
    by_keyboard = page.get_by_label(eastmere.name, exact=True)
    staff.tab_to(by_keyboard)
    page.keyboard.press("Space")
    expect(by_keyboard).to_be_checked()
    staff.press_button("Compare item by item")
    side_by_side = page.locator("#items")
    for name in (northshire.name, eastmere.name, others[0].name):
        expect(side_by_side.get_by_role("columnheader", name=name)).to_be_visible()
    expect(page.get_by_label(eastmere.name, exact=True)).to_be_checked()

    staff.goto("/panel/")
    staff.click("Review statistics, national and by region")
    staff.expect_heading("Published review statistics: England")
    expect(page.get_by_test_id("nothing-published")).to_be_visible()
    staff.press_button("Publish the figures for April 2025 to March 2026")
    expect(
        page.get_by_text("The figures for April 2025 to March 2026 are published")
    ).to_be_visible()
    expect(page.get_by_test_id("perturbation-note")).to_contain_text("small counts (1 to 4)")
    by_type = page.locator("#dimension-review-type")
    shown_total = by_type.get_by_role("row", name=re.compile("^All")).locator("td").first
    total = shown_total.inner_text()
    assert total == "0" or int(total) >= 5
    title = f"{dims.BY_NAME['review_type'].question}, England"
    page.get_by_label("Tables to download").select_option(label=title)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as downloaded:
        rows = list(csv.reader(io.StringIO(downloaded.read())))
    assert rows[0][1:] == ["Reviews", "% of reviews"]
    assert {row[0]: row[1] for row in rows[1:]}["All"] == total

    page.get_by_label("Area").select_option(label="London")
    staff.press_button("Show statistics")
    staff.expect_heading("Published review statistics: London")
    expect(page.get_by_test_id("withheld")).to_contain_text("fewer than 10 complete reviews")


def test_lead_reads_partnership_dashboard(new_journey, northshire, eastmere, lead):
    """A lead reaches the dashboard from the partnership page and reads their ratings
    against England's range, their change since last cycle and their own review counts."""
    national_picture(northshire, eastmere)
    reader = new_journey()
    reader.sign_in(lead.email, PASSWORD)
    reader.click("Your ratings against other partnerships, and your review statistics")
    reader.expect_heading("Dashboard")
    page = reader.page
    expect(
        page.get_by_role("img", name=re.compile("Your mean ratings against England"))
    ).to_be_visible()
    peers = page.locator("#peers")
    expect(peers.get_by_role("row", name=re.compile("^All themes"))).to_contain_text("2.0")
    expect(
        page.locator("#change").get_by_role("row", name=re.compile("^All themes"))
    ).to_contain_text("+1.0")
    by_type = page.locator("#dimension-review-type")
    expect(by_type.get_by_role("row", name=re.compile("^All"))).to_contain_text("7")
    expect(page.get_by_test_id("own-figures-note")).to_contain_text("not in any download")
    body = page.content()
    assert eastmere.name not in body
