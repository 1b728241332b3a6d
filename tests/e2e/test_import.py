"""Importing a file with mistakes in the browser: the one error summary names each row and
column and links to that row of the table of problems (or to the file input for the whole
file), axe finds nothing, and at 320 px neither the import nor the format page scrolls sideways."""

import csv
import io

from playwright.sync_api import expect

from reviews import exchange
from reviews.models import Child

PASSWORD = "a-long-test-password"
IMPORT = "/p/northshire/reviews/import/"
FORMAT = "/p/northshire/reviews/format/"


def good_row(reference: str, **cells) -> dict:
    """A valid draft row about a child `reference`, with `cells` replaced."""
    values = dict.fromkeys(exchange.HEADER, "")
    values.update(
        child_reference=reference,
        child_sex="female",
        child_age="12",
        child_ethnicity="APKN",
        child_faith="muslim",
        child_first_language_not_english="yes",
        child_disability="no",
        child_neurodivergence="not_recorded",
        child_immigration_factor="no",
        child_known_to_social_care="yes",
        child_child_protection_plan="no",
        child_looked_after="not_recorded",
        child_outcome="seriously_harmed",
        review_type="rapid_review",
        incident_month="2024-03",
        notification_month="2024-04",
        status="draft",
    )
    values.update(cells)
    return values


def csv_file(rows, name="march.csv") -> dict:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exchange.HEADER)
    for cells in rows:
        writer.writerow([cells[column] for column in exchange.HEADER])
    return {"name": name, "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}


BAD_FILE = csv_file(
    [
        good_row("C-2024-001"),
        good_row("C-2024-002", child_sex="F"),
        good_row("C-2024-003"),
        good_row("C-2024-004", child_ethnicity="Pakistani", incident_month="March 2024"),
    ]
)


def upload(journey, file: dict):
    journey.page.get_by_label("Upload a file").set_input_files(file)
    journey.press_button("Import file")


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth === document.documentElement.clientWidth"
    )


def test_bad_rows_are_listed_and_the_summary_lands_on_each_row(journey, lead):
    """A file with wrong codes in rows 3 and 5: nothing is saved, the summary names row and
    column with the allowed codes, and each link lands on its row of the table."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(IMPORT)
    upload(journey, BAD_FILE)
    page = journey.page
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("Nothing was imported: 3 problems in march.csv")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_text(
        'Row 3, child_sex: "F" is not a code this column can use. '
        "Use one of: female, male, not_recorded"
    )
    expect(links.nth(2)).to_have_text(
        "Row 5, incident_month: " + exchange.MONTH_NOT_YYYY_MM.format(value="March 2024")
    )
    assert Child.objects.count() == 0

    links.nth(2).click()
    page.wait_for_function("location.hash === '#row-5'")
    row = page.locator("#row-5")
    expect(row).to_be_in_viewport()
    expect(row).to_contain_text("child_ethnicity")
    links.nth(0).click()
    page.wait_for_function("location.hash === '#row-3'")
    expect(page.locator("#row-3")).to_be_in_viewport()

    # The column links to what it may hold, on the format page.
    column = page.get_by_test_id("import-errors").locator('a[href$="#column-child_sex"]').first
    with page.expect_navigation():
        column.click()
    journey.check_accessibility()
    journey.expect_heading("The review file format")
    assert page.url.endswith("/reviews/format/#column-child_sex")
    expect(page.locator("#column-child_sex")).to_be_in_viewport()


def test_a_workbook_is_refused_at_the_file_input(journey, lead):
    """An Excel workbook is not read: the summary links to the file input, which says why."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(IMPORT)
    upload(journey, {"name": "march.xlsx", "mimeType": "application/zip", "buffer": b"PK\x03\x04"})
    page = journey.page
    message = exchange.NOT_A_CSV.format(name="march.xlsx")
    link = page.get_by_test_id("import-summary").get_by_role("link", name=message)
    expect(page.locator("#id_file_1_error")).to_contain_text(message)
    expect(page.get_by_test_id("import-errors")).to_have_count(0)
    link.click()
    expect(page.locator("#id_file")).to_be_focused()


def test_import_and_format_pages_fit_a_320_pixel_screen(new_journey, lead):
    """At 320 px the import page with its problems and the format page do not scroll sideways:
    their tables wrap long codes inside a labelled, focusable region."""
    journey = new_journey()
    journey.page.set_viewport_size({"width": 320, "height": 720})
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(IMPORT)
    assert no_sideways_scroll(journey.page)
    upload(journey, BAD_FILE)
    expect(journey.page.get_by_test_id("import-errors")).to_be_visible()
    assert no_sideways_scroll(journey.page)
    region = journey.page.get_by_role("region", name="Problems in march.csv")
    expect(region).to_have_attribute("tabindex", "0")
    journey.goto(FORMAT)
    assert no_sideways_scroll(journey.page)
    expect(journey.page.get_by_role("region", name="Columns")).to_have_attribute("tabindex", "0")
