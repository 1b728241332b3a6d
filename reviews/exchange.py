"""The CSV file format for review cases: export, template, and all-or-nothing import.

One row per review; the child's columns are repeated on each of the child's reviews.
Codes are the stored values (see the format page); months are written YYYY-MM.
Import reuses the record forms, so a file is checked exactly as the pages check input.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from partnerships import access
from partnerships.exports import csv_bytes, unsafe_cell
from partnerships.text import CONTROL_CHARACTERS, PastedTextField

from . import choices as c
from .forms import ChildForm, ReviewForm
from .models import Child, Review
from .rules import missing_dimensions

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_CELL = 2_000
# Column names listed in one header error; the rest are counted.
MAX_NAMES_LISTED = 10

NOT_UTF8 = "The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (Comma delimited)'"
NOT_CSV = "The file could not be read as CSV: {problem}"
TOO_BIG = "The file is larger than 5 MB. Split it into smaller files"
TOO_MANY_ROWS = "The file has more than 10,000 rows. Split it into smaller files"
EMPTY = "The file is empty. Use the template, which has the column names in the first row"
MISSING_COLUMNS = "These columns are missing: {columns}"
UNKNOWN_COLUMNS = "These columns are not part of the format: {columns}"
REPEATED_COLUMNS = "These columns appear more than once: {columns}"
MORE_COLUMNS = "{listed} and {more:,} more"
TOO_MANY_COLUMNS = (
    "The first row has {found:,} columns but the format has {expected}. Use the template, "
    "which has the column names in the first row"
)
CONTROL_CHARACTER = (
    "This cell contains a control character, such as a page break, that cannot be stored. Remove it"
)
STATUS_LEAD_ONLY = (
    "Only a lead can import a review as complete. Change the status column to draft: a lead "
    "can then mark the review complete on its page"
)
WRONG_CELL_COUNT = "This row has {found} cells but the header has {expected}"
CELL_TOO_LONG = "This cell is longer than 2,000 characters"
REFERENCE_EXISTS = (
    "Your partnership already has a child with the reference {reference}. Import never "
    "changes existing records: remove this row or change the record on its page"
)
CHILD_DIFFERS = (
    "The child {reference} appears on row {first} with different details. Rows about the "
    "same child must repeat the same child columns"
)
STATUS_INCOMPLETE = "The status is complete but these are not answered: {missing}"
STATUS_INVALID = "The status must be draft or complete"
SAVE_FAILED = "The file could not be saved because a value breaks a rule of the service"


@dataclass(frozen=True)
class Column:
    name: str
    form: str  # "child" or "review"
    field: str


CHILD_FIELDS = ChildForm.Meta.fields
REVIEW_FIELDS = ReviewForm.Meta.fields
MONTH_FIELDS = {"incident_month", "notification_month", "completed_month"}

COLUMNS = [
    *(Column(f"child_{f}", "child", f) for f in CHILD_FIELDS),
    *(Column(f, "review", f) for f in REVIEW_FIELDS),
    Column("status", "status", "status"),
]
HEADER = [column.name for column in COLUMNS]
KNOWN = frozenset(HEADER)
# Far more columns than the format has is not a file to report on name by name.
MAX_COLUMNS = 2 * len(HEADER)
# Columns whose form field cleans pasted control characters, as the record pages do.
CLEANED_COLUMNS = frozenset(
    column.name
    for column in COLUMNS
    if column.form != "status"
    and isinstance(
        (ChildForm if column.form == "child" else ReviewForm).base_fields[column.field],
        PastedTextField,
    )
)


def column_guide() -> list[dict]:
    """Every column with its question and allowed values, for the format page."""
    guide = []
    for column in COLUMNS:
        model = Child if column.form == "child" else Review
        field = model._meta.get_field(column.field)
        if column.field in MONTH_FIELDS:
            allowed = "A month as YYYY-MM, like 2024-03"
            if column.field == "completed_month":
                allowed += ", or empty while the review is in progress"
        elif column.field == "harm_types":
            allowed = "One or more of these codes, separated by ;"
        elif column.field == "age":
            allowed = "A whole number from 0 to 17, or empty if not recorded"
        elif column.field == "reference":
            allowed = "Up to 20 letters, digits and dashes, with at least one digit"
        elif column.field == "learning_summary":
            allowed = "Text up to 1,500 characters, with no dates or postcodes"
        else:
            allowed = "One of these codes" + ("" if field.blank is False else ", or empty")
        codes = c.HarmType.choices if column.field == "harm_types" else field.flatchoices or []
        guide.append(
            {
                "name": column.name,
                "question": str(field.verbose_name).capitalize(),
                "allowed": allowed,
                "codes": [(value, label) for value, label in codes if value != ""],
            }
        )
    return guide


def _month(value) -> str:
    return value.strftime("%Y-%m") if value else ""


def export_rows(partnership):
    """Every review of the partnership, one row each, child columns repeated."""
    reviews = (
        Review.objects.filter(partnership=partnership)
        .select_related("child")
        .order_by("child__reference", "incident_month", "pk")
    )
    for review in reviews.iterator(chunk_size=1000):
        row = []
        for column in COLUMNS:
            source = review.child if column.form == "child" else review
            value = getattr(source, column.field)
            if column.field in MONTH_FIELDS:
                value = _month(value)
            elif column.field == "harm_types":
                value = ";".join(value)
            row.append("" if value is None else value)
        yield row


def export_csv(partnership) -> bytes:
    return csv_bytes(HEADER, export_rows(partnership))


def template_csv() -> bytes:
    return csv_bytes(HEADER, [])


@dataclass
class RowError:
    row: int  # the line number in the file, header being 1
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError]
    children: int = 0
    reviews: int = 0


def _form_data(row: dict) -> tuple[dict, dict]:
    child, review = {}, {}
    for column in COLUMNS:
        value = unsafe_cell(row.get(column.name, "") or "").strip()
        if column.form == "child":
            child[column.field] = value
        elif column.form == "review":
            if column.field in MONTH_FIELDS:
                year, _, month = value.partition("-")
                if value and not (year.isdigit() and month.isdigit() and len(year) == 4):
                    review[f"{column.field}_month"] = "bad"
                    review[f"{column.field}_year"] = value
                else:
                    review[f"{column.field}_month"] = month
                    review[f"{column.field}_year"] = year
            elif column.field == "harm_types":
                review["harm_types"] = [p.strip() for p in value.split(";") if p.strip()]
            else:
                review[column.field] = value
    return child, review


def _column_for(form_name: str, field: str) -> str:
    if form_name == "child":
        return f"child_{field}"
    return field if field in REVIEW_FIELDS else "(row)"


def _read(raw: bytes) -> tuple[list[dict] | None, list[RowError]]:
    if len(raw) > MAX_BYTES:
        return None, [RowError(0, "", TOO_BIG)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [RowError(0, "", NOT_UTF8)]
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return None, [RowError(0, "", NOT_CSV.format(problem=error))]
    # Keep each line's number in the file (header is 1) while skipping blank lines.
    numbered = [
        (number, line)
        for number, line in enumerate(lines, start=1)
        if any(cell.strip() for cell in line)
    ]
    if not numbered:
        return None, [RowError(0, "", EMPTY)]
    header = [name.strip() for name in numbered[0][1]]
    errors = _header_errors(header)
    if errors:
        return None, errors
    if len(numbered) - 1 > MAX_ROWS:
        return None, [RowError(0, "", TOO_MANY_ROWS)]
    rows = []
    for number, line in numbered[1:]:
        if len(line) != len(header):
            errors.append(
                RowError(number, "", WRONG_CELL_COUNT.format(found=len(line), expected=len(header)))
            )
            continue
        row = dict(zip(header, line, strict=True))
        bad = [
            RowError(number, name, CELL_TOO_LONG)
            if len(value) > MAX_CELL
            else RowError(number, name, CONTROL_CHARACTER)
            for name, value in row.items()
            if len(value) > MAX_CELL
            or (name not in CLEANED_COLUMNS and CONTROL_CHARACTERS.search(value))
        ]
        errors += bad
        if not bad:
            rows.append((number, row))
    return rows, errors


def _names(names: list[str]) -> str:
    listed = ", ".join(names[:MAX_NAMES_LISTED])
    if len(names) <= MAX_NAMES_LISTED:
        return listed
    return MORE_COLUMNS.format(listed=listed, more=len(names) - MAX_NAMES_LISTED)


def _header_errors(header: list[str]) -> list[RowError]:
    """What is wrong with the first row, each kind of problem once, in time linear in its size."""
    if len(header) > MAX_COLUMNS:
        return [RowError(1, "", TOO_MANY_COLUMNS.format(found=len(header), expected=len(HEADER)))]
    counts = Counter(header)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    missing = [name for name in HEADER if name not in counts]
    unknown = [name for name in counts if name not in KNOWN]
    errors = []
    if repeated:
        errors.append(RowError(1, "", REPEATED_COLUMNS.format(columns=_names(repeated))))
    if missing:
        errors.append(RowError(1, "", MISSING_COLUMNS.format(columns=_names(missing))))
    if unknown:
        errors.append(RowError(1, "", UNKNOWN_COLUMNS.format(columns=_names(unknown))))
    return errors


def _rebind(form, data):
    """Validate new data with an existing form: building a form per row (deep copies of
    every field) was most of the cost of a large import. The fields keep no row state."""
    form.data, form.is_bound, form._errors = data, True, None
    form.cleaned_data = {}


def import_csv(*, partnership, raw: bytes, by, dry_run: bool = False) -> ImportResult:
    """Check a whole file and, only if every row is right, save every row in one transaction."""
    rows, errors = _read(raw)
    if rows is None:
        return ImportResult(errors=errors)
    existing_lower = _references(partnership)
    may_complete = access.can_lead(access.role_in(by, partnership))
    children: dict[str, tuple[int, dict, Child]] = {}
    reviews: list[tuple[str, Review]] = []
    rows_about: dict[str, list[int]] = {}
    child_form, review_form = ChildForm(), ReviewForm()
    for number, row in rows:
        child_data, review_data = _form_data(row)
        _rebind(child_form, child_data)
        _rebind(review_form, review_data)
        for form_name, form in (("child", child_form), ("review", review_form)):
            if not form.is_valid():
                for field, messages in form.errors.items():
                    errors += [RowError(number, _column_for(form_name, field), m) for m in messages]
        status = (row.get("status") or "").strip() or c.Status.DRAFT
        if status not in c.Status.values:
            errors.append(RowError(number, "status", STATUS_INVALID))
        elif status == c.Status.COMPLETE and not may_complete:
            errors.append(RowError(number, "status", STATUS_LEAD_ONLY))
        if not (child_form.is_valid() and review_form.is_valid()):
            continue
        reference = child_form.cleaned_data["reference"]
        if reference.lower() in existing_lower:
            errors.append(
                RowError(number, "child_reference", REFERENCE_EXISTS.format(reference=reference))
            )
            continue
        key = reference.lower()
        if key in children:
            first, first_data, child = children[key]
            if first_data != child_form.cleaned_data:
                errors.append(
                    RowError(
                        number,
                        "child_reference",
                        CHILD_DIFFERS.format(reference=reference, first=first),
                    )
                )
                continue
        else:
            child = Child(partnership=partnership, created_by=by, **child_form.cleaned_data)
            children[key] = (number, child_form.cleaned_data, child)
        review = Review(partnership=partnership, child=child, **review_form.cleaned_data)
        review.status = status
        if status == c.Status.COMPLETE:
            missing = missing_dimensions(review)
            if missing:
                names = ", ".join(question for _, question in missing)
                errors.append(RowError(number, "status", STATUS_INCOMPLETE.format(missing=names)))
                continue
        reviews.append((key, review))
        rows_about.setdefault(key, []).append(number)
    if errors or dry_run:
        return ImportResult(errors=_in_order(errors))
    try:
        return _save_all(partnership, children, reviews, by)
    except IntegrityError:
        # The checks above mirror every database constraint, but another import or page can
        # record one of these references between the check and the save.
        taken = _references(partnership)
        errors = [
            RowError(number, "child_reference", REFERENCE_EXISTS.format(reference=reference))
            for key, (_, data, _) in children.items()
            if key in taken
            for reference in [data["reference"]]
            for number in rows_about[key]
        ]
        return ImportResult(errors=_in_order(errors) or [RowError(0, "", SAVE_FAILED)])


def _in_order(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row, e.column))


def _references(partnership) -> set[str]:
    """The partnership's child references, in lower case."""
    references = Child.objects.filter(partnership=partnership).values_list("reference", flat=True)
    return {reference.lower() for reference in references}


@transaction.atomic
def _save_all(partnership, children, reviews, by) -> ImportResult:
    saved_children = bulk_create_with_history(
        [child for _, _, child in children.values()], Child, default_user=by
    )
    by_reference = {child.reference.lower(): child for child in saved_children}
    if any(child.pk is None for child in saved_children):
        # Databases that do not return keys from bulk inserts: look them up.
        by_reference = {
            child.reference.lower(): child
            for child in Child.objects.filter(
                partnership=partnership, reference__in=[c_.reference for c_ in saved_children]
            )
        }
    for key, review in reviews:
        review.child = by_reference[key]
    bulk_create_with_history([review for _, review in reviews], Review, default_user=by)
    return ImportResult(errors=[], children=len(children), reviews=len(reviews))
