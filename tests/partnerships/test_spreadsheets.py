"""Every XLSX download is laid out to read: the header row bold and frozen, each column as wide
as its longest line within MIN_WIDTH..MAX_WIDTH, longer text wrapped, and a filter on the header
of each table. Checked on the shared writer and on a real download of each kind."""

import io

import pytest
from openpyxl import load_workbook

from partnerships import exports
from partnerships.exports import MAX_WIDTH, MIN_WIDTH, WIDTH_PADDING, xlsx_bytes
from tests.audits.factories import CycleFactory, complete_audit, start_audit
from tests.dashboards.factories import complete_review, cycle_named, scored_audit
from tests.partnerships.factories import PartnershipFactory

LONG_EVIDENCE = "Board minutes and the training log for every team, " * 6


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def width(sheet, letter: str) -> float:
    return sheet.column_dimensions[letter].width


def assert_laid_out(book):
    """Every sheet: header frozen and bold, every used column's width within the bounds."""
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1] if cell.value), sheet.title
        for column in range(1, sheet.max_column + 1):
            letter = sheet.cell(row=1, column=column).column_letter
            assert MIN_WIDTH <= width(sheet, letter) <= MAX_WIDTH, (sheet.title, letter)


# The shared writer ----------------------------------------------------------------------------


def test_columns_are_as_wide_as_their_longest_line_within_bounds():
    """A short column gets MIN_WIDTH, a middling one its longest line plus padding, a long
    one MAX_WIDTH with its text wrapped and top-aligned."""
    middling = "x" * 30
    content = xlsx_bytes({"Items": (["Ref", "Name", "Evidence"], [["1.1", middling, "a" * 200]])})
    sheet = workbook(content)["Items"]
    assert width(sheet, "A") == MIN_WIDTH
    assert width(sheet, "B") == 30 + WIDTH_PADDING
    assert width(sheet, "C") == MAX_WIDTH
    assert sheet["C2"].alignment.wrap_text
    assert sheet["C2"].alignment.vertical == "top"
    assert sheet["A2"].alignment.vertical == "top"
    assert not sheet["A2"].alignment.wrap_text


def test_a_long_header_widens_its_column():
    """The header counts as a line of its column."""
    header = "Carried forward, not yet reviewed"
    sheet = workbook(xlsx_bytes({"Items": ([header], [["no"]])}))["Items"]
    assert width(sheet, "A") == len(header) + WIDTH_PADDING


def test_text_on_several_lines_wraps_and_counts_its_longest_line():
    """A cell with new lines is as wide as its longest line and wraps so every line shows."""
    sheet = workbook(xlsx_bytes({"Notes": (["Note"], [["short\n" + "y" * 20 + "\nend"]])}))["Notes"]
    assert width(sheet, "A") == 20 + WIDTH_PADDING
    assert sheet["A2"].alignment.wrap_text


def test_a_table_is_frozen_and_filtered_on_its_header():
    """A sheet whose first row names every column freezes that row and filters on it."""
    rows = [["a", 1], ["b", 2], ["c", 3]]
    sheet = workbook(xlsx_bytes({"Table": (["Name", "Count"], rows)}))["Table"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B4"


def test_a_notes_sheet_or_an_empty_table_gets_no_filter():
    """A sheet with an unnamed header column (an About sheet) or no rows has no filter, but
    its header row is still frozen."""
    book = workbook(
        xlsx_bytes(
            {
                "About": (["About these figures", ""], [["Source", "The Panel"]]),
                "Empty": (["When", "What"], []),
            }
        )
    )
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert not sheet.auto_filter.ref


def test_the_bounds_are_sensible():
    """Columns are never narrower than 10 or wider than 60 characters."""
    assert (exports.MIN_WIDTH, exports.MAX_WIDTH) == (10, 60)


# Real downloads -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_audit_report_download_is_laid_out(client, northshire, lead):
    """The audit's export.xlsx: every sheet frozen, widths within bounds, the long evidence
    column wrapped at MAX_WIDTH, and the Items and Timeline tables filtered."""
    cycle = CycleFactory(name="2026-27")
    audit = complete_audit(
        start_audit(partnership=northshire, by=lead, cycle=cycle), by=lead, evidence=LONG_EVIDENCE
    )
    client.force_login(lead)
    response = client.get(f"/p/northshire/audits/{cycle.name}/export.xlsx")
    assert response.status_code == 200
    book = workbook(response.content)
    assert_laid_out(book)
    items = book["Items"]
    header = [cell.value for cell in items[1]]
    evidence = items.cell(row=1, column=header.index("Evidence") + 1).column_letter
    assert width(items, evidence) == MAX_WIDTH
    assert items[f"{evidence}2"].alignment.wrap_text
    assert items.auto_filter.ref == f"A1:{items.cell(row=1, column=len(header)).column_letter}35"
    assert book["Timeline"].auto_filter.ref == "A1:D2"
    assert audit.pk


@pytest.mark.django_db
def test_the_partnership_dashboard_download_is_laid_out(client, northshire, lead):
    """The dashboard's export.xlsx: the About sheet and every table frozen, widths within
    bounds, each table filtered on its header."""
    cycle = cycle_named("2026-27")
    scored_audit(northshire, cycle)
    for _ in range(6):
        complete_review(northshire)
    client.force_login(lead)
    response = client.get("/p/northshire/dashboard/export.xlsx")
    assert response.status_code == 200
    book = workbook(response.content)
    assert_laid_out(book)
    assert book.sheetnames[0] == "About"
    assert not book["About"].auto_filter.ref
    tables = [sheet for sheet in book.worksheets[1:] if sheet.max_row > 1]
    assert tables
    for sheet in tables:
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/panel/cycles/2026-27/", "/panel/compare/", "/panel/reviews/"])
def test_the_panel_downloads_are_laid_out(client, panel, page):
    """Each Panel table's export.xlsx is frozen and sized like every other download."""
    cycle = cycle_named("2026-27")
    for _ in range(5):
        scored_audit(PartnershipFactory(), cycle)
    client.force_login(panel)
    response = client.get(page + "export.xlsx")
    assert response.status_code == 200
    assert_laid_out(workbook(response.content))
