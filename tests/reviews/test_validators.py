import pytest
from django.core.exceptions import ValidationError

from reviews.validators import (
    REFERENCE_FORMAT,
    REFERENCE_LOOKS_LIKE_NAME,
    SUMMARY_HAS_DATE,
    SUMMARY_HAS_POSTCODE,
    validate_learning_summary,
    validate_reference,
)


def _refusal(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# References


@pytest.mark.parametrize(
    "reference", ["C-2024-007", "A1", "2024-15", "c-2024-007", "LCSPR-2023-1", "X" * 19 + "1"]
)
def test_reference_in_format_is_accepted(reference):
    """Short references of letters, digits and single dashes, with a digit, are accepted."""
    validate_reference(reference)


@pytest.mark.parametrize("reference", ["Alice", "Smith-Jones", "ABC", "Child-A"])
def test_reference_without_a_digit_is_refused_as_a_name(reference):
    """A reference with no digit could be a name, and is refused saying so."""
    error = _refusal(validate_reference, reference)
    assert error.code == "reference_name"
    assert error.messages == [REFERENCE_LOOKS_LIKE_NAME]


@pytest.mark.parametrize(
    "reference",
    [
        "Mary Ann",
        "C_2024_007",
        "C 2024 007",
        "C-2024-007 ",
        "C-2024-00000000000001",
        "-C2024",
        "C2024-",
        "C--2024",
        "",
        "C/2024/7",
        "C-2024-007\n",
    ],
)
def test_reference_out_of_format_is_refused(reference):
    """Spaces, underscores, other symbols, over 20 characters, stray dashes and empty fail."""
    error = _refusal(validate_reference, reference)
    assert error.code == "reference_format"
    assert error.messages == [REFERENCE_FORMAT]


def test_reference_of_exactly_20_characters_is_accepted():
    """20 characters is the longest reference allowed; 21 is refused."""
    validate_reference("C-2024-0000000000001")
    assert len("C-2024-0000000000001") == 20
    assert len("C-2024-00000000000001") == 21


def test_reference_messages_say_why():
    """The reference messages explain the format and that a digit keeps names out."""
    assert "letters, digits and dashes" in REFERENCE_FORMAT
    assert "20" in REFERENCE_FORMAT
    assert "digit" in REFERENCE_LOOKS_LIKE_NAME
    assert "name" in REFERENCE_LOOKS_LIKE_NAME


# Learning summaries


@pytest.mark.parametrize(
    "date",
    [
        "3/7/2015",
        "03/07/2015",
        "03-07-15",
        "3.7.2015",
        "2015-07-03",
        "3rd July 2015",
        "3 July 2015",
        "3rd of July 2015",
        "03 Jul 2015",
        "July 3, 2015",
        "July 3rd 2015",
        "3 SEPTEMBER 2015",
    ],
)
def test_summary_with_a_full_date_is_refused(date):
    """A full date, such as a date of birth, in any common format is refused."""
    error = _refusal(validate_learning_summary, f"Born {date}, the child was known to CSC.")
    assert error.code == "summary_date"
    assert error.messages == [SUMMARY_HAS_DATE]


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "sw1a 1aa",
        "dn55 1pt",
        "SW1A1AA",
        "B338TH",
        "m11ae",
    ],
)
def test_summary_with_a_postcode_is_refused(postcode):
    """A UK postcode, in capitals or not, with or without its space, is refused."""
    error = _refusal(validate_learning_summary, f"The family lived at {postcode} until 2021.")
    assert error.code == "summary_postcode"
    assert error.messages == [SUMMARY_HAS_POSTCODE]


@pytest.mark.parametrize(
    "summary",
    [
        "",
        "March 2021",
        "Incident in March 2021, notified April 2021.",
        "in 2021",
        "aged 12",
        "Year 7",
        "The child, aged 12 and in Year 7, was seen in 2021.",
        "Review covered 2019 to 2021 and the 2021-22 year.",
        "Practitioners did not ask about faith or culture.",
    ],
)
def test_summary_with_months_years_and_ages_is_accepted(summary):
    """Months, years, ages and school years are not dates or postcodes, and are accepted."""
    validate_learning_summary(summary)


def test_summary_messages_say_why():
    """The summary messages name what was found and why it must go."""
    assert "date" in SUMMARY_HAS_DATE
    assert "date of birth" in SUMMARY_HAS_DATE
    assert "months only" in SUMMARY_HAS_DATE
    assert "postcode" in SUMMARY_HAS_POSTCODE
    assert "identify" in SUMMARY_HAS_POSTCODE


@pytest.mark.parametrize("text", ["a s47 1st strategy discussion", "KS3 4th set", "Y7 2nd term"])
def test_ordinals_after_codes_are_not_taken_for_postcodes(text):
    """Everyday safeguarding shorthand such as "s47 1st" is not refused as a postcode."""
    validate_learning_summary(text)


@pytest.mark.parametrize(
    "date",
    [
        "3 7 2015",
        "03 07 2015",
        "2015/07/03",
        "2015.07.03",
        "3rd of July, 2015",
        "3rd July, 2015",
        "20150703",
        "3-Jul-2015",
        "03/Jul/2015",
        "3.July.2015",
        "Jul. 3, 2015",
        "2015 07 03",
        "2015-Jul-03",
        "03-Jul-15",
        "3July2015",
        "July,3,2015",
        "3rd July '15",
    ],
)
def test_summary_with_a_full_date_in_other_common_shapes_is_refused(date):
    """Dates written with spaces, year first with slashes, as eight digits, with "of" and a
    comma, or with dashes around the month's name are refused as dates."""
    error = _refusal(validate_learning_summary, f"Born {date}, the child was known to CSC.")
    assert error.code == "summary_date"
    assert error.messages == [SUMMARY_HAS_DATE]


@pytest.mark.parametrize(
    "postcode",
    [
        "EC1A-1BB",
        "ec1a-1bb",
        "EC1A - 1BB",
        "M1-1AE",
        "B33-8TH",
        "EC1A\u20131BB",
        "EC1A\u20141BB",
        "EC1A \u2212 1BB",
        "EC1A_1BB",
        "\uff25\uff23\uff11\uff21 \uff11\uff22\uff22",
    ],
)
def test_summary_with_a_dashed_postcode_is_refused(postcode):
    """A postcode with any dash, a minus sign or an underscore between its halves, or typed in
    full-width characters, is refused."""
    error = _refusal(validate_learning_summary, f"The family lived at {postcode} until 2021.")
    assert error.code == "summary_postcode"


@pytest.mark.parametrize(
    "summary",
    [
        "10 of 54 reviews",
        "The 3rd review in 2015 and the 21st in 2016.",
        "In 2015 the partnership held 12 reviews.",
        "July 2015",
        "July 15 visits were made",
        "From May 2020 to June 2021",
        "Seen in July 2015 and again in Sept 2016.",
        "1 in 3 children seen in 2015",
        "From 3 to 7 visits in 2015.",
        "Child C-2024-007 was reviewed in March 2021.",
        "a s47-1st strategy discussion",
        "KS3-4th set",
    ],
)
def test_summary_with_ordinals_counts_years_and_months_is_still_accepted(summary):
    """Ordinals, counts such as "10 of 54 reviews", years alone and months with years are
    ordinary text, not dates; a dashed "s47-1st" is not a postcode."""
    validate_learning_summary(summary)
