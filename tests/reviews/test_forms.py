"""The review list's filter form: its markup, made once per process for each set of values
asked for, is exactly what `{% crispy %}` renders for those values."""

import pytest
from django.http import QueryDict
from django.template import engines

from reviews.forms import ReviewFilterForm

CRISPY = "{% load crispy_forms_tags %}{% crispy form %}"

QUERIES = [
    None,  # the list unfiltered
    "",
    "page=2",
    "status=complete",
    "review_type=lcspr&outcome=died&ethnicity_group=asian&status=draft&year=2024",
    "year=twenty",  # an error message
    "year=1999&status=nonsense",
    "status=draft&status=complete",  # the last value given counts, as the widget reads it
    "year=%3Cscript%3E",
]


def crispy_markup(data) -> str:
    return engines["django"].from_string(CRISPY).render({"form": ReviewFilterForm(data)})


@pytest.mark.parametrize("query", QUERIES)
def test_the_filters_markup_is_crispys_for_the_same_values(query):
    data = None if query is None else QueryDict(query)
    assert ReviewFilterForm(data).markup() == crispy_markup(data)


def test_each_set_of_values_keeps_its_own_markup():
    """Asked in turn, values never get another set's markup (the cache is keyed on them)."""
    for _ in range(2):
        for query in QUERIES:
            data = None if query is None else QueryDict(query)
            assert ReviewFilterForm(data).markup() == crispy_markup(data), query
