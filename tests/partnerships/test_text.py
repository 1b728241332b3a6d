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
