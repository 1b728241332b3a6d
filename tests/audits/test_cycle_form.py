"""The Panel's form for opening a cycle: GOV.UK date inputs with the service's own messages,
the newest published framework version chosen already, and one form with one CSRF token."""

import re
from datetime import date

import pytest
from django.utils import timezone

from audits.forms import (
    DATE_NOT_REAL,
    DATE_PART_MISSING,
    DATE_REQUIRED,
    DATE_YEAR_NOT_4_DIGITS,
    CycleForm,
)
from audits.models import Cycle, FrameworkVersion

pytestmark = pytest.mark.django_db

URL = "/panel/cycles/new/"


def newest_published() -> FrameworkVersion:
    return FrameworkVersion.objects.published().order_by("-number").first()


def posted(**changes) -> dict:
    data = {
        "name": "2027-28",
        "version": str(newest_published().pk),
        "opens_on_day": "1",
        "opens_on_month": "4",
        "opens_on_year": "2027",
        "closes_on_day": "31",
        "closes_on_month": "3",
        "closes_on_year": "2028",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_cycle_opens_from_day_month_and_year_inputs(client, panel):
    """Dates typed in the GOV.UK date input's day, month and year open the cycle."""
    client.force_login(panel)
    response = client.post(URL, posted())
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="2027-28")
    assert (cycle.opens_on, cycle.closes_on) == (date(2027, 4, 1), date(2028, 3, 31))


def test_page_has_one_form_one_token_and_date_inputs(client, panel):
    """The page is one <form> with one CSRF token, and each date is a GOV.UK date input with
    a legend, a hint and labelled day, month and year inputs."""
    client.force_login(panel)
    html = client.get(URL).content.decode()
    assert html.count("<form") == 2  # the cycle form and the header's sign-out button
    main = html[html.index('id="main-content"') :]
    assert main.count("<form") == 1
    assert main.count('name="csrfmiddlewaretoken"') == 1
    for name, label in (("opens_on", "Opening date"), ("closes_on", "Closing date")):
        assert f'<div class="govuk-date-input" id="id_{name}">' in html
        for n, part in enumerate(("Day", "Month", "Year")):
            assert f'<label class="govuk-label govuk-date-input__label" for="id_{name}_{n}">' in (
                html
            )
            assert f'name="{name}_{part.lower()}"' in html
        assert re.search(
            rf'<legend class="govuk-fieldset__legend[^"]*">\s*{label}\s*</legend>', html
        )
    assert "legend_size" not in html


def test_the_newest_shipped_version_is_chosen_already(client, panel):
    """With versions 1 to 3 published, version 3's radio is checked when the page opens."""
    client.force_login(panel)
    html = client.get(URL).content.decode()
    version = newest_published()
    assert version.number == 3
    assert re.search(rf'<input[^>]*value="{version.pk}"[^>]*checked', html)
    older = FrameworkVersion.objects.get(number=1)
    assert not re.search(rf'<input[^>]*value="{older.pk}"[^>]*checked', html)


def test_the_newest_of_several_published_versions_is_chosen(panel):
    """With several published versions the newest is chosen, and the radios stay."""
    first = newest_published()
    newer = FrameworkVersion.objects.create(
        framework=first.framework,
        number=first.number + 1,
        title="Version four",
        status=FrameworkVersion.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    form = CycleForm()
    assert form.initial["version"] == newer.pk
    assert len(form.fields["version"].choices) == 4


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"opens_on_day": "", "opens_on_month": "", "opens_on_year": ""},
            "opens_on",
            DATE_REQUIRED,
        ),
        (
            {"opens_on_day": None, "opens_on_month": None, "opens_on_year": None},
            "opens_on",
            DATE_REQUIRED,
        ),
        ({"opens_on_month": ""}, "opens_on", DATE_PART_MISSING),
        ({"opens_on_day": "31", "opens_on_month": "2"}, "opens_on", DATE_NOT_REAL),
        ({"opens_on_month": "13"}, "opens_on", DATE_NOT_REAL),
        ({"opens_on_day": "first"}, "opens_on", DATE_NOT_REAL),
        ({"opens_on_day": "\x00"}, "opens_on", DATE_NOT_REAL),
        ({"opens_on_year": "27"}, "opens_on", DATE_YEAR_NOT_4_DIGITS),
        ({"opens_on_year": "99999"}, "opens_on", DATE_YEAR_NOT_4_DIGITS),
        (
            {"closes_on_day": "", "closes_on_month": "", "closes_on_year": ""},
            "closes_on",
            DATE_REQUIRED,
        ),
        ({"closes_on_year": "２０２８"}, "closes_on", DATE_YEAR_NOT_4_DIGITS),
    ],
)
def test_date_errors_use_the_services_words_and_keep_what_was_typed(
    client, panel, changes, field, message
):
    """Each wrong date says what is wrong in the service's words, links to the date's first
    input from the error summary, keeps what was typed, and never answers 500."""
    client.force_login(panel)
    response = client.post(URL, posted(name="2030-31", **changes))
    assert response.status_code == 200
    label = "opening date" if field == "opens_on" else "closing date"
    text = message.format(label=label, Label=label.capitalize())
    html = response.content.decode()
    assert f'<a href="#id_{field}_0">{text}</a>' in html
    assert "<title>Error: " in html
    assert 'value="2030-31"' in html
    assert not Cycle.objects.filter(name="2030-31").exists()


def test_messages_name_each_date():
    """The messages read as the service words them for the opening date."""
    form = CycleForm(data=posted(opens_on_day="30", opens_on_month="2", closes_on_day=""))
    assert not form.is_valid()
    assert form.errors["opens_on"] == ["Opening date must be a real date"]
    assert form.errors["closes_on"] == ["The closing date must include a day, a month and a year"]
    blank = CycleForm(data=posted(opens_on_day="", opens_on_month="", opens_on_year=""))
    assert not blank.is_valid()
    assert blank.errors["opens_on"] == ["Enter the opening date"]


def test_closing_before_opening_is_refused(client, panel):
    """A closing date before the opening date is refused on the closing date."""
    client.force_login(panel)
    response = client.post(URL, posted(closes_on_year="2026"))
    assert response.status_code == 200
    assert (
        '<a href="#id_closes_on_0">The closing date must be on or after the opening date</a>'
        in (response.content.decode())
    )
