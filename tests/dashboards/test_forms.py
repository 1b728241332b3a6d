"""The dashboards' filter forms render through crispy-forms-gds once for the same choices
and values, then from the cache (`FilterForm.rendered`): the HTML must be exactly crispy's,
in the page as on its own, and never that of other choices or values."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.template import Context, engines

from dashboards import services
from dashboards.forms import CompareForm, CompletionForm, ReviewStatisticsForm
from tests.dashboards.factories import complete_review, cycle_named, scored_audit
from tests.partnerships.factories import PartnershipFactory

CRISPY = "{% load crispy_forms_tags %}{% crispy form %}"
REGIONS = [
    SimpleNamespace(slug="north-east", name="North East"),
    SimpleNamespace(slug="london", name="London"),
]


def crispy(form, context=None) -> str:
    """What `{% crispy form %}` renders, in the given template context."""
    return (
        engines["django"]
        .from_string(CRISPY)
        .template.render(Context({**(context or {}), "form": form}))
    )


def compare_form(data=None, *, regions=REGIONS, cycles=("2025-26", "2024-25"), items=None):
    items = items or [SimpleNamespace(ref="1.1", statement="Leaders name racism.")]
    return CompareForm(
        data,
        cycles=[SimpleNamespace(name=name) for name in cycles],
        regions=regions,
        items=items,
        partnerships=[],
    )


FORMS = {
    "compare": compare_form,
    "completion": lambda data=None: CompletionForm(
        data, regions=REGIONS, statuses=[("draft", "Draft"), ("submitted", "Submitted")]
    ),
    "review statistics": lambda data=None: ReviewStatisticsForm(
        data, regions=REGIONS, years=[2024, 2023]
    ),
}
DATA = {
    "unbound": None,
    "chosen": {"region": "london", "cycle": "2024-25", "status": "draft", "year": "2023"},
    "not on offer": {"region": "atlantis", "cycle": "1999-00", "year": "1066"},
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("name", FORMS)
def test_rendered_is_crispys_markup_fresh_and_cached(name, data):
    """Each filter form, unbound, with values on offer and with values that are not,
    renders exactly what crispy renders, the first time and from the cache."""
    expected = crispy(FORMS[name](DATA[data]))
    assert "govuk-select" in expected
    assert FORMS[name](DATA[data]).rendered() == expected
    assert FORMS[name](DATA[data]).rendered() == expected


def test_a_form_with_errors_is_never_cached(monkeypatch):
    """Values not on offer (which can be anything) are rendered afresh, never kept."""
    kept = []
    monkeypatch.setattr(cache, "set", lambda key, *args, **kwargs: kept.append(key))
    form = compare_form({"region": "atlantis"})
    assert "atlantis is not one of the available choices" in form.rendered()
    assert kept == []
    compare_form({"region": "london"}).rendered()
    assert len(kept) == 1


def test_rendered_follows_the_values_chosen():
    """The same choices with another value chosen render that value selected."""
    assert compare_form().rendered() == crispy(compare_form())
    london = compare_form({"region": "london"}).rendered()
    assert '<option value="london" selected>London</option>' in london
    assert london != compare_form().rendered()


@pytest.mark.parametrize(
    "change",
    [
        {"regions": [SimpleNamespace(slug="north-east", name="The North East"), REGIONS[1]]},
        {"regions": REGIONS[:1]},
        {"cycles": ("2026-27", "2025-26", "2024-25")},
        {"items": [SimpleNamespace(ref="1.1", statement="Leaders name racism and act.")]},
    ],
    ids=["renamed region", "region gone", "new cycle", "reworded item"],
)
def test_rendered_follows_every_change_of_the_choices(change):
    """A renamed or removed region, a new cycle or a reworded item is shown at once,
    although the form with the old choices was cached."""
    compare_form({"region": "north-east"}).rendered()
    changed = compare_form({"region": "north-east"}, **change)
    assert changed.rendered() == crispy(changed)
    assert changed.rendered() != compare_form({"region": "north-east"}).rendered()


@pytest.fixture
def pages(db, northshire, panel):
    """Two cycles with audits (one moderated), reviews of April 2023 to March 2024
    published."""
    cycle, previous = cycle_named("2025-26"), cycle_named("2024-25")
    other = PartnershipFactory(name="Eastmere Safeguarding Children Partnership")
    scored_audit(northshire, cycle, rating=2, moderated=1)
    scored_audit(other, previous, rating=1)
    for _ in range(10):
        complete_review(northshire)
    services.publication_publish(year=2023)
    return cycle


PAGES = [
    "/panel/compare/",
    "/panel/compare/?show=distribution&region=london&item=1.2",
    "/panel/compare/?show=gap&cycle=2024-25",
    "/panel/compare/?show=change&rating=moderated",
    "/panel/compare/?region=atlantis",
    "/panel/compare/?compare=northshire",
    "/panel/cycles/2025-26/?status=draft",
    "/panel/cycles/2025-26/?status=lost",
    "/panel/reviews/",
    "/panel/reviews/?area=london&year=2023",
    "/panel/reviews/?year=1066",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_shows_what_crispy_renders_in_it(client, pages, panel, url):
    """On every compare view and filter page, fresh and cached, the form's HTML is what
    `{% crispy form %}` renders with the page's own context."""
    client.force_login(panel)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        page = next(c for c in response.context if "view" in c).flatten()  # the page's
        view = page["view"]
        del view.form  # a fresh form of the same request: crispy marks a shown one's errors
        expected = crispy(view.form, page)
        assert 'class="govuk-select' in expected
        assert expected in response.content.decode()
