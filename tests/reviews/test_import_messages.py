"""An import's problems in the service's words: each names its row and column and says what the
cell may hold (codes derived from the declared choices), and the import page links each one
from the one error summary to its row in the table, or to the file input for the whole file."""

import re
from datetime import date
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import choices as c
from reviews import dimensions, exchange, forms
from reviews.templatetags.review_files import breakable

from .test_exchange import COMPLETE, complete_row, counts, csv_file, row, run
from .test_import_views import IMPORT, error_table

pytestmark = pytest.mark.django_db

# Django's and the record pages' own wording, which a file's problems must never use.
PAGE_WORDING = [
    "Select a valid choice",
    "is not one of the available choices",
    "Ensure this value",
    "elsewhere on this form",
    "This field is required",
    "Select an answer",
    "Enter ",
    "The submitted file is empty",
]


def codes(choices) -> str:
    return ", ".join(value for value, _ in choices)


def only_problem(partnership, user, **cells) -> exchange.RowError:
    """The single problem of a one-row file with `cells` replaced."""
    result = run(partnership, user, csv_file([row(**cells)]))
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def upload(raw: bytes, name="reviews.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw, content_type="text/csv")


def summary_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each entry of the page's error summary."""
    body = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert body, "no error summary on the page"
    return [
        (href, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', body.group(1), re.S)
    ]


def input_errors(html: str) -> list[str]:
    """The error messages shown at the file input."""
    found = re.findall(
        r'<span id="id_file_\d+_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>(.*?)</span>',
        html,
        re.S,
    )
    return [unescape(text).strip() for text in found]


# The messages -------------------------------------------------------------------------------


def test_a_wrong_code_names_row_column_and_every_allowed_code(northshire, lead):
    """ "F" in child_sex says it is not a code and lists the codes Sex declares, on row 2."""
    error = only_problem(northshire, lead, child_sex="F")
    assert (error.row, error.column) == (2, "child_sex")
    assert error.message == exchange.NOT_A_CODE.format(value="F", codes=codes(c.Sex.choices))
    assert error.text == (
        'Row 2, child_sex: "F" is not a code this column can use. '
        "Use one of: female, male, not_recorded"
    )


def test_a_wrong_code_in_a_question_a_draft_may_leave_blank_says_it_may_be_empty(northshire, lead):
    """A review question a draft may leave unanswered lists its codes, or empty."""
    error = only_problem(northshire, lead, race_analysed="a_little")
    assert error.column == "race_analysed"
    choices = dimensions.dimension("race_analysed").choices
    assert error.message == exchange.NOT_A_CODE_OR_EMPTY.format(
        value="a_little", codes=codes(choices)
    )


def test_a_wrong_type_of_harm_is_named_among_the_others(northshire, lead):
    """Of "sexual;bullying" only "bullying" is wrong; the message lists every harm type."""
    error = only_problem(northshire, lead, harm_types="sexual;bullying")
    assert error.message == exchange.NOT_A_HARM_TYPE.format(
        value="bullying", codes=codes(c.HarmType.choices)
    )
    assert "separated by ;" in error.message


def test_an_empty_required_code_lists_the_codes(northshire, lead):
    """An empty child_ethnicity says the cell is empty and lists every ethnicity code."""
    error = only_problem(northshire, lead, child_ethnicity="")
    assert error.text == "Row 2, child_ethnicity: " + exchange.CODE_MISSING.format(
        codes=codes(c.Ethnicity.choices)
    )
    assert "WBRI" in error.message and "NOBT" in error.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", exchange.MONTH_MISSING.format(label="incident month")),
        ("March 2024", exchange.MONTH_NOT_YYYY_MM.format(value="March 2024")),
        ("24-03", exchange.MONTH_NOT_YYYY_MM.format(value="24-03")),
        ("2024-13", exchange.MONTH_NOT_REAL.format(value="2024-13")),
        ("2024-00", exchange.MONTH_NOT_REAL.format(value="2024-00")),
    ],
)
def test_a_wrong_month_says_how_to_write_one(northshire, lead, value, expected):
    """Each kind of wrong month says what it holds and that a month is YYYY-MM."""
    error = only_problem(northshire, lead, incident_month=value)
    assert (error.column, error.message) == ("incident_month", expected)


def test_a_month_after_this_one_is_named(northshire, lead):
    """A notification month in the future is quoted and refused in the file's words."""
    future = f"{date.today().year + 1}-01"
    error = only_problem(northshire, lead, notification_month=future)
    assert error.message == exchange.MONTH_IN_FUTURE.format(
        value=future, label="notification month"
    )


def test_a_wrong_age_says_what_an_age_is(northshire, lead):
    """An age of "twelve" is quoted with the allowed range."""
    error = only_problem(northshire, lead, child_age="twelve")
    assert error.message == exchange.AGE_INVALID.format(value="twelve")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", exchange.REFERENCE_MISSING),
        ("C 2024 001", exchange.REFERENCE_INVALID.format(value="C 2024 001")),
    ],
)
def test_a_wrong_reference_says_what_a_reference_is(northshire, lead, value, expected):
    """An empty or badly formed reference says what a reference may be."""
    error = only_problem(northshire, lead, child_reference=value)
    assert (error.column, error.message) == ("child_reference", expected)


def test_a_date_in_the_summary_is_explained_for_a_file(northshire, lead):
    """A full date in the learning summary points to the month columns, not 'this form'."""
    error = only_problem(northshire, lead, learning_summary="Born 3/7/2015.")
    assert error.message == exchange.SUMMARY_HAS_DATE
    assert "month columns" in error.message


def test_a_summary_too_long_counts_its_characters(northshire, lead):
    """A 1,600-character summary says how long it is and the limit."""
    error = only_problem(northshire, lead, learning_summary="a" * 1600)
    assert error.message == exchange.SUMMARY_TOO_LONG.format(length=1600, limit=1500)


def test_a_dependent_answer_names_the_column_and_values_it_depends_on(northshire, lead):
    """action_followed with risk_recognised "no" names risk_recognised and its asking values."""
    error = only_problem(northshire, lead, risk_recognised="no", action_followed="yes")
    assert error.column == "action_followed"
    assert error.message == exchange.ONLY_WHEN.format(
        depends="risk_recognised", condition="risk was recognised", values="partly or fully"
    )


def test_an_unknown_status_lists_the_statuses(northshire, lead):
    """A status of "done" lists draft and complete, from the declared statuses."""
    error = only_problem(northshire, lead, status="done")
    assert error.message == exchange.STATUS_INVALID.format(
        value="done", codes=codes(c.Status.choices)
    )


def test_an_incomplete_complete_row_names_the_empty_columns(northshire, lead):
    """A complete row without race_analysed names that column."""
    result = run(northshire, lead, csv_file([complete_row(race_analysed="")]))
    assert [e.message for e in result.errors] == [
        exchange.STATUS_INCOMPLETE.format(missing="race_analysed")
    ]
    assert set(COMPLETE) >= {"race_analysed"}


def test_two_rows_about_one_child_name_the_columns_that_differ(northshire, lead):
    """Two rows about C-2024-001 with different ages name child_age."""
    result = run(northshire, lead, csv_file([row(), row(child_age="13")]))
    assert [e.message for e in result.errors] == [
        exchange.CHILD_DIFFERS.format(reference="C-2024-001", first=2, columns="child_age")
    ]


def test_a_long_value_is_quoted_short(northshire, lead):
    """A 500-character code is quoted up to MAX_QUOTED characters, so a message stays short."""
    error = only_problem(northshire, lead, child_sex="x" * 500)
    quoted = re.search(r'"([^"]*)"', error.message).group(1)
    assert len(quoted) == exchange.MAX_QUOTED
    assert quoted.endswith("\u2026")


@pytest.mark.parametrize(
    "cells",
    [
        {"child_sex": "F"},
        {"child_ethnicity": ""},
        {"child_sex": ""},
        {"review_type": ""},
        {"review_type": "scr"},
        {"harm_types": "bullying"},
        {"child_age": "-1"},
        {"child_age": "18"},
        {"child_reference": "Aisha"},
        {"child_reference": "C-2024-0001-0001-0001"},
        {"incident_month": ""},
        {"incident_month": "2024-99999999999999999999"},
        {"notification_month": "2024-01"},
        {"completed_month": "2024-01"},
        {"disclosure": "no", "disclosure_response": "acted_on"},
        {"learning_summary": "Lives at SW1A 1AA."},
        {"learning_summary": "On 3 July 2015 she"},
        {"learning_summary": "a" * 1501},
        {"status": "Complete"},
    ],
)
def test_no_problem_uses_django_or_the_record_pages_wording(northshire, lead, cells):
    """Every message about a cell names its row and column and none reads as a web form's."""
    result = run(northshire, lead, csv_file([row(**cells)]))
    assert result.errors
    for error in result.errors:
        assert error.row == 2 and error.column in exchange.HEADER, error
        assert error.text.startswith(f"Row 2, {error.column}: ")
        for words in PAGE_WORDING:
            assert words not in error.message, (words, error.message)


def test_whole_file_problems_say_what_is_expected():
    """The whole-file messages say what a file must be, not only what is wrong."""
    assert "CSV UTF-8" in exchange.NOT_UTF8
    assert "first row" in exchange.EMPTY
    assert "5.0\xa0MB" in exchange.too_big(6 * 1024 * 1024)
    assert "6.0\xa0MB" in exchange.too_big(6 * 1024 * 1024)
    assert ".csv" in exchange.NOT_A_CSV


def test_a_workbook_is_recognised_as_not_a_csv(northshire, lead):
    """An XLSX workbook (a zip) saved with a .csv name is told apart from other bad bytes."""
    result = run(northshire, lead, b"PK\x03\x04" + b"\x00" * 200)
    assert [(e.row, e.message) for e in result.errors] == [(0, exchange.WORKBOOK)]


# The import page ----------------------------------------------------------------------------


def test_the_summary_links_each_row_problem_to_its_row(client, contributor):
    """Each summary entry names row and column and links to #row-N, the id of that row's
    first line in the table; the file input says how many rows have problems."""
    client.force_login(contributor)
    raw = csv_file(
        [
            row(),
            row(child_reference="C-2024-002", child_sex="F"),
            row(child_reference="C-2024-003", child_ethnicity="Pakistani", incident_month="03/24"),
        ]
    )
    response = client.post(IMPORT, {"file": upload(raw, "march.csv")})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("govuk-error-summary__title") == 1
    assert "Nothing was imported: 3 problems in march.csv" in html
    assert "<title>Error: Import reviews - " in html
    links = summary_links(html)
    assert [href for href, _ in links] == ["#row-3", "#row-4", "#row-4"]
    assert links[0][1] == (
        'Row 3, child_sex: "F" is not a code this column can use. '
        "Use one of: female, male, not_recorded"
    )
    assert links[1][1].startswith('Row 4, child_ethnicity: "Pakistani" is not a code')
    assert links[2][1] == "Row 4, incident_month: " + exchange.MONTH_NOT_YYYY_MM.format(
        value="03/24"
    )
    assert re.findall(r'<tr class="govuk-table__row" id="(row-\d+)">', html) == ["row-3", "row-4"]
    assert [line[:2] for line in error_table(response)] == [
        ("3", "child_sex"),
        ("4", "child_ethnicity"),
        ("4", "incident_month"),
    ]
    assert input_errors(html) == [
        exchange.ROWS_HAVE_PROBLEMS.format(rows=2, s="s", name="march.csv", have="have")
    ]
    assert 'aria-labelledby="import-errors-caption"' in html
    assert 'href="/p/northshire/reviews/format/#column-child_sex"' in html
    assert counts() == (0, 0)


def test_the_format_page_has_the_column_ids_the_problems_link_to(client, contributor):
    """Every column has its row id on the format page."""
    client.force_login(contributor)
    html = client.get("/p/northshire/reviews/format/").content.decode()
    for name in exchange.HEADER:
        assert f'id="column-{name}"' in html


def test_a_long_list_is_capped_and_says_how_many_more(client, contributor, monkeypatch):
    """The summary lists MAX_SUMMARY problems and links the rest to the table; the table
    lists MAX_TABLE and says how many it leaves out."""
    monkeypatch.setattr(exchange, "MAX_SUMMARY", 2)
    monkeypatch.setattr(exchange, "MAX_TABLE", 3)
    client.force_login(contributor)
    raw = csv_file([row(child_reference=f"C-2024-{n:03}", child_sex="F") for n in range(5)])
    response = client.post(IMPORT, {"file": upload(raw)})
    html = response.content.decode()
    links = summary_links(html)
    assert links[:2] == [
        ("#row-2", links[0][1]),
        ("#row-3", links[1][1]),
    ]
    assert links[2] == ("#import-errors", exchange.MORE_PROBLEMS.format(more=3, s="s"))
    assert len(error_table(response)) == 3
    assert exchange.NOT_ALL_SHOWN.format(shown=3, more=2) in unescape(html)


@pytest.mark.parametrize(
    ("raw", "name", "expected"),
    [
        (b"", "reviews.csv", exchange.EMPTY),
        (b"anything", "reviews.xlsx", exchange.NOT_A_CSV.format(name="reviews.xlsx")),
        (b"PK\x03\x04rest of a zip", "reviews.csv", exchange.WORKBOOK),
        ("Zoë,\r\n".encode("cp1252"), "reviews.csv", exchange.NOT_UTF8),
        (
            b"child_reference,status\r\n",
            "reviews.csv",
            None,  # the missing columns, checked below
        ),
    ],
)
def test_a_whole_file_problem_links_to_the_file_input(client, contributor, raw, name, expected):
    """A problem with the whole file is shown at the file input, the summary links there,
    and no table of rows is shown."""
    client.force_login(contributor)
    html = client.post(IMPORT, {"file": upload(raw, name)}).content.decode()
    links = summary_links(html)
    assert {href for href, _ in links} == {"#id_file"}
    assert [text for _, text in links] == input_errors(html)
    if expected is None:
        assert links[0][1].startswith(exchange.MISSING_COLUMNS.split("{")[0])
        assert "child_sex" in links[0][1]
    else:
        assert [text for _, text in links] == [expected]
    assert 'data-testid="import-errors"' not in html
    assert "govuk-file-upload--error" in html
    assert counts() == (0, 0)


def test_a_file_too_big_says_its_size_and_the_limit(client, contributor, monkeypatch):
    """Over MAX_BYTES the input says the file's size and the limit, before reading it."""
    monkeypatch.setattr(exchange, "MAX_BYTES", 50)
    client.force_login(contributor)
    raw = csv_file([row()])
    html = client.post(IMPORT, {"file": upload(raw)}).content.decode()
    assert summary_links(html) == [("#id_file", exchange.too_big(len(raw)))]


def test_no_file_asks_for_one_at_the_input(client, contributor):
    """Pressing Import without a file asks for one, linked to the file input."""
    client.force_login(contributor)
    html = client.post(IMPORT, {}).content.decode()
    assert summary_links(html) == [("#id_file", forms.NO_FILE)]
    assert input_errors(html) == [forms.NO_FILE]
    assert "<title>Error: " in html


def test_codes_may_break_only_after_an_underscore():
    """The breakable filter puts a <wbr> after each underscore and escapes the rest."""
    assert breakable("child_first_language") == "child_<wbr>first_<wbr>language"
    assert breakable("WBRI") == "WBRI"
    assert breakable("a<b>_c") == "a&lt;b&gt;_<wbr>c"


@pytest.mark.parametrize("value", ["0000-01", "0000-00"])
def test_year_zero_is_not_a_real_month_and_never_raises(northshire, lead, value):
    """A month in year 0 (no such date) is reported as not a real month, never a crash."""
    error = only_problem(northshire, lead, incident_month=value)
    assert (error.column, error.message) == (
        "incident_month",
        exchange.MONTH_NOT_REAL.format(value=value),
    )
