"""The review CSV format: a lossless export/import round trip, formula escaping, and an
all-or-nothing import that reports every problem by row and column and never raises."""

import csv
import io
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerships.exports import FORMULA_PREFIXES
from reviews import exchange, forms, validators
from reviews.demo import seed_reviews
from reviews.models import Child, Review

from .factories import ChildFactory, ReviewFactory, complete_answers

pytestmark = pytest.mark.django_db

# record_key is secret and each record draws its own: an import never copies one.
SKIP_FIELDS = {
    "id",
    "partnership",
    "child",
    "created_at",
    "updated_at",
    "created_by",
    "record_key",
}
CHILD_FIELDS = [f.name for f in Child._meta.concrete_fields if f.name not in SKIP_FIELDS]
REVIEW_FIELDS = [f.name for f in Review._meta.concrete_fields if f.name not in SKIP_FIELDS]

HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

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
COMPLETE = {
    "completed_month": "2024-09",
    "harm_types": "sexual;cse",
    "ethnicity_in_review": "superficial",
    "faith_recorded": "no",
    "race_analysed": "not_at_all",
    "racism_named": "no",
    "child_voice": "absent",
    "risk_recognised": "partly",
    "action_followed": "no",
    "disclosure": "yes",
    "disclosure_response": "dismissed",
    "racism_alleged": "no",
    "interpreter_needed": "no",
    "adultification": "yes",
    "intersectionality": "no",
    "fathers_assessed": "not_applicable",
    "learning_about_race": "yes",
    "learning_summary": "Bias shaped how the disclosure was heard.",
}


def row(**values) -> dict:
    """A valid draft row (every review dimension blank), with `values` replacing cells."""
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


def complete_row(**values) -> dict:
    """A valid row with status complete and every dimension answered."""
    return row(**{**COMPLETE, "status": "complete", **values})


def csv_file(rows, header=None, *, bom=False, encoding="utf-8") -> bytes:
    """A CSV file with `header` (the format's own by default) and a line per row dict."""
    header = exchange.HEADER if header is None else header
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells.get(name, "") for name in header])
    return ("\ufeff" if bom else "").encode(encoding) + buffer.getvalue().encode(encoding)


def parse(raw: bytes) -> list[list[str]]:
    """The rows of a CSV file as lists of cells."""
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def counts() -> tuple[int, int]:
    return Child.objects.count(), Review.objects.count()


def run(partnership, user, raw: bytes) -> exchange.ImportResult:
    return exchange.import_csv(partnership=partnership, raw=raw, by=user)


def problems(result) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.message) for error in result.errors]


def assert_refused(result, before, *expected):
    """The import saved nothing and reported each (row, column, message) expected."""
    assert counts() == before
    assert result.children == result.reviews == 0
    for problem in expected:
        assert problem in problems(result), problems(result)


@pytest.fixture
def seeded(northshire, lead):
    """Northshire with the deterministic demo reviews."""
    made = seed_reviews(
        partnerships={"northshire": northshire}, leads={"northshire": lead}, today=date.today()
    )
    assert made > 0
    return northshire


def child_values(child):
    return {name: getattr(child, name) for name in CHILD_FIELDS}


def review_values(review):
    return {name: getattr(review, name) for name in REVIEW_FIELDS}


def snapshot(partnership):
    """Every child and review field of a partnership (no ids), in export order."""
    children = {
        child.reference: child_values(child)
        for child in Child.objects.filter(partnership=partnership)
    }
    reviews = [
        (review.child.reference, review_values(review))
        for review in Review.objects.filter(partnership=partnership)
        .select_related("child")
        .order_by("child__reference", "incident_month", "pk")
    ]
    return children, reviews


# Round trip ------------------------------------------------------------------------------------


def test_round_trip_copies_every_field_and_reexports_byte_identically(seeded, eastmere, other_lead):
    """Importing northshire's export into an empty partnership copies every field exactly."""
    exported = exchange.export_csv(seeded)
    result = run(eastmere, other_lead, exported)
    assert result.errors == []
    assert result.children == Child.objects.filter(partnership=seeded).count()
    assert result.reviews == Review.objects.filter(partnership=seeded).count()
    assert snapshot(eastmere) == snapshot(seeded)
    assert exchange.export_csv(eastmere) == exported


def test_export_never_carries_a_record_key(seeded):
    """The secret keys behind the published figures' perturbation never leave in a file."""
    exported = exchange.export_csv(seeded).decode()
    assert "record_key" not in exported
    for review in Review.objects.filter(partnership=seeded).select_related("child"):
        assert str(review.record_key) not in exported
        assert str(review.child.record_key) not in exported


def test_round_trip_covers_multi_review_children_and_both_statuses(seeded):
    """The demo data exercises children with two reviews, drafts and complete reviews."""
    reviews = Review.objects.filter(partnership=seeded)
    assert reviews.count() > Child.objects.filter(partnership=seeded).count()
    assert {review.status for review in reviews} == {"draft", "complete"}


@pytest.mark.parametrize(
    "summary",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1 agency did not share the referral.",
        "-the interpreter was a relative.",
        "@SUM(A1:A9) is not a finding.",
        "=",
    ],
)
def test_formula_looking_summary_survives_round_trip(seeded, eastmere, other_lead, summary):
    """A summary starting with = + - @ is exported behind an apostrophe and imported unchanged."""
    review = Review.objects.filter(partnership=seeded).order_by("pk").first()
    review.learning_summary = summary
    review.save()
    exported = exchange.export_csv(seeded)
    column = exchange.HEADER.index("learning_summary")
    assert "'" + summary in [cells[column] for cells in parse(exported)[1:]]
    assert summary not in [cells[column] for cells in parse(exported)[1:]]
    assert run(eastmere, other_lead, exported).errors == []
    copy = Review.objects.get(partnership=eastmere, learning_summary=summary)
    assert copy.child.reference == review.child.reference
    assert snapshot(eastmere) == snapshot(seeded)
    assert exchange.export_csv(eastmere) == exported


def test_summary_that_itself_starts_with_apostrophe_and_formula_survives(
    northshire, eastmere, other_lead
):
    """A summary typed as "'=x" comes back as "'=x", not stripped to "=x" (round trip lossless)."""
    ReviewFactory(child__partnership=northshire, learning_summary="'=1 agency was named.")
    assert run(eastmere, other_lead, exchange.export_csv(northshire)).errors == []
    assert Review.objects.get(partnership=eastmere).learning_summary == "'=1 agency was named."


def test_export_escapes_formula_cells_with_an_apostrophe(northshire):
    """A learning summary =HYPERLINK(...) is written to the file as '=HYPERLINK(...)."""
    summary = '=HYPERLINK("http://evil.example","click")'
    ReviewFactory(child__partnership=northshire, learning_summary=summary)
    header, cells = parse(exchange.export_csv(northshire))
    assert dict(zip(header, cells, strict=True))["learning_summary"] == "'" + summary
    assert exchange.export_csv(northshire).startswith("\ufeff".encode())


def test_export_writes_months_codes_and_harm_types_in_the_documented_format(northshire):
    """Months are YYYY-MM, harm types joined with ;, an unknown age and month are empty."""
    child = ChildFactory(partnership=northshire, reference="C-2024-042", age=None)
    ReviewFactory(child=child, **{**complete_answers(), "harm_types": ["sexual", "neglect"]})
    header, cells = parse(exchange.export_csv(northshire))
    assert header == exchange.HEADER
    exported = dict(zip(header, cells, strict=True))
    assert exported["child_reference"] == "C-2024-042"
    assert exported["child_age"] == ""
    assert exported["incident_month"] == "2024-03"
    assert exported["completed_month"] == "2024-09"
    assert exported["harm_types"] == "sexual;neglect"
    assert exported["status"] == "draft"


def test_export_holds_only_the_partnerships_own_reviews(northshire, eastmere):
    """Another partnership's children never appear in an export."""
    ReviewFactory(child__partnership=northshire, child__reference="C-2024-001")
    ReviewFactory(child__partnership=eastmere, child__reference="E-2024-999")
    rows = parse(exchange.export_csv(northshire))
    assert [cells[0] for cells in rows[1:]] == ["C-2024-001"]


def test_template_holds_only_the_header():
    """The template file is the header row and nothing else."""
    assert parse(exchange.template_csv()) == [exchange.HEADER]


# A valid file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_file_imports_with_or_without_bom(northshire, lead, bom):
    """A UTF-8 file imports whether or not it starts with a byte order mark."""
    raw = csv_file([complete_row(learning_summary="Zoë's school did not ask.")], bom=bom)
    result = run(northshire, lead, raw)
    assert result.errors == []
    assert (result.children, result.reviews) == (1, 1)
    review = Review.objects.get(partnership=northshire)
    assert review.learning_summary == "Zoë's school did not ask."
    assert review.status == "complete"
    assert review.harm_types == ["sexual", "cse"]
    assert review.completed_month == date(2024, 9, 1)
    assert review.child.reference == "C-2024-001"
    assert review.child.created_by == lead


def test_imported_records_have_history_by_the_importer(northshire, lead):
    """Imported children and reviews get a history record made by the person importing."""
    run(northshire, lead, csv_file([row()]))
    review = Review.objects.get()
    assert review.history.get().history_user == lead
    assert review.child.history.get().history_user == lead


def test_an_import_round_trips_and_every_record_has_its_history(northshire, eastmere, lead):
    """Exporting a partnership's reviews and importing them elsewhere stores the same
    answers (children once each, in their own new records with their own record keys), and
    each new child and review has one "+" history record by the importer holding exactly
    what the record holds. The same on SQLite (batched inserts) and PostgreSQL (COPY)."""
    seed_reviews(partnerships={"n": eastmere}, leads={"n": lead}, today=date(2025, 6, 1), scale=1)
    raw = exchange.export_csv(eastmere)
    result = run(northshire, lead, raw)
    assert result.errors == []
    assert result.reviews == Review.objects.filter(partnership=eastmere).count()
    assert result.children == Child.objects.filter(partnership=eastmere).count()
    assert exchange.export_csv(northshire) == raw
    children = Child.objects.filter(partnership=northshire)
    reviews = Review.objects.filter(partnership=northshire)
    keys = [child.record_key for child in children] + [review.record_key for review in reviews]
    assert len(set(keys)) > len(keys) * 0.99  # random keys, not one default for all
    for model, records in ((Child, children), (Review, reviews)):
        tracked = [f.attname for f in model.history.model.tracked_fields]
        for record in records:
            (history,) = record.history.all()
            assert history.history_type == "+"
            assert history.history_user == lead
            assert {name: getattr(history, name) for name in tracked} == {
                name: getattr(record, name) for name in tracked
            }


def test_columns_in_any_order_and_padded_with_spaces_import(northshire, lead):
    """Reordered columns and spaces around header names and cells are accepted."""
    header = list(reversed(exchange.HEADER))
    cells = complete_row()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f" {name} " for name in header])
    writer.writerow([f" {cells[name]} " for name in header])
    result = run(northshire, lead, buffer.getvalue().encode())
    assert result.errors == []
    review = Review.objects.get()
    assert review.learning_summary == COMPLETE["learning_summary"]
    assert review.harm_types == ["sexual", "cse"]
    assert review.child.reference == "C-2024-001"


def test_two_reviews_of_one_child_import_as_one_child(northshire, lead):
    """Two rows with identical child columns make one child with two reviews."""
    raw = csv_file([row(), row(review_type="lcspr", incident_month="2023-01")])
    result = run(northshire, lead, raw)
    assert result.errors == []
    assert (result.children, result.reviews) == (1, 2)
    child = Child.objects.get(partnership=northshire)
    assert sorted(child.reviews.values_list("review_type", flat=True)) == ["lcspr", "rapid_review"]


def test_header_only_imports_nothing_without_error(northshire, lead):
    """A file with only the header row imports nothing and reports nothing."""
    before = counts()
    result = run(northshire, lead, exchange.template_csv())
    assert result.errors == []
    assert (result.children, result.reviews) == (0, 0)
    assert counts() == before


def test_dry_run_checks_but_saves_nothing(northshire, lead):
    """A dry run of a valid file reports no errors and saves nothing."""
    before = counts()
    result = exchange.import_csv(
        partnership=northshire, raw=csv_file([row()]), by=lead, dry_run=True
    )
    assert result.errors == []
    assert counts() == before


# Whole-file problems ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_or_latin1_file_is_not_utf8(northshire, lead, encoding):
    """A file saved as Windows-1252 or Latin-1 with an accented letter gets NOT_UTF8."""
    raw = csv_file([row(learning_summary="Zoë's café school did not ask.")], encoding=encoding)
    before = counts()
    result = run(northshire, lead, raw)
    assert problems(result) == [(0, "", exchange.NOT_UTF8)]
    assert counts() == before


def test_utf16_file_is_not_utf8(northshire, lead):
    """A UTF-16 file (Excel's 'Unicode text') gets NOT_UTF8, not a crash."""
    raw = csv_file([row()]).decode().encode("utf-16")
    assert problems(run(northshire, lead, raw)) == [(0, "", exchange.NOT_UTF8)]


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" , ,\n"])
def test_empty_file_is_reported(northshire, lead, raw):
    """An empty file (or only blank lines) gets the EMPTY message."""
    before = counts()
    assert problems(run(northshire, lead, raw)) == [(0, "", exchange.EMPTY)]
    assert counts() == before


def test_missing_columns_are_listed_by_name(northshire, lead):
    """Each missing column is named, on row 1."""
    header = [n for n in exchange.HEADER if n not in ("child_faith", "learning_summary")]
    before = counts()
    result = run(northshire, lead, csv_file([row()], header=header))
    message = exchange.MISSING_COLUMNS.format(columns="child_faith, learning_summary")
    assert problems(result) == [(1, "", message)]
    assert counts() == before


def test_extra_columns_are_listed_by_name(northshire, lead):
    """Each column not in the format is named, on row 1."""
    header = [*exchange.HEADER, "child_name", "date_of_birth"]
    before = counts()
    result = run(northshire, lead, csv_file([row(child_name="X")], header=header))
    message = exchange.UNKNOWN_COLUMNS.format(columns="child_name, date_of_birth")
    assert problems(result) == [(1, "", message)]
    assert counts() == before


def test_missing_and_extra_columns_are_both_reported(northshire, lead):
    """A misspelt column is reported both as missing and as unknown."""
    header = ["child_ref" if n == "child_reference" else n for n in exchange.HEADER]
    result = run(northshire, lead, csv_file([row()], header=header))
    assert problems(result) == [
        (1, "", exchange.MISSING_COLUMNS.format(columns="child_reference")),
        (1, "", exchange.UNKNOWN_COLUMNS.format(columns="child_ref")),
    ]


def test_duplicated_column_is_reported_not_silently_overwritten(northshire, lead):
    """A column named twice is reported by name and nothing is saved (one value would be lost)."""
    cells = row(learning_summary="Bias was not named.")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*exchange.HEADER, "learning_summary"])
    writer.writerow([*(cells[name] for name in exchange.HEADER), ""])
    before = counts()
    result = run(northshire, lead, buffer.getvalue().encode())
    assert result.errors
    assert any("learning_summary" in f"{e.column} {e.message}" for e in result.errors)
    assert counts() == before


def test_too_big_file_is_refused_before_reading(northshire, lead, monkeypatch):
    """A file over MAX_BYTES gets TOO_BIG."""
    monkeypatch.setattr(exchange, "MAX_BYTES", 100)
    raw = csv_file([row()])
    assert problems(run(northshire, lead, raw)) == [(0, "", exchange.too_big(len(raw)))]


def test_too_many_rows_are_refused(northshire, lead, monkeypatch):
    """A file over MAX_ROWS gets TOO_MANY_ROWS."""
    monkeypatch.setattr(exchange, "MAX_ROWS", 2)
    raw = csv_file([row(child_reference=f"C-{n}") for n in range(3)])
    before = counts()
    message = exchange.TOO_MANY_ROWS.format(rows=3, limit=2)
    assert problems(run(northshire, lead, raw)) == [(0, "", message)]
    assert counts() == before


def test_unreadable_csv_is_reported(northshire, lead):
    """A cell too large for the CSV reader is reported as NOT_CSV, not raised."""
    raw = csv_file([row()]) + b'"' + b"x" * 200_000 + b'"\n'
    result = run(northshire, lead, raw)
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("The file could not be read as CSV")


# Row problems ----------------------------------------------------------------------------------


def test_wrong_cell_count_is_reported_with_counts(northshire, lead):
    """A row with a cell too few is reported with what was found and expected."""
    raw = csv_file([row()]).rstrip(b"\r\n")
    raw = raw.rsplit(b",", 1)[0] + b"\r\n"
    before = counts()
    result = run(northshire, lead, raw)
    expected = len(exchange.HEADER)
    message = exchange.WRONG_CELL_COUNT.format(found=expected - 1, expected=expected)
    assert_refused(result, before, (2, "", message))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("child_sex", "girl"),
        ("child_ethnicity", "Pakistani"),
        ("child_outcome", "harmed"),
        ("child_disability", "Yes"),
        ("review_type", "serious_case_review"),
        ("race_analysed", "a_little"),
        ("harm_types", "sexual;bullying"),
    ],
)
def test_bad_choice_is_reported_with_row_and_column(northshire, lead, column, value):
    """A code not in the format is reported on its row and column."""
    before = counts()
    result = run(northshire, lead, csv_file([row(), row(**{column: value})]))
    assert {(e.row, e.column) for e in result.errors} == {(3, column)}
    assert value.split(";")[-1] in result.errors[0].message
    assert_refused(result, before)


@pytest.mark.parametrize("value", ["-1", "18", "twelve", "12.5"])
def test_impossible_age_is_reported(northshire, lead, value):
    """An age that is not a whole number from 0 to 17 is reported on child_age."""
    before = counts()
    result = run(northshire, lead, csv_file([row(child_age=value)]))
    assert {(e.row, e.column) for e in result.errors} == {(2, "child_age")}
    assert_refused(result, before)


def test_missing_required_child_answer_is_reported(northshire, lead):
    """An empty required child column is reported with the form's message."""
    before = counts()
    result = run(northshire, lead, csv_file([row(child_ethnicity="")]))
    message = exchange.CODE_MISSING.format(codes=", ".join(exchange.c.Ethnicity.values))
    assert_refused(result, before, (2, "child_ethnicity", message))


@pytest.mark.parametrize("value", ["2024-13", "2024-00", "2024-3x", "24-03", "March 2024", "2024"])
def test_impossible_month_is_reported(northshire, lead, value):
    """A month that is not a real YYYY-MM is reported on its column."""
    before = counts()
    result = run(northshire, lead, csv_file([row(incident_month=value)]))
    wrong = (
        exchange.MONTH_NOT_REAL if value in ("2024-13", "2024-00") else exchange.MONTH_NOT_YYYY_MM
    )
    assert_refused(result, before, (2, "incident_month", wrong.format(value=value)))


def test_month_with_a_huge_number_is_reported_not_raised(northshire, lead):
    """A month cell like 2024-99999999999999999999 is reported as invalid, never a crash."""
    before = counts()
    result = run(northshire, lead, csv_file([row(incident_month="2024-99999999999999999999")]))
    message = exchange.MONTH_NOT_YYYY_MM.format(value="2024-99999999999999999999")
    assert_refused(result, before, (2, "incident_month", message))


def test_future_month_is_reported(northshire, lead):
    """A month after this one is reported."""
    today = date.today()
    future = f"{today.year + 1}-{today.month:02d}"
    before = counts()
    result = run(northshire, lead, csv_file([row(notification_month=future)]))
    message = exchange.MONTH_IN_FUTURE.format(value=future, label="notification month")
    assert_refused(result, before, (2, "notification_month", message))


def test_missing_incident_month_is_reported(northshire, lead):
    """An empty incident month is reported as required."""
    before = counts()
    result = run(northshire, lead, csv_file([row(incident_month="")]))
    message = exchange.MONTH_MISSING.format(label="incident month")
    assert_refused(result, before, (2, "incident_month", message))


def test_notification_before_incident_is_reported(northshire, lead):
    """A notification month before the incident month is reported."""
    before = counts()
    raw = csv_file([row(incident_month="2024-05", notification_month="2024-04")])
    result = run(northshire, lead, raw)
    assert_refused(result, before, (2, "notification_month", forms.NOTIFIED_BEFORE_INCIDENT))


def test_completed_before_notification_is_reported(northshire, lead):
    """A completed month before the notification month is reported."""
    before = counts()
    result = run(northshire, lead, csv_file([row(completed_month="2024-01")]))
    assert_refused(result, before, (2, "completed_month", forms.COMPLETED_BEFORE_NOTIFIED))


def test_dependent_answer_without_its_condition_is_reported(northshire, lead):
    """An action followed when no risk was recognised is reported."""
    before = counts()
    result = run(northshire, lead, csv_file([row(risk_recognised="no", action_followed="yes")]))
    message = exchange.ONLY_WHEN.format(
        depends="risk_recognised", condition="risk was recognised", values="partly or fully"
    )
    assert_refused(result, before, (2, "action_followed", message))


@pytest.mark.parametrize("reference", ["Aisha", "AishaKhan", "smith-jones"])
def test_reference_that_looks_like_a_name_is_reported(northshire, lead, reference):
    """A reference with no digit is refused as it could be a name."""
    before = counts()
    result = run(northshire, lead, csv_file([row(child_reference=reference)]))
    message = validators.REFERENCE_LOOKS_LIKE_NAME
    assert_refused(result, before, (2, "child_reference", message))


@pytest.mark.parametrize("reference", ["C 2024 001", "C-2024-0001-0001-0001", "C_2024", "-C1"])
def test_badly_formed_reference_is_reported(northshire, lead, reference):
    """A reference that is not letters, digits and dashes (up to 20) is reported."""
    before = counts()
    result = run(northshire, lead, csv_file([row(child_reference=reference)]))
    assert {(e.row, e.column) for e in result.errors} == {(2, "child_reference")}
    assert_refused(result, before)


def test_summary_with_a_date_of_birth_is_reported(northshire, lead):
    """A learning summary with a full date is refused like on the form."""
    before = counts()
    result = run(northshire, lead, csv_file([row(learning_summary="Born 3/7/2015.")]))
    assert_refused(result, before, (2, "learning_summary", exchange.SUMMARY_HAS_DATE))


@pytest.mark.parametrize("reference", ["C-2024-001", "c-2024-001"])
def test_reference_already_in_the_partnership_is_reported(northshire, lead, reference):
    """A reference the partnership already has is REFERENCE_EXISTS; the child is unchanged."""
    existing = ChildFactory(partnership=northshire, reference="C-2024-001", sex="male", age=4)
    ReviewFactory(child=existing)
    values = child_values(existing)
    before = counts()
    result = run(northshire, lead, csv_file([row(child_reference=reference)]))
    message = exchange.REFERENCE_EXISTS.format(reference=reference)
    assert_refused(result, before, (2, "child_reference", message))
    existing.refresh_from_db()
    assert child_values(existing) == values
    assert existing.reviews.count() == 1


def test_reference_used_by_another_partnership_is_fine(northshire, eastmere, lead):
    """References are unique only within a partnership."""
    ChildFactory(partnership=eastmere, reference="C-2024-001")
    assert run(northshire, lead, csv_file([row()])).errors == []
    assert Child.objects.filter(reference="C-2024-001").count() == 2


def test_same_child_with_different_details_is_reported(northshire, lead):
    """Two rows about one reference with different child columns give CHILD_DIFFERS."""
    before = counts()
    result = run(northshire, lead, csv_file([row(), row(child_age="13")]))
    message = exchange.CHILD_DIFFERS.format(reference="C-2024-001", first=2, columns="child_age")
    assert_refused(result, before, (3, "child_reference", message))


@pytest.mark.parametrize(
    "missing", [{"race_analysed": ""}, {"completed_month": ""}, {"action_followed": ""}]
)
def test_complete_status_with_missing_dimensions_is_reported(northshire, lead, missing):
    """A row marked complete with an unanswered dimension is STATUS_INCOMPLETE, naming it."""
    before = counts()
    result = run(northshire, lead, csv_file([complete_row(**missing)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "status")]
    field = next(iter(missing))
    assert result.errors[0].message == exchange.STATUS_INCOMPLETE.format(missing=field)
    assert_refused(result, before)


@pytest.mark.parametrize("status", ["Complete", "done", "submitted"])
def test_unknown_status_is_reported(northshire, lead, status):
    """A status other than draft or complete is STATUS_INVALID."""
    before = counts()
    result = run(northshire, lead, csv_file([row(status=status)]))
    message = exchange.STATUS_INVALID.format(value=status, codes="draft, complete")
    assert_refused(result, before, (2, "status", message))


def test_empty_status_imports_as_draft(northshire, lead):
    """An empty status cell means draft."""
    assert run(northshire, lead, csv_file([row(status="")])).errors == []
    assert Review.objects.get().status == "draft"


def test_huge_cell_is_reported(northshire, lead):
    """A cell longer than 2,000 characters is CELL_TOO_LONG on its row and column."""
    before = counts()
    result = run(northshire, lead, csv_file([row(), row(learning_summary="a" * 2001)]))
    message = exchange.CELL_TOO_LONG.format(length=2001, limit=2000)
    assert problems(result) == [(3, "learning_summary", message)]
    assert_refused(result, before)


def test_summary_over_1500_characters_is_reported(northshire, lead):
    """A summary of 1,501 to 2,000 characters is refused by the form's length limit."""
    before = counts()
    result = run(northshire, lead, csv_file([row(learning_summary="a" * 1501)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "learning_summary")]
    assert_refused(result, before)


def test_one_bad_row_saves_nothing_at_all(northshire, lead):
    """Row 2 fine and row 3 wrong: no child and no review is saved."""
    ReviewFactory(child__partnership=northshire, child__reference="C-2020-001")
    before = counts()
    raw = csv_file([row(), row(child_reference="C-2024-002", child_sex="unknown")])
    result = run(northshire, lead, raw)
    assert [(e.row, e.column) for e in result.errors] == [(3, "child_sex")]
    assert_refused(result, before)


def test_every_problem_is_listed_in_row_order(northshire, lead):
    """All problems of all rows are reported together, sorted by row, numbered from the header."""
    raw = csv_file(
        [
            row(child_reference="C-1"),
            row(child_reference="C-2", child_sex="x", incident_month="2024-13"),
            row(child_reference="C-3"),
            row(child_reference="Bob"),
        ]
    )
    result = run(northshire, lead, raw)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "child_sex"),
        (3, "incident_month"),
        (5, "child_reference"),
    ]


def test_rows_are_numbered_as_in_the_file_after_a_blank_row(northshire, lead):
    """A blank row in the file still counts: an error on the row after it keeps its file number."""
    header, good, bad = csv_file([row(), row(child_reference="C-2", child_sex="x")]).splitlines()
    raw = b"\r\n".join([header, good, b"", bad]) + b"\r\n"
    result = run(northshire, lead, raw)
    assert [(e.row, e.column) for e in result.errors] == [(4, "child_sex")]


# Properties ------------------------------------------------------------------------------------


@pytest.fixture
def sample_file(northshire, lead):
    """An exported file of northshire's demo reviews, to import into eastmere."""
    seed_reviews(
        partnerships={"northshire": northshire}, leads={"northshire": lead}, today=date.today()
    )
    return exchange.export_csv(northshire)


def attempt(partnership, user, raw):
    """Import inside a rolled-back transaction; return the result and the count changes."""
    with transaction.atomic():
        before = counts()
        result = run(partnership, user, raw)
        after = counts()
        transaction.set_rollback(True)
    return result, (after[0] - before[0], after[1] - before[1])


def references(raw: bytes) -> set[str]:
    return {cells[0].lower() for cells in parse(raw)[1:]}


@HYPOTHESIS
@given(data=st.data())
def test_arbitrary_bytes_never_raise_and_save_only_without_errors(
    sample_file, eastmere, other_lead, data
):
    """Any bytes (random, or a valid file with bytes changed) are handled; no errors or no save."""
    mutated = st.tuples(
        st.integers(0, len(sample_file)), st.integers(0, 40), st.binary(max_size=40)
    ).map(lambda cut: sample_file[: cut[0]] + cut[2] + sample_file[cut[0] + cut[1] :])
    raw = data.draw(st.one_of(st.binary(max_size=2000), mutated))
    result, (children, reviews) = attempt(eastmere, other_lead, raw)
    if result.errors:
        assert (children, reviews) == (0, 0)
        assert (result.children, result.reviews) == (0, 0)
        assert all(isinstance(e.row, int) and e.row >= 0 for e in result.errors)
    else:
        assert (children, reviews) == (result.children, result.reviews)


NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.tuples(st.sampled_from(["'", *FORMULA_PREFIXES]), st.text(max_size=30)).map("".join),
    st.sampled_from(['"', '""', "\n", "\r\n", "\x00", "\x1b[31m", ",", ";", "'", "2024-13"]),
    # Characters a UTF-8 file can hold (lone surrogates cannot be written to one at all).
    st.tuples(st.characters(codec="utf-8"), st.integers(1990, 2100)).map(lambda t: t[0] * t[1]),
    st.sampled_from(["draft", "complete", "yes", "no", "not_recorded", "2023-02", "C-9"]),
)


@HYPOTHESIS
@given(data=st.data())
def test_valid_file_with_cells_replaced_imports_fully_or_saves_nothing(
    sample_file, eastmere, other_lead, data
):
    """Random cells replaced with arbitrary text: all rows saved, or errors and nothing saved."""
    rows = parse(sample_file)
    header, body = rows[0], rows[1:]
    edits = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(body) - 1), st.integers(0, len(header) - 1), NASTY_TEXT),
            min_size=1,
            max_size=6,
        )
    )
    for line, column, text in edits:
        body[line][column] = text
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    raw = buffer.getvalue().encode()
    result, (children, reviews) = attempt(eastmere, other_lead, raw)
    if result.errors:
        assert (children, reviews) == (0, 0)
    else:
        assert reviews == len(body) == result.reviews
        assert children == result.children


@HYPOTHESIS
@given(
    columns=st.lists(
        st.sampled_from([*exchange.HEADER, "child_name", "notes", "", "Status"]), unique=True
    )
)
def test_any_columns_never_raise(sample_file, eastmere, other_lead, columns):
    """Any subset and order of columns, with extras, is reported or imported, never raised."""
    rows = parse(sample_file)
    body = [dict(zip(rows[0], cells, strict=True)) for cells in rows[1:]]
    raw = csv_file([{**cells, "child_name": "x", "notes": "y"} for cells in body], header=columns)
    result, (children, reviews) = attempt(eastmere, other_lead, raw)
    if not any(columns):
        assert problems(result) == [(0, "", exchange.EMPTY)]
        return
    missing = set(exchange.HEADER) - set(columns)
    extra = [name for name in columns if name not in exchange.HEADER and name]
    if missing or extra:
        assert result.errors
        assert (children, reviews) == (0, 0)
    if missing:
        assert any("These are missing" in e.message for e in result.errors)
    if extra:
        assert any("not part of the format" in e.message for e in result.errors)
    if set(columns) == set(exchange.HEADER):
        assert result.errors == []
        assert reviews == len(body)


@HYPOTHESIS
@given(columns=st.permutations(exchange.HEADER))
def test_reordered_columns_import_fine(sample_file, eastmere, other_lead, columns):
    """Any reordering of all the columns imports every row."""
    rows = parse(sample_file)
    body = [dict(zip(rows[0], cells, strict=True)) for cells in rows[1:]]
    result, (children, reviews) = attempt(eastmere, other_lead, csv_file(body, header=columns))
    assert result.errors == []
    assert reviews == len(body)
    assert children == len(references(sample_file))


# A header far wider than the format ---------------------------------------------------


def test_a_header_of_thirty_thousand_columns_is_one_error(northshire, lead):
    """30,000 unknown columns (a 200 KB first row) are refused with one short error that says
    how many columns the file and the format have, not a list of 30,000 names."""
    header = [f"x{n}" for n in range(30_000)]
    result = run(northshire, lead, ",".join(header).encode() + b"\n")
    message = exchange.TOO_MANY_COLUMNS.format(found=30_000, expected=len(exchange.HEADER))
    assert problems(result) == [(1, "", message)]
    assert "30,000 columns" in message


def test_unknown_and_repeated_columns_list_at_most_a_few_names(northshire, lead):
    """Just under the cap, each kind of header problem is one error naming the first few
    columns and counting the rest."""
    extra = exchange.MAX_COLUMNS - len(exchange.HEADER) - 2
    header = [*exchange.HEADER, "x", "x", *(f"y{n}" for n in range(extra))]
    result = run(northshire, lead, csv_file([], header=header))
    assert [error.row for error in result.errors] == [1, 1]
    repeated, unknown = (error.message for error in result.errors)
    assert repeated == exchange.REPEATED_COLUMNS.format(columns="x")
    listed = ", ".join(["x", *(f"y{n}" for n in range(exchange.MAX_NAMES_LISTED - 1))])
    more = extra + 1 - exchange.MAX_NAMES_LISTED
    assert unknown == exchange.UNKNOWN_COLUMNS.format(
        columns=exchange.MORE_COLUMNS.format(listed=listed, more=more)
    )


# Who may import a review as complete --------------------------------------------------


def test_a_contributor_cannot_import_a_review_as_complete(northshire, contributor):
    """Only a lead completes reviews (partnerships.access.can_lead): a contributor's file with
    status complete is refused on each such row, naming the status column, and saves nothing."""
    before = counts()
    result = run(northshire, contributor, csv_file([row(), complete_row(child_reference="C-9")]))
    assert_refused(result, before, (3, "status", exchange.STATUS_LEAD_ONLY))
    assert len(result.errors) == 1
    assert "Change the status to draft" in exchange.STATUS_LEAD_ONLY


def test_a_contributor_imports_drafts_and_a_lead_imports_complete_reviews(
    northshire, contributor, lead
):
    """Drafts import for a contributor; the same complete row imports for a lead."""
    assert run(northshire, contributor, csv_file([row()])).errors == []
    assert run(northshire, lead, csv_file([complete_row(child_reference="C-9")])).errors == []
    assert set(Review.objects.values_list("status", flat=True)) == {"draft", "complete"}


# Control characters and NUL bytes -----------------------------------------------------


@pytest.mark.parametrize("character", ["\x00", "\x0c", "\x1b", "\x7f"])
def test_a_control_character_in_a_coded_cell_is_a_row_error(northshire, lead, character):
    """A control character in a cell of codes or months is refused on its row and column."""
    before = counts()
    raw = csv_file([row(), row(child_reference="C-2", child_sex=f"female{character}")])
    result = run(northshire, lead, raw)
    assert_refused(result, before, (3, "child_sex", exchange.CONTROL_CHARACTER))
    assert len(result.errors) == 1


def test_control_characters_in_free_text_are_cleaned_as_on_the_page(northshire, lead):
    """The reference and learning summary are cleaned as the record pages clean pasted text: a
    manual line break becomes a new line, a NUL byte and other control characters go."""
    raw = csv_file(
        [row(child_reference="C-2024-\x00001", learning_summary="Seen.\x0bNot asked.\x00")]
    )
    assert run(northshire, lead, raw).errors == []
    review = Review.objects.get()
    assert (review.child.reference, review.learning_summary) == ("C-2024-001", "Seen.\nNot asked.")


# A reference recorded by someone else during the import --------------------------------


def test_a_reference_recorded_during_the_import_is_a_row_error(northshire, lead, monkeypatch):
    """If another save records one of the file's references after the import checked them,
    the database refuses it and the import reports each row about that child, saving nothing."""
    ChildFactory(partnership=northshire, reference="C-2024-001")
    real = exchange._references
    calls = []

    def not_yet_recorded(partnership):
        calls.append(partnership)
        return set() if len(calls) == 1 else real(partnership)

    monkeypatch.setattr(exchange, "_references", not_yet_recorded)
    before = counts()
    raw = csv_file([row(child_reference="c-2024-001"), row(child_reference="C-2024-002")])
    result = run(northshire, lead, raw)
    message = exchange.REFERENCE_EXISTS.format(reference="c-2024-001")
    assert_refused(result, before, (2, "child_reference", message))
    assert len(result.errors) == 1
