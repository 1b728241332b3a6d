"""Helpers shared by every CSV and XLSX export."""

import csv
import io

from .text import without_control_characters

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text a spreadsheet will show as text: formula-looking strings get a leading apostrophe.

    Control characters are taken out first (a spreadsheet refuses them, and text stored
    before forms cleaned pasted text may hold them), so none can hide a formula's first
    character. Text that already starts with an apostrophe gets one too, so that
    `unsafe_cell` can always take exactly one off again and a round trip changes nothing.
    """
    if not isinstance(value, str):
        return value
    value = without_control_characters(value)
    if value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """Undo `safe_cell` on a cell read back from one of our own exports."""
    if value.startswith("'") and value[1:].startswith((*FORMULA_PREFIXES, "'")):
        return value[1:]
    return value


def csv_bytes(header: list[str], rows) -> bytes:
    """A UTF-8 CSV (with BOM, so Excel reads it as UTF-8) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_sections(sheets: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """Several tables in one UTF-8 CSV: each under a line with its title, a blank line between.

    The same tables as `xlsx_bytes` makes sheets of, for people who need a single CSV file.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, (title, (header, rows)) in enumerate(sheets.items()):
        if index:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Column widths in characters: from the longest line in the column, within these bounds.
# Text longer than the widest column wraps, top-aligned, so long evidence stays readable.
MIN_WIDTH = 10
MAX_WIDTH = 60
# Characters added to the longest line, for the cell's padding and the filter button.
WIDTH_PADDING = 3


def _longest_line(value) -> int:
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)


def _is_table(header: list) -> bool:
    """A sheet whose first row names every column is a table: it gets a filter."""
    return bool(header) and all(str(name or "").strip() for name in header)


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """An XLSX workbook with one sheet per entry, every cell made safe, laid out to read:
    the header row bold and frozen, each column as wide as its longest line (MIN_WIDTH to
    MAX_WIDTH characters) with longer text wrapped, and a filter on the header of a table.

    Every download of the service (audit reports, dashboards, the Panel's tables) is written
    here, so each gets the same layout.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, top = Font(bold=True), Alignment(vertical="top")
    wrapped = Alignment(wrap_text=True, vertical="top")
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        longest = [_longest_line(name) for name in header]
        multiline = [False] * len(header)
        count = 0
        for row in rows:
            cells = [safe_cell(value) for value in row]
            sheet.append(cells)
            count += 1
            for index, value in enumerate(cells):
                if index == len(longest):
                    longest.append(0)
                    multiline.append(False)
                longest[index] = max(longest[index], _longest_line(value))
                multiline[index] = multiline[index] or (isinstance(value, str) and "\n" in value)
        wrap = set()
        for index, length in enumerate(longest, start=1):
            width = length + WIDTH_PADDING
            sheet.column_dimensions[get_column_letter(index)].width = min(
                max(width, MIN_WIDTH), MAX_WIDTH
            )
            if width > MAX_WIDTH or multiline[index - 1]:
                wrap.add(index)
        if wrap:
            # Wrapped text makes a row tall: align every cell of it to the top to read across.
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    cell.alignment = wrapped if cell.column in wrap else top
        sheet.freeze_panes = "A2"
        if count and _is_table(header):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
