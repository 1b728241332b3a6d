"""Text as people paste it from word processors and emails.

Word and Outlook put control characters into copied text: a vertical tab for a manual line
break, a form feed for a page break, and now and then others. Nothing shows them on screen,
but a spreadsheet refuses them (as it does the noncharacters U+FFFE and U+FFFF) and
PostgreSQL refuses NUL. Free text is cleaned once, when a
form takes it in, so what is stored is what the person saw: breaks become new lines and the
rest are dropped.
"""

import re

from django import forms

# Tab, new line and carriage return are ordinary text; every other C0 character and DEL is not.
# Nor is anything XML 1.0 refuses, which makes a spreadsheet unreadable: lone surrogates and
# the noncharacters U+FFFE and U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n"}


def without_control_characters(value: str) -> str:
    """The text with manual line and page breaks as new lines and other control characters gone."""
    return CONTROL_CHARACTERS.sub(lambda match: LINE_BREAKS.get(match.group(), ""), value)


class PastedTextField(forms.CharField):
    """A CharField for free text that cleans pasted control characters before validating."""

    def to_python(self, value):
        if isinstance(value, str):
            value = without_control_characters(value)
        return super().to_python(value)
