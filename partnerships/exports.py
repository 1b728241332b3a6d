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


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """An XLSX workbook with one sheet per entry, header row bold, every cell made safe."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
