"""Data-minimisation checks: nothing entered may identify a child or family."""

import re
import unicodedata

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
# Between the parts of a date: spaces, dashes, slashes, dots or commas, or nothing at all
# ("3July2015"); "of" may follow a day ("3rd of July").
SEP = r"[\s/.,-]*"
DAY_PART = rf"{DAY}{ORDINAL}?"
# Four digits, or two after a dash, slash, dot or apostrophe ("03-Jul-15", "3rd July '15"):
# "July 15" alone stays a month and a number.
YEAR = r"(\d{4}|(?<=[-/.'])\d{2}|'\d{2})"
FULL_DATE = re.compile(
    r"\b(\d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2})"  # 3/7/2015, 03-07-15
    rf"|{DAY}\s+{MONTH_NUMBER}\s+\d{{4}}"  # 3 7 2015
    rf"|\d{{4}}[\s/.-]+{MONTH_NUMBER}[\s/.-]+{DAY}\b"  # 2015-07-03, 2015/07/03, 2015 07 03
    rf"|(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"  # 20150703
    rf"|{DAY_PART}{SEP}(of\s+)?{MONTHS}{SEP}{YEAR}"  # 3rd of July, 2015; 3-Jul-15; 3July2015
    rf"|{MONTHS}{SEP}{DAY_PART}{SEP}{YEAR}"  # July 3, 2015; Jul. 3, 2015; July,3,2015
    rf"|\d{{4}}{SEP}{MONTHS}{SEP}{DAY}\b)",  # 2015-Jul-03
    re.IGNORECASE,
)
# People write a postcode's or a date's dash as any of these; they are read as "-".
DASHES = str.maketrans(dict.fromkeys("_\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"))
# Outward code, then inward code, with a space, a dash or nothing between. A lower-case
# ordinal such as "s47 1st" or "KS3 4th" is taken as ordinary text; "B33 8TH" in capitals is
# still a postcode.
UK_POSTCODE = re.compile(
    r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(\s*-\s*|\s*)"
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
    # Full-width and other compatibility forms read as the letters and digits they show.
    text = unicodedata.normalize("NFKC", value).translate(DASHES)
    if FULL_DATE.search(text):
        raise ValidationError(SUMMARY_HAS_DATE, code="summary_date")
    if UK_POSTCODE.search(text):
        raise ValidationError(SUMMARY_HAS_POSTCODE, code="summary_postcode")
