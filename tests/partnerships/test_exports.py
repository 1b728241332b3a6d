"""CSV and XLSX exports write any stored text: control characters are dropped (or become new
lines) before a cell is written, and never hide a formula from the formula guard."""

import csv
import io

import pytest
from openpyxl import load_workbook

from partnerships.exports import csv_bytes, csv_sections, safe_cell, unsafe_cell, xlsx_bytes

# Control characters, and what XML 1.0 refuses: noncharacters and a lone surrogate.
CONTROL = ["\x0b", "\x00", "\x1b", "\x0c", "\x07", "\x7f", "\ufffe", "\uffff", "\ud800"]


def sheets(value):
    return {"Items": (["Text", "Number"], [[value, 3]])}


@pytest.mark.parametrize("character", CONTROL)
def test_xlsx_writes_text_with_a_control_character(character):
    """A cell holding a control character no longer makes the workbook fail; it is gone."""
    book = load_workbook(io.BytesIO(xlsx_bytes(sheets(f"Before{character}after"))))
    text, number = list(book["Items"].iter_rows(values_only=True))[1]
    assert character not in text
    assert text.replace("\n", "") == "Beforeafter"
    assert number == 3


@pytest.mark.parametrize("character", CONTROL)
def test_csv_writes_text_without_control_characters(character):
    """Both CSV writers leave control characters out too."""
    for raw in (csv_bytes(["Text"], [[f"A{character}B"]]), csv_sections(sheets(f"A{character}B"))):
        decoded = raw.decode("utf-8-sig")
        assert character not in decoded
        assert any("A" in cell for row in csv.reader(io.StringIO(decoded)) for cell in row)


def test_word_line_and_page_breaks_become_new_lines():
    """A vertical tab (Word's manual line break) and a form feed become new lines."""
    assert safe_cell("One\x0bTwo\x0cThree") == "One\nTwo\nThree"


@pytest.mark.parametrize("hidden", ["\x00=SUM(A1)", "\x1b+1", "\x07@cmd"])
def test_a_control_character_cannot_hide_a_formula(hidden):
    """Cleaning happens before the formula guard, so a formula behind a control character is
    still written as text."""
    cleaned = safe_cell(hidden)
    assert cleaned.startswith("'")
    assert unsafe_cell(cleaned) == hidden.lstrip("\x00\x1b\x07")


def test_numbers_and_plain_text_pass_unchanged():
    """Only text is cleaned; numbers, None and ordinary text with tabs and new lines stay."""
    assert safe_cell(3) == 3
    assert safe_cell(None) is None
    assert safe_cell("Line one\nline two\tend") == "Line one\nline two\tend"
