"""Data-minimisation checks: nothing entered may identify a child or family."""

import re

from django.core.exceptions import ValidationError

REFERENCE_FORMAT = "Enter a reference of up to 20 letters, digits and dashes, like C-2024-007"
REFERENCE_LOOKS_LIKE_NAME = (
    "The reference must include a digit, so that it cannot be a person's name. "
    "Use your partnership's own reference, like C-2024-007"
)
REFERENCE_TAKEN = "Your partnership already has a child with the reference {reference}"
SUMMARY_HAS_DATE = (
    "The learning summary contains what looks like a full date, such as a date of birth. "
    "Remove it: record months only, elsewhere on this form"
)
SUMMARY_HAS_POSTCODE = (
    "The learning summary contains what looks like a postcode. Remove it: addresses and "
    "postcodes can identify a family"
)

REFERENCE = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
MONTHS = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
    r"sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)"
)
DAY = r"(0?[1-9]|[12]\d|3[01])"
MONTH_NUMBER = r"(0?[1-9]|1[0-2])"
ORDINAL = r"(st|nd|rd|th)"
# Between a day and a month name: spaces, a dash, a slash or a dot, and "of" ("3rd of July").
NAME_SEPARATOR = r"(\s*[/.,-]\s*|\s+)(of\s+)?"
FULL_DATE = re.compile(
    r"\b(\d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2})"  # 3/7/2015, 03-07-15
    rf"|{DAY}\s+{MONTH_NUMBER}\s+\d{{4}}"  # 3 7 2015
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"  # 2015-07-03, 2015/07/03
    rf"|(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"  # 20150703
    rf"|\d{{1,2}}{ORDINAL}?{NAME_SEPARATOR}{MONTHS}(\s*[/.,-]\s*|\s+)\d{{4}}"  # 3rd of July, 2015
    rf"|{MONTHS}\s+\d{{1,2}}{ORDINAL}?,?\s+\d{{4}})\b",  # July 3, 2015
    re.IGNORECASE,
)
# Outward code, then inward code, with a space, a dash or nothing between. A lower-case
# ordinal such as "s47 1st" or "KS3 4th" is taken as ordinary text; "B33 8TH" in capitals is
# still a postcode.
UK_POSTCODE = re.compile(
    r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(\s*[-\u2010-\u2013]\s*|\s*)"
    r"([0-9](?!(?-i:st|nd|rd|th)\b)[A-Z]{2})\b",
    re.IGNORECASE,
)


def validate_reference(value: str) -> None:
    """Short, letters, digits and dashes, and with a digit so it cannot be a name."""
    if len(value) > 20 or not REFERENCE.fullmatch(value):
        raise ValidationError(REFERENCE_FORMAT, code="reference_format")
    if not any(ch.isdigit() for ch in value):
        raise ValidationError(REFERENCE_LOOKS_LIKE_NAME, code="reference_name")


def validate_learning_summary(value: str) -> None:
    """No full dates (such as dates of birth) and no UK postcodes."""
    if FULL_DATE.search(value):
        raise ValidationError(SUMMARY_HAS_DATE, code="summary_date")
    if UK_POSTCODE.search(value):
        raise ValidationError(SUMMARY_HAS_POSTCODE, code="summary_postcode")
