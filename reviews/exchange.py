"""The CSV file format for review cases: export, template, and all-or-nothing import.

One row per review; the child's columns are repeated on each of the child's reviews.
Codes are the stored values (see the format page); months are written YYYY-MM.
Import reuses the record forms, so a file is checked exactly as the pages check input.
"""

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.template.defaultfilters import filesizeformat, pluralize
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from partnerships import access
from partnerships.exports import csv_bytes, unsafe_cell
from partnerships.text import CONTROL_CHARACTERS, PastedTextField

from . import choices as c
from . import dimensions
from .forms import ChildForm, ReviewForm
from .models import Child, Review
from .rules import missing_dimensions

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_CELL = 2_000
# Column names listed in one header error; the rest are counted.
MAX_NAMES_LISTED = 10
# A cell's value is quoted in its message up to this many characters.
MAX_QUOTED = 40
# Problems the error summary links to, and rows of the table of problems; the rest are counted.
MAX_SUMMARY = 10
MAX_TABLE = 500

# Whole-file problems (row 0), shown at the file input: what is wrong and what is expected.
SAVE_AS_CSV = "In Excel, use Save as and choose 'CSV UTF-8 (Comma delimited)'"
NOT_A_CSV = "{name} is not a CSV file. Upload a file whose name ends in .csv. " + SAVE_AS_CSV
WORKBOOK = "The file is a spreadsheet workbook, not a CSV file. " + SAVE_AS_CSV
NOT_UTF8 = "The file is not UTF-8 text. " + SAVE_AS_CSV
NOT_CSV = "The file could not be read as CSV ({problem}). " + SAVE_AS_CSV
TOO_BIG = (
    "The file is {size}, larger than the {limit} a file can be. Split it into smaller files, "
    "each with the column names in its first row"
)
TOO_MANY_ROWS = (
    "The file has {rows:,} rows of reviews, more than the {limit:,} a file can have. Split it "
    "into smaller files, each with the column names in its first row"
)
EMPTY = (
    "The file is empty. It needs the column names in its first row, as in the template, then "
    "one row per review"
)
SAVE_FAILED = "The file could not be saved because a value breaks a rule of the service"
# Problems with the first row, the column names (row 1), also shown at the file input.
MISSING_COLUMNS = (
    "The first row must name every column of the format. These are missing: {columns}. "
    "The template has them all"
)
UNKNOWN_COLUMNS = (
    "The first row names columns that are not part of the format: {columns}. Remove them, or "
    "spell them as the format page does"
)
REPEATED_COLUMNS = "The first row names these columns more than once: {columns}. Keep one of each"
MORE_COLUMNS = "{listed} and {more:,} more"
TOO_MANY_COLUMNS = (
    "The first row has {found:,} columns but the format has {expected}. Use the template, "
    "which has the column names in the first row"
)
# What the file input says when rows are wrong; the rows' problems are listed in a table.
ROWS_HAVE_PROBLEMS = (
    "{rows:,} row{s} of {name} {have} problems, listed below. Fix them, then upload the whole "
    "file again"
)

# Problems in a row (row 2 onwards), shown as "Row 4, child_sex: <message>".
WRONG_CELL_COUNT = (
    "This row has {found} cells but the first row names {expected} columns. A cell that holds "
    "a comma must be inside double quotes"
)
CELL_TOO_LONG = "This cell has {length:,} characters. A cell can have up to {limit:,}"
CONTROL_CHARACTER = (
    "This cell contains a control character, such as a page break, that cannot be stored. Remove it"
)
NOT_A_CODE = '"{value}" is not a code this column can use. Use one of: {codes}'
NOT_A_CODE_OR_EMPTY = (
    '"{value}" is not a code this column can use. Use one of: {codes}, or leave the cell empty'
)
NOT_A_HARM_TYPE = (
    '"{value}" is not a code this column can use. Use one or more of: {codes}, separated by ;'
)
CODE_MISSING = "This cell is empty. Use one of: {codes}"
MONTH_MISSING = "This cell is empty. Write the {label} as YYYY-MM, like 2024-03"
MONTH_NOT_YYYY_MM = '"{value}" is not a month written YYYY-MM, like 2024-03'
MONTH_IN_FUTURE = '"{value}" is after this month. The {label} must be this month or earlier'
MONTH_NOT_REAL = '"{value}" is not a real month. The month after the dash is 01 to 12, like 2024-03'
AGE_INVALID = (
    '"{value}" is not an age this column can use. Write a whole number from 0 to 17, or leave '
    "the cell empty if the age is not recorded"
)
REFERENCE_MISSING = (
    "This cell is empty. Write the child's reference: up to 20 letters, digits and dashes, "
    "with at least one digit, like C-2024-007"
)
REFERENCE_INVALID = (
    '"{value}" is not a reference this column can use. Write up to 20 letters, digits and '
    "dashes, with at least one digit, like C-2024-007"
)
SUMMARY_TOO_LONG = (
    "This cell has {length:,} characters. A learning summary can have up to {limit:,}"
)
SUMMARY_HAS_DATE = (
    "The learning summary contains what looks like a full date, such as a date of birth. "
    "Remove it: the file records months only, in the month columns"
)
ONLY_WHEN = (
    "Leave this cell empty, or change {depends}: this question is answered only when "
    "{condition} ({depends} is {values})"
)
STATUS_INVALID = (
    '"{value}" is not a status this column can use. Use one of: {codes}, or leave the cell '
    "empty for a draft"
)
STATUS_LEAD_ONLY = (
    "Only a lead can import a review as complete. Change the status to draft: a lead "
    "can then mark the review complete on its page"
)
STATUS_INCOMPLETE = (
    "The status is complete but these columns are empty: {missing}. Fill them in, or change "
    "the status to draft"
)
REFERENCE_EXISTS = (
    "Your partnership already has a child with the reference {reference}. Import never "
    "changes existing records: remove this row or change the record on its page"
)
CHILD_DIFFERS = (
    "The child {reference} appears on row {first} with different details in {columns}. Rows "
    "about the same child must repeat the same child columns"
)
SUMMARY_TITLE = "Nothing was imported: {count:,} problem{s} in {name}"
# The error summary's last line when it lists only the first problems.
MORE_PROBLEMS = "{more:,} more problem{s} in the table below"
NOT_ALL_SHOWN = (
    "The table shows the first {shown:,} problems; {more:,} more are not shown. Fix these, then "
    "import the file again to see the rest"
)


@dataclass(frozen=True)
class Column:
    name: str
    form: str  # "child" or "review"
    field: str


CHILD_FIELDS = ChildForm.Meta.fields
REVIEW_FIELDS = ReviewForm.Meta.fields
MONTH_FIELDS = {"incident_month", "notification_month", "completed_month"}
# {question: (the question it depends on, the values that ask it, the condition in words)}
DEPENDENT = dimensions.dependent_questions()

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
    row: int  # the line number in the file: 0 the whole file, 1 the column names
    column: str  # the column's name in the first row, or "" for a whole row or file
    message: str  # what is wrong and what the file may hold instead

    @property
    def about_file(self) -> bool:
        """A problem with the whole file or its first row, shown at the file input."""
        return self.row <= 1

    @property
    def text(self) -> str:
        """The message naming its row and column, as the error summary lists it."""
        if self.about_file:
            return self.message
        if self.column:
            return f"Row {self.row}, {self.column}: {self.message}"
        return f"Row {self.row}: {self.message}"


@dataclass
class ImportResult:
    errors: list[RowError]
    children: int = 0
    reviews: int = 0


def _form_data(row: dict) -> tuple[dict, dict]:
    child, review = {}, {}
    for column in COLUMNS:
        value = _cell(row, column.name)
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


def _cell(row: dict, name: str) -> str:
    return unsafe_cell(row.get(name, "") or "").strip()


BY_FIELD = {(column.form, column.field): column for column in COLUMNS}


def _quoted(value: str) -> str:
    """A cell's value as a message quotes it: long values are cut short."""
    return value if len(value) <= MAX_QUOTED else value[: MAX_QUOTED - 1] + "\u2026"


def _codes(form, field: str) -> list[str]:
    """The codes a column may hold: the values of the form field's declared choices."""
    choices = getattr(form.fields[field], "choices", None) or []
    return [str(value) for value, _ in choices if value != ""]


def _or(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _row_message(form, column: Column, row: dict, error: ValidationError) -> str:
    """The service's words for a form's error about one cell of a file: what the cell holds,
    and what it may hold instead, derived from the declared choices and rules."""
    field, value, code = column.field, _cell(row, column.name), error.code
    params = error.params or {}
    if field in MONTH_FIELDS:
        if not value:
            return MONTH_MISSING.format(label=field.replace("_", " "))
        if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", value):
            return MONTH_NOT_YYYY_MM.format(value=_quoted(value))
        year, _, month = value.partition("-")
        if not (1 <= int(month) <= 12 and int(year) >= 1):
            return MONTH_NOT_REAL.format(value=_quoted(value))
        if date(int(year), int(month), 1) > date.today().replace(day=1):
            return MONTH_IN_FUTURE.format(value=value, label=field.replace("_", " "))
    elif code == "invalid_choice":
        codes = ", ".join(_codes(form, field))
        bad = _quoted(str(params.get("value", value)))
        if field == "harm_types":
            return NOT_A_HARM_TYPE.format(value=bad, codes=codes)
        template = NOT_A_CODE if form.fields[field].required else NOT_A_CODE_OR_EMPTY
        return template.format(value=bad, codes=codes)
    elif code == "required" and field == "reference":
        return REFERENCE_MISSING
    elif code == "required" and _codes(form, field):
        return CODE_MISSING.format(codes=", ".join(_codes(form, field)))
    elif field == "age":
        return AGE_INVALID.format(value=_quoted(value))
    elif code == "reference_format":
        return REFERENCE_INVALID.format(value=_quoted(value))
    elif code == "max_length" and field == "learning_summary":
        return SUMMARY_TOO_LONG.format(length=len(value), limit=params["limit_value"])
    elif code == "summary_date":
        return SUMMARY_HAS_DATE
    elif field in DEPENDENT and value:
        depends, values, condition = DEPENDENT[field]
        asking = dimensions.dimension(depends)
        depends_column = BY_FIELD[(asking.on, depends)].name
        if _cell(row, depends_column) not in values:
            asked = [code_ for code_ in asking.values if code_ in values]
            return ONLY_WHEN.format(depends=depends_column, condition=condition, values=_or(asked))
    return " ".join(error.messages)


def _form_errors(number: int, form_name: str, form, row: dict) -> list[RowError]:
    errors = []
    for field, field_errors in form.errors.as_data().items():
        column = BY_FIELD.get((form_name, field))
        for error in field_errors:
            if column is None:  # an error about the whole row
                errors.append(RowError(number, "", " ".join(error.messages)))
            else:
                errors.append(RowError(number, column.name, _row_message(form, column, row, error)))
    return errors


def check_upload(name: str, size: int) -> list[RowError]:
    """What is wrong with an uploaded file before it is read: its type by name, its size."""
    if not name.lower().endswith(".csv"):
        return [RowError(0, "", NOT_A_CSV.format(name=name))]
    if size > MAX_BYTES:
        return [RowError(0, "", too_big(size))]
    return []


def too_big(size: int) -> str:
    """TOO_BIG for a file of `size` bytes."""
    return TOO_BIG.format(size=filesizeformat(size), limit=filesizeformat(MAX_BYTES))


# The first bytes of an XLSX (a zip) and of an older XLS workbook.
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _lines(text: str):
    """(line number in the file, cells) of each line with something in it, read as needed:
    a file is parsed as it is checked, never held as a list of rows."""
    for number, line in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if any(cell.strip() for cell in line):
            yield number, line


def _read(raw: bytes):
    """(rows, errors): the rows a generator of (line number, {column: cell}) for the rows
    whose cells can be read, adding each unreadable row's problems to `errors` as it goes;
    or (None, errors) when the file as a whole cannot be read. One first pass counts the
    rows (and finds any CSV error anywhere) without keeping them."""
    if len(raw) > MAX_BYTES:
        return None, [RowError(0, "", too_big(len(raw)))]
    if raw.startswith(WORKBOOK_SIGNATURES):
        return None, [RowError(0, "", WORKBOOK)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [RowError(0, "", NOT_UTF8)]
    header, count = None, 0
    try:
        for _number, line in _lines(text):
            if header is None:
                header = [name.strip() for name in line]
            else:
                count += 1
    except csv.Error as error:
        return None, [RowError(0, "", NOT_CSV.format(problem=error))]
    if header is None:
        return None, [RowError(0, "", EMPTY)]
    errors = _header_errors(header)
    if errors:
        return None, errors
    if count > MAX_ROWS:
        return None, [RowError(0, "", TOO_MANY_ROWS.format(rows=count, limit=MAX_ROWS))]
    # Most files hold no control character at all: then no cell needs looking at for one.
    any_control = CONTROL_CHARACTERS.search(text) is not None
    return _rows(text, header, errors, any_control), errors


def _rows(text: str, header: list[str], errors: list, any_control: bool):
    lines = _lines(text)
    next(lines)  # the column names
    for number, line in lines:
        if len(line) != len(header):
            errors.append(
                RowError(number, "", WRONG_CELL_COUNT.format(found=len(line), expected=len(header)))
            )
            continue
        row = dict(zip(header, line, strict=True))
        bad = [
            RowError(number, name, CELL_TOO_LONG.format(length=len(value), limit=MAX_CELL))
            if len(value) > MAX_CELL
            else RowError(number, name, CONTROL_CHARACTER)
            for name, value in row.items()
            if len(value) > MAX_CELL
            or (any_control and name not in CLEANED_COLUMNS and CONTROL_CHARACTERS.search(value))
        ]
        errors += bad
        if not bad:
            yield number, row


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


class _Remembered:
    """A form field's clean() remembering what each value it was given cleaned to (or the
    error it raised): a file repeats the same few codes and months thousands of times, and
    a field's cleaning depends on the value alone. Only fields of codes, months and ages."""

    def __init__(self, clean):
        self.clean, self.seen = clean, {}

    def __call__(self, value):
        key = tuple(value) if isinstance(value, list) else value
        try:
            found = self.seen[key]
        except KeyError:
            try:
                found = (True, self.clean(value))
            except ValidationError as error:
                found = (False, error)
            except TypeError:  # an unhashable value: clean it every time
                return self.clean(value)
            self.seen[key] = found
        cleaned, result = found
        if not cleaned:
            raise result
        return list(result) if isinstance(result, list) else result


REMEMBERED_FIELDS = (forms.ChoiceField, forms.MultiValueField, forms.IntegerField)


def _remembering(form):
    """The form, its code, month and age fields remembering their cleaned values."""
    for field in form.fields.values():
        if isinstance(field, REMEMBERED_FIELDS):
            field.clean = _Remembered(field.clean)
    return form


def _rebind(form, data):
    """Validate new data with an existing form: building a form per row (deep copies of
    every field) was most of the cost of a large import. The fields keep no row state."""
    form.data, form.is_bound, form._errors = data, True, None
    form.cleaned_data = {}


def import_csv(*, partnership, raw: bytes, by, dry_run: bool = False) -> ImportResult:
    """Check a whole file and, only if every row is right, save every row in one transaction.

    The file is read row by row; each row's cleaned answers are kept as a tuple (the
    children's once per child), not as model objects, until the save writes them."""
    rows, errors = _read(raw)
    if rows is None:
        return ImportResult(errors=errors)
    existing_lower = _references(partnership)
    may_complete = access.can_lead(access.role_in(by, partnership))
    # {reference in lower case: (its first row, its answers in CHILD_FIELDS order)}
    children: dict[str, tuple[int, tuple]] = {}
    # (reference in lower case, the review's answers in REVIEW_FIELDS order, its status)
    reviews: list[tuple[str, tuple, str]] = []
    rows_about: dict[str, list[int]] = {}
    child_form = _remembering(ChildForm())
    review_form = _remembering(ReviewForm())
    for number, row in rows:
        child_data, review_data = _form_data(row)
        _rebind(child_form, child_data)
        _rebind(review_form, review_data)
        for form_name, form in (("child", child_form), ("review", review_form)):
            if not form.is_valid():
                errors += _form_errors(number, form_name, form, row)
        status = (row.get("status") or "").strip() or c.Status.DRAFT
        if status not in c.Status.values:
            codes = ", ".join(c.Status.values)
            message = STATUS_INVALID.format(value=_quoted(status), codes=codes)
            errors.append(RowError(number, "status", message))
        elif status == c.Status.COMPLETE and not may_complete:
            errors.append(RowError(number, "status", STATUS_LEAD_ONLY))
        if not (child_form.is_valid() and review_form.is_valid()):
            continue
        child_answers = tuple(child_form.cleaned_data[name] for name in CHILD_FIELDS)
        reference = child_form.cleaned_data["reference"]
        if reference.lower() in existing_lower:
            errors.append(
                RowError(number, "child_reference", REFERENCE_EXISTS.format(reference=reference))
            )
            continue
        key = reference.lower()
        if key in children:
            first, first_answers = children[key]
            if first_answers != child_answers:
                pairs = zip(CHILD_FIELDS, first_answers, child_answers, strict=True)
                differ = [BY_FIELD[("child", name)].name for name, a, b in pairs if a != b]
                message = CHILD_DIFFERS.format(
                    reference=reference, first=first, columns=", ".join(differ)
                )
                errors.append(RowError(number, "child_reference", message))
                continue
        else:
            children[key] = (number, child_answers)
        if status == c.Status.COMPLETE:
            missing = missing_dimensions(SimpleNamespace(**review_form.cleaned_data))
            if missing:
                names = ", ".join(BY_FIELD[("review", name)].name for name, _ in missing)
                errors.append(RowError(number, "status", STATUS_INCOMPLETE.format(missing=names)))
                continue
        reviews.append(
            (key, tuple(review_form.cleaned_data[name] for name in REVIEW_FIELDS), status)
        )
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
            RowError(number, "child_reference", REFERENCE_EXISTS.format(reference=answers[0]))
            for key, (_, answers) in children.items()
            if key in taken
            for number in rows_about[key]
        ]
        return ImportResult(errors=_in_order(errors) or [RowError(0, "", SAVE_FAILED)])


@dataclass
class Problems:
    """A refused file's problems as the import page shows them.

    Problems with the whole file or its first row are shown at the file input and the error
    summary links there. Problems in rows are listed in a table, whose first line for each row
    of the file has the id row-<number>; the error summary links each of the first few there.
    """

    errors: list[RowError]
    name: str = "the file"
    file_id: str = "id_file"
    table_id: str = "import-errors"

    @property
    def about_file(self) -> bool:
        return all(error.about_file for error in self.errors)

    @property
    def rows(self) -> int:
        """How many rows of the file have problems."""
        return len({error.row for error in self.errors if not error.about_file})

    def title(self) -> str:
        count = len(self.errors)
        return SUMMARY_TITLE.format(count=count, s=pluralize(count), name=self.name)

    def at_input(self) -> list[str]:
        """What the file input says."""
        if self.about_file:
            return [error.message for error in self.errors]
        rows = self.rows
        have = "has" if rows == 1 else "have"
        return [ROWS_HAVE_PROBLEMS.format(rows=rows, s=pluralize(rows), name=self.name, have=have)]

    def summary(self) -> list[tuple[str, str]]:
        """(id to link to, message) for the error summary, the first MAX_SUMMARY of them."""
        if self.about_file:
            return [(self.file_id, error.message) for error in self.errors]
        listed = [(f"row-{error.row}", error.text) for error in self.errors[:MAX_SUMMARY]]
        more = len(self.errors) - MAX_SUMMARY
        if more > 0:
            listed.append((self.table_id, MORE_PROBLEMS.format(more=more, s=pluralize(more))))
        return listed

    def table(self) -> list[tuple[str, RowError]]:
        """(id, problem) for the table, the first MAX_TABLE of them: each row's first problem
        has the id the error summary links to, the others none."""
        if self.about_file:
            return []
        lines, seen = [], set()
        for error in self.errors[:MAX_TABLE]:
            lines.append(("" if error.row in seen else f"row-{error.row}", error))
            seen.add(error.row)
        return lines

    def not_shown(self) -> str:
        """What the table leaves out, in words, or nothing."""
        more = len(self.errors) - MAX_TABLE
        if self.about_file or more <= 0:
            return ""
        return NOT_ALL_SHOWN.format(shown=MAX_TABLE, more=more)


def _in_order(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row, e.column))


def _references(partnership) -> set[str]:
    """The partnership's child references, in lower case."""
    references = Child.objects.filter(partnership=partnership).values_list("reference", flat=True)
    return {reference.lower() for reference in references}


# Rows written per batch where the database cannot copy them in (SQLite, in development).
SAVE_BATCH = 1000


@transaction.atomic
def _save_all(partnership, children, reviews, by) -> ImportResult:
    """Save the checked children and reviews with their history records ("+", by the
    person importing), all or nothing."""
    now = timezone.now()
    child_rows = (
        {
            **dict(zip(CHILD_FIELDS, answers, strict=True)),
            "partnership_id": partnership.pk,
            "created_by_id": by.pk if by else None,
            "created_at": now,
        }
        for _, answers in children.values()
    )
    saved = _insert(Child, child_rows, len(children), by, now)
    child_ids = dict(zip(children, saved, strict=True))
    review_rows = (
        {
            **dict(zip(REVIEW_FIELDS, answers, strict=True)),
            "status": status,
            "partnership_id": partnership.pk,
            "child_id": child_ids[key],
            "created_at": now,
            "updated_at": now,
        }
        for key, answers, status in reviews
    )
    _insert(Review, review_rows, len(reviews), by, now)
    return ImportResult(errors=[], children=len(children), reviews=len(reviews))


def _insert(model, rows, count: int, by, now) -> list[int]:
    """Insert `count` new records of the model from dicts of their values by attribute
    name (the rest take their defaults), each with its history record; their ids, in order.

    On PostgreSQL the ids are drawn from the table's sequence first and the records and
    their history are copied in (COPY), with no model object made; elsewhere they are
    created in batches with django-simple-history's bulk_create_with_history."""
    if connection.vendor != "postgresql":
        return _insert_in_batches(model, rows, by, now)
    history = model.history.model
    fields = model._meta.concrete_fields
    tracked = [f for f in history._meta.concrete_fields if f.attname in _attnames(model)]
    history_extra = {
        "history_date": now,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": by.pk if by else None,
    }
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        main_sql = _copy_sql(model._meta.db_table, [f.column for f in fields])
        history_columns = [f.column for f in tracked] + list(history_extra)
        history_sql = _copy_sql(history._meta.db_table, history_columns)
        kept = []  # the history rows, copied once the records are in
        with cursor.cursor.copy(main_sql) as copy:
            for pk, values in zip(ids, rows, strict=True):
                values = {**values, model._meta.pk.attname: pk}
                record = [_db_value(field, values) for field in fields]
                copy.write_row(record)
                by_name = dict(zip((f.attname for f in fields), record, strict=True))
                kept.append([by_name[f.attname] for f in tracked])
        with cursor.cursor.copy(history_sql) as copy:
            extra = list(history_extra.values())
            for record in kept:
                copy.write_row(record + extra)
    return ids


def _attnames(model) -> set[str]:
    return {field.attname for field in model._meta.concrete_fields}


def _copy_sql(table: str, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"


def _db_value(field, values: dict):
    """A field's value as COPY writes it: its default when not given, JSON as text."""
    value = values[field.attname] if field.attname in values else field.get_default()
    if isinstance(field, JSONField):
        return json.dumps(value)
    return value


def _insert_in_batches(model, rows, by, now) -> list[int]:
    ids = []
    batch = []
    for values in rows:
        batch.append(model(**values))
        if len(batch) == SAVE_BATCH:
            ids += _create_batch(model, batch, by, now)
            batch = []
    if batch:
        ids += _create_batch(model, batch, by, now)
    return ids


def _create_batch(model, batch, by, now) -> list[int]:
    saved = bulk_create_with_history(batch, model, default_user=by, default_date=now)
    if any(record.pk is None for record in saved):
        raise RuntimeError("The database returned no ids from a bulk insert")
    return [record.pk for record in saved]
