"""The file exchange pages through the test client: importing a file (success, errors listed by
row and column, roles and tenancy), the CSV export, the template file and the format page."""

import csv
import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import exchange, views
from reviews.models import Child, Review

from .factories import ChildFactory, ReviewFactory

pytestmark = pytest.mark.django_db

LIST = "/p/northshire/reviews/"
IMPORT = "/p/northshire/reviews/import/"
EXPORT = "/p/northshire/reviews/export.csv"
TEMPLATE = "/p/northshire/reviews/template.csv"
FORMAT = "/p/northshire/reviews/format/"

CHILD = {
    "child_reference": "C-2024-001",
    "child_sex": "female",
    "child_age": "12",
    "child_ethnicity": "APKN",
    "child_faith": "muslim",
    "child_first_language_not_english": "yes",
    "child_disability": "no",
    "child_neurodivergence": "not_recorded",
    "child_immigration_factor": "no",
    "child_known_to_social_care": "yes",
    "child_child_protection_plan": "no",
    "child_looked_after": "not_recorded",
    "child_outcome": "seriously_harmed",
}


def row(**values) -> dict:
    """A valid draft row, with `values` replacing cells."""
    cells = dict.fromkeys(exchange.HEADER, "")
    cells.update(CHILD)
    cells.update(
        review_type="rapid_review",
        incident_month="2024-03",
        notification_month="2024-04",
        status="draft",
    )
    cells.update(values)
    return cells


def csv_upload(rows, name="reviews.csv") -> SimpleUploadedFile:
    """An uploaded CSV file in the format, one line per row dict."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exchange.HEADER)
    for cells in rows:
        writer.writerow([cells[column] for column in exchange.HEADER])
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def counts() -> tuple[int, int]:
    return Child.objects.count(), Review.objects.count()


def error_table(response) -> list[tuple[str, str, str]]:
    """(row, column, problem) for each line of the page's table of import problems."""
    html = response.content.decode()
    body = re.search(r'<tbody[^>]*data-testid="import-errors">(.*?)</tbody>', html, re.S)
    assert body, "no table of problems on the page"
    lines = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        tuple(
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", line, re.S)
        )
        for line in lines
    ]


def parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# Import ----------------------------------------------------------------------------------------


def test_contributor_sees_the_import_page(client, contributor):
    """A contributor gets the upload form."""
    client.force_login(contributor)
    response = client.get(IMPORT)
    assert response.status_code == 200
    assert 'name="file" type="file"' in response.content.decode()
    assert "Nothing was imported" not in response.content.decode()


def test_contributor_imports_a_valid_file(client, contributor):
    """A valid file is saved and the contributor is sent to the list with a success message."""
    client.force_login(contributor)
    upload = csv_upload([row(), row(review_type="lcspr", incident_month="2023-01")])
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 302
    assert response.url == LIST
    page = client.get(response.url)
    assert "Imported 2 reviews about 1 child" in page.content.decode()
    child = Child.objects.get(partnership__slug="northshire")
    assert child.reference == "C-2024-001"
    assert child.created_by == contributor
    assert child.reviews.count() == 2


def test_lead_import_message_counts_children_in_plural(client, lead):
    """The success message counts reviews and children with the right plurals."""
    client.force_login(lead)
    upload = csv_upload([row(), row(child_reference="C-2024-002")])
    response = client.post(IMPORT, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Imported 2 reviews about 2 children" in response.content.decode()


def test_invalid_file_lists_each_problem_and_saves_nothing(client, northshire, contributor):
    """An invalid file answers 200, says nothing was imported and lists row, column and problem."""
    ReviewFactory(child__partnership=northshire, child__reference="C-2020-001")
    client.force_login(contributor)
    before = counts()
    upload = csv_upload(
        [
            row(),
            row(child_reference="C-2024-002", child_sex="girl"),
            row(child_reference="Aisha", incident_month="2024-13"),
        ],
        name="march.csv",
    )
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported: 3 problems in march.csv" in html
    assert "<title>Error:" in html
    table = error_table(response)
    assert [(line[0], line[1]) for line in table] == [
        ("3", "child_sex"),
        ("4", "child_reference"),
        ("4", "incident_month"),
    ]
    assert "girl is not one of the available choices" in table[0][2]
    assert table[1][2].startswith("The reference must include a digit")
    assert table[2][2].startswith("Enter the month of the incident month")  # partnerships.months
    assert counts() == before


def test_whole_file_problem_is_shown_as_whole_file(client, contributor):
    """A problem with the whole file (not UTF-8) shows 'Whole file' in the row column."""
    client.force_login(contributor)
    raw = ",".join(exchange.HEADER).encode() + "\r\nZoë,\r\n".encode("cp1252")
    upload = SimpleUploadedFile("excel.csv", raw, content_type="text/csv")
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 200
    assert error_table(response) == [("Whole file", "", exchange.NOT_UTF8)]
    assert counts() == (0, 0)


def test_posting_no_file_asks_for_one(client, contributor):
    """Submitting without a file shows 'Select a CSV file to import' and saves nothing."""
    client.force_login(contributor)
    response = client.post(IMPORT, {})
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert error_table(response) == [("Whole file", "", views.NO_FILE)]
    assert views.NO_FILE == "Select a CSV file to import"
    assert counts() == (0, 0)


def test_file_over_the_size_limit_is_refused(client, contributor, monkeypatch):
    """A file larger than MAX_BYTES gets the TOO_BIG message and nothing is saved."""
    monkeypatch.setattr(exchange, "MAX_BYTES", 50)
    client.force_login(contributor)
    response = client.post(IMPORT, {"file": csv_upload([row()])})
    assert response.status_code == 200
    assert error_table(response) == [("Whole file", "", exchange.TOO_BIG)]
    assert counts() == (0, 0)


def test_viewer_cannot_import(client, viewer, northshire):
    """A viewer gets 403 on GET and POST; nothing is saved."""
    client.force_login(viewer)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": csv_upload([row()])}).status_code == 403
    assert counts() == (0, 0)


def test_panel_staff_get_404_on_import(client, panel, northshire):
    """Panel staff, who may not read review records, get 404 on GET and POST; nothing is saved."""
    client.force_login(panel)
    assert client.get(IMPORT).status_code == 404
    assert client.post(IMPORT, {"file": csv_upload([row()])}).status_code == 404
    assert counts() == (0, 0)


def test_other_partnership_lead_gets_404_on_import(client, northshire, other_lead):
    """A lead of another partnership is answered as if northshire did not exist."""
    client.force_login(other_lead)
    assert client.get(IMPORT).status_code == 404
    assert client.post(IMPORT, {"file": csv_upload([row()])}).status_code == 404
    assert counts() == (0, 0)


def test_signed_out_visitor_is_sent_to_sign_in(client, northshire):
    """Someone not signed in is redirected to sign in and nothing is saved."""
    response = client.post(IMPORT, {"file": csv_upload([row()])})
    assert response.status_code == 302
    assert "/p/northshire/reviews/import/" in response.url
    assert counts() == (0, 0)


# Export, template and format -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer"])
def test_members_download_their_own_reviews_only(client, request, northshire, eastmere, persona):
    """Every member may export; the file holds northshire's reviews and never eastmere's."""
    ReviewFactory(child__partnership=northshire, child__reference="C-2024-001")
    ReviewFactory(child__partnership=northshire, child__reference="C-2024-002")
    ReviewFactory(child__partnership=eastmere, child__reference="E-2024-999")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reviews-northshire.csv"'
    rows = parse(response.content)
    assert rows[0] == exchange.HEADER
    assert [cells[0] for cells in rows[1:]] == ["C-2024-001", "C-2024-002"]
    assert b"E-2024-999" not in response.content
    assert response.content == exchange.export_csv(northshire)


def test_export_escapes_formula_cells(client, viewer, northshire):
    """A formula-looking learning summary is downloaded behind an apostrophe."""
    ReviewFactory(child__partnership=northshire, learning_summary="=HYPERLINK(1)")
    client.force_login(viewer)
    header, cells = parse(client.get(EXPORT).content)
    assert cells[header.index("learning_summary")] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("url", [EXPORT, TEMPLATE, FORMAT, IMPORT])
def test_other_partnership_lead_gets_404(client, northshire, other_lead, url):
    """Another partnership's lead gets 404 on the export, template, format and import pages."""
    ChildFactory(partnership=northshire)
    client.force_login(other_lead)
    assert client.get(url).status_code == 404


def test_template_holds_only_the_header(client, viewer):
    """The template file is a UTF-8 CSV of the column names and nothing else."""
    client.force_login(viewer)
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reviews-template.csv"'
    assert response.content.startswith("\ufeff".encode())
    assert parse(response.content) == [exchange.HEADER]


def format_rows(html: str) -> dict[str, str]:
    """Each column's row of the format page's table, keyed by the column name."""
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S).group(1)
    rows = {}
    for line in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        name = re.search(r'<th scope="row"[^>]*><code>([^<]+)</code>', line).group(1)
        rows[name] = line
    return rows


def test_format_page_lists_every_column_and_its_codes(client, viewer):
    """The format page has a row for each column in HEADER with every allowed code."""
    client.force_login(viewer)
    response = client.get(FORMAT)
    assert response.status_code == 200
    rows = format_rows(response.content.decode())
    assert list(rows) == exchange.HEADER
    for column in exchange.COLUMNS:
        model = Child if column.form == "child" else Review
        field = model._meta.get_field(column.field)
        if column.field == "harm_types":
            codes = [value for value, _ in exchange.c.HarmType.choices]
        else:
            codes = [value for value, _ in field.flatchoices if value != ""]
        for code in codes:
            assert f"<code>{code}</code>" in rows[column.name], (column.name, code)
    assert "<code>not_recorded</code>" in rows["child_faith"]
    assert "<code>CHNE</code> Chinese" in rows["child_ethnicity"]
    assert "<code>complete</code>" in rows["status"]
    assert "YYYY-MM" in rows["incident_month"]


def test_format_page_links_to_the_template(client, viewer):
    """The format page links to the template file."""
    client.force_login(viewer)
    assert f'href="{TEMPLATE}"' in client.get(FORMAT).content.decode()


def test_panel_staff_cannot_download_record_level_files(client, panel, lead):
    """Record-level files stay with the partnership; Panel staff get 404 as a non-member."""
    client.force_login(panel)
    assert client.get(EXPORT).status_code == 404
    assert client.get(TEMPLATE).status_code == 404
