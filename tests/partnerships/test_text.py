"""Tests for cleaning pasted free text."""

from partnerships.text import PastedTextField, without_control_characters


def test_manual_line_and_page_breaks_become_new_lines():
    """Word's vertical tab and form feed are kept as line breaks, so no wording runs together."""
    assert without_control_characters("one\x0btwo\x0cthree") == "one\ntwo\nthree"


def test_other_control_characters_are_dropped_and_ordinary_text_kept():
    """NUL, escape and DEL go; tabs, new lines and non-ASCII letters stay as typed."""
    text = "caf\u00e9\tnote\r\nline\x00\x1b\x7f end"
    assert without_control_characters(text) == "caf\u00e9\tnote\r\nline end"


def test_field_cleans_before_validating_length_and_nul():
    """A pasted NUL is removed rather than refused, and length counts the cleaned text."""
    field = PastedTextField(max_length=5)
    assert field.clean("ab\x00\x00\x00cd") == "abcd"


def test_characters_xml_refuses_are_dropped():
    """The noncharacters U+FFFE and U+FFFF and a lone surrogate go, since a spreadsheet
    holding them cannot be opened; ordinary letters, emoji and U+FFFD stay."""
    text = "ev \ufffe x\uffff\ud800 caf\u00e9 \U0001f600 \ufffd"
    assert without_control_characters(text) == "ev  x caf\u00e9 \U0001f600 \ufffd"


def test_field_drops_noncharacters():
    """Pasted evidence holding U+FFFE is stored without it."""
    assert PastedTextField().clean("ev \ufffe x") == "ev  x"
