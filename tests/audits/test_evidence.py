"""Evidence from a partnership's own reviews: the mapping format, the figures against
hand-counted reviews, the consistency flag at its edges, and the figures kept at submission."""

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from audits import evidence, loading, selectors, services
from audits.evidence import Figure, Rules
from audits.loading import FrameworkFileError, app_models, load_all
from audits.models import EvidenceCheck, FrameworkVersion, Item, Response
from partnerships.months import first_of_month, months_before
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

from .factories import CycleFactory, complete_audit, start_audit, version_1, version_2

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 15)
VERSION_2_FILE = loading.FRAMEWORKS_DIR / "version-2.json"
RULES = Rules(window_months=24, threshold_percent=50, minimum_reviews=3, flag_from_rating=2)


def _review(partnership, completed=date(2026, 6, 1), status="complete", **answers):
    """A review of the partnership with complete_answers() changed by `answers`."""
    fields = {**complete_answers(), "completed_month": completed, **answers}
    return ReviewFactory(child=ChildFactory(partnership=partnership), status=status, **fields)


def _items(*refs):
    return list(Item.objects.filter(theme__version=version_2(), ref__in=refs).order_by("ref"))


def _figures(partnership, *refs, today=TODAY):
    items = _items(*refs)
    found = evidence.live_figures(partnership, items, Rules.of(version_2()), today)
    return {item.ref: found.get(item.pk) for item in items}


# The shipped version 2 ----------------------------------------------------------------------


def test_version_2_is_version_1_word_for_word_with_ten_mappings():
    """Version 2 is published with version 1's scale, themes and items unchanged, the rules
    24 months, under 50%, at least 3 reviews, ratings 2 and up, and ten mapped items."""
    one, two = version_1(), version_2()
    assert two.status == FrameworkVersion.Status.PUBLISHED
    fields = ("theme__number", "ref", "statement", "guidance", "evidence_examples", "sources")
    assert list(Item.objects.filter(theme__version=one).values_list(*fields)) == list(
        Item.objects.filter(theme__version=two).values_list(*fields)
    )
    assert list(one.levels.values_list("value", "label")) == list(
        two.levels.values_list("value", "label")
    )
    assert Rules.of(two) == RULES
    assert Rules.of(one) is None
    mapped = sorted(
        Item.objects.filter(theme__version=two).exclude(evidence={}).values_list("ref", flat=True)
    )
    assert mapped == ["3.2", "3.4", "4.1", "4.2", "4.5", "5.1", "5.3", "6.1", "6.2", "6.3"]
    assert not Item.objects.filter(theme__version=one).exclude(evidence={}).exists()


def test_every_shipped_mapping_is_valid():
    """The loader's checks find nothing wrong with the shipped files."""
    for path in loading.framework_files():
        assert loading.evidence_problems(json.loads(path.read_text())) == [], path.name


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"dimension": "shoe_size", "meets": ["yes"], "describes": "x"}, "is not a question"),
        ({"dimension": "ethnicity", "meets": ["WBRI"], "describes": "x"}, "cannot be counted"),
        ({"dimension": "harm_types", "meets": ["sexual"], "describes": "x"}, "cannot be counted"),
        ({"dimension": "racism_named", "meets": ["maybe"], "describes": "x"}, "['maybe'] are not"),
        ({"dimension": "racism_named", "meets": [], "describes": "x"}, "are not answers"),
        (
            {"dimension": "adultification", "meets": ["yes"], "out_of": ["no"], "describes": "x"},
            "must also be in out_of",
        ),
        (
            {"dimension": "interpreter_needed", "meets": ["not_recorded"], "describes": "x"},
            "counted apart",
        ),
        ({"dimension": "racism_named", "meets": ["yes"], "describes": " "}, "describes must"),
        (
            {"dimension": "racism_named", "meets": ["yes"], "describes": "x", "threshold": 9},
            "unknown keys ['threshold']",
        ),
    ],
)
def test_a_bad_mapping_is_named_with_its_item(mapping, message):
    """Each kind of unusable mapping is refused with the item's ref and what is wrong."""
    problems = evidence.mapping_problems("6.3", mapping)
    assert problems and all(p.startswith("item 6.3: ") for p in problems)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            {"window_months": 24, "threshold_percent": 50, "minimum_reviews": 3},
            "flag_from_rating is missing",
        ),
        (
            {
                "window_months": 0,
                "threshold_percent": 50,
                "minimum_reviews": 3,
                "flag_from_rating": 2,
            },
            "window_months must be a whole number from 1 to 120",
        ),
        (
            {
                "window_months": 24,
                "threshold_percent": 50.5,
                "minimum_reviews": 3,
                "flag_from_rating": 2,
            },
            "threshold_percent must be a whole number",
        ),
        (
            {
                "window_months": 24,
                "threshold_percent": 50,
                "minimum_reviews": 3,
                "flag_from_rating": 4,
            },
            "flag_from_rating must be a whole number from 0 to 3",
        ),
    ],
)
def test_bad_rules_are_named(rules, message):
    """Rules missing a key or out of bounds are refused, saying which."""
    assert any(message in p for p in evidence.rules_problems(rules))


def test_a_file_with_a_bad_mapping_loads_nothing(tmp_path, monkeypatch):
    """The loader refuses a new version whose mapping is wrong, naming file and item, and
    creates no version at all."""
    monkeypatch.setattr(loading, "FRAMEWORKS_DIR", tmp_path)
    data = json.loads(VERSION_2_FILE.read_text())
    data["version"] = 4
    data["themes"][5]["items"][0]["evidence"]["dimension"] = "ethnicity_recorded"
    (tmp_path / "version-4.json").write_text(json.dumps(data))
    with pytest.raises(FrameworkFileError, match=r"version-4.json: item 6.1: 'ethnicity_recorded'"):
        load_all(app_models())
    assert not FrameworkVersion.objects.filter(number=4).exists()


def test_mappings_without_rules_are_refused():
    """Items mapped in a version with no evidence_rules would never be flagged: refused."""
    data = json.loads(VERSION_2_FILE.read_text())
    del data["evidence_rules"]
    assert evidence.MAPPING_WITHOUT_RULES in loading.evidence_problems(data)


# Figures against hand-counted reviews ---------------------------------------------------------


@pytest.fixture
def counted(northshire, eastmere):
    """Northshire: five complete reviews in the window, one complete before it and one draft;
    Eastmere: three complete reviews that would change every figure if counted.

    In Northshire's five (hand-counted):
      6.1 ethnicity accurate:             A, B           -> 2 of 5
      4.2 disclosure acted on:            A (of A, B, C who disclosed; D, E did not) -> 1 of 3
      3.4 adultification considered yes:  A, B, C (D no, E not relevant) -> 3 of 4
      5.1 independent interpreter used:   A (of A, B needing one; C's need not recorded)
                                          -> 1 of 2, 1 apart
    """
    n = northshire
    _review(
        n,
        ethnicity_in_review="accurate",
        disclosure_response="acted_on",
        adultification="yes",
        interpreter_needed="yes",
        independent_interpreter_used="yes",
        child_or_family_interpreted="no",
    )  # A
    _review(
        n,
        ethnicity_in_review="accurate",
        adultification="yes",
        interpreter_needed="yes",
        independent_interpreter_used="no",
        child_or_family_interpreted="yes",
    )  # B
    _review(n, adultification="yes", interpreter_needed="not_recorded")  # C
    _review(n, disclosure="no", disclosure_response="", adultification="no")  # D
    _review(
        n,
        disclosure="no",
        disclosure_response="",
        adultification="not_relevant",
        completed=date(2024, 12, 1),
    )  # E: the window's first month
    _review(n, ethnicity_in_review="accurate", completed=date(2024, 11, 1))  # before the window
    _review(n, ethnicity_in_review="accurate", status="draft")  # a draft counts for nothing
    for _ in range(3):
        _review(
            eastmere,
            ethnicity_in_review="accurate",
            disclosure_response="acted_on",
            interpreter_needed="yes",
            independent_interpreter_used="yes",
            child_or_family_interpreted="no",
        )
    return n


def test_the_window_is_24_months_ending_this_month():
    """In November 2026 the window starts in December 2024."""
    assert RULES.since(TODAY) == date(2024, 12, 1)
    assert RULES.since(TODAY) == months_before(first_of_month(TODAY), 23)


def test_figures_match_the_hand_count(counted):
    """Each figure is the partnership's own complete reviews in the window, counted as the
    fixture's docstring counts them by hand."""
    figures = _figures(counted, "6.1", "4.2", "3.4", "5.1")
    assert {ref: (f.complete, f.meets, f.base, f.not_recorded) for ref, f in figures.items()} == {
        "3.4": (5, 3, 4, 0),
        "4.2": (5, 1, 3, 0),
        "5.1": (5, 1, 2, 1),
        "6.1": (5, 2, 5, 0),
    }
    assert all(f.since == date(2024, 12, 1) for f in figures.values())


def test_the_sentence_says_where_the_figure_comes_from(counted):
    """The figure reads as the page shows it, with the question's condition and the reviews
    counted apart."""
    figures = _figures(counted, "4.2", "5.1", "6.1")
    assert figures["6.1"].text == (
        "In your 5 complete reviews since December 2024: ethnicity recorded accurately and in "
        "detail in 2 of 5"
    )
    assert figures["4.2"].text.endswith(
        "the disclosure acted on in 1 of 3 where the child disclosed abuse"
    )
    assert figures["5.1"].text.endswith(
        "an independent interpreter used in 1 of 2 where an interpreter was needed "
        "(1 more not recorded)"
    )


def test_no_other_partnerships_reviews_are_counted(counted, eastmere):
    """Eastmere's reviews never enter Northshire's figures, and Northshire's not Eastmere's."""
    assert _figures(counted, "6.1")["6.1"].complete == 5
    theirs = _figures(eastmere, "6.1", "5.1")
    assert (theirs["6.1"].complete, theirs["6.1"].meets, theirs["5.1"].base) == (3, 3, 3)


def test_a_review_completed_after_the_day_counted_is_not_counted(counted):
    """Counting as on a day (as the demo does for a past submission), a review completed in a
    later month is outside the window: in May 2026 only reviews completed by then count."""
    _review(counted, ethnicity_in_review="accurate", completed=date(2026, 9, 1))
    may = _figures(counted, "6.1", today=date(2026, 5, 20))["6.1"]
    november = _figures(counted, "6.1")["6.1"]
    # From June 2024 to May 2026: E (December 2024) and the one of November 2024 (accurate).
    assert (may.complete, may.meets) == (2, 1)
    assert (november.complete, november.meets) == (6, 3)


def test_figures_are_one_query(counted, django_assert_num_queries):
    """Every mapped item's figure comes from one aggregate query."""
    items, rules = list(Item.objects.filter(theme__version=version_2())), Rules.of(version_2())
    with django_assert_num_queries(1):
        found = evidence.live_figures(counted, items, rules, TODAY)
    assert len(found) == 10


def test_a_version_without_rules_has_no_figures(counted, django_assert_num_queries):
    """Version 1 maps nothing: no figure and no query."""
    items, rules = list(Item.objects.filter(theme__version=version_1())), Rules.of(version_1())
    with django_assert_num_queries(0):
        assert evidence.live_figures(counted, items, rules, TODAY) == {}


# The flag at its edges ------------------------------------------------------------------------


def _figure(meets, base):
    return Figure("x", "", date(2024, 12, 1), complete=base, base=base, meets=meets, not_recorded=0)


@pytest.mark.parametrize(
    ("rating", "meets", "base", "flagged"),
    [
        (2, 1, 3, True),  # 33% of 3: under half
        (3, 4, 9, True),  # 44%
        (2, 2, 4, False),  # exactly half is not under half
        (2, 5, 9, False),  # 56%
        (2, 0, 2, False),  # too few reviews to say
        (2, 0, 3, True),  # the minimum is enough
        (1, 0, 9, False),  # a rating of 1 claims nothing the reviews contradict
        (0, 0, 9, False),
        (None, 0, 9, False),  # unanswered
    ],
)
def test_the_flag_at_the_thresholds_edges(rating, meets, base, flagged):
    """A rating of 2 or 3 is flagged below half, with at least 3 reviews behind the figure."""
    assert RULES.flags(rating, _figure(meets, base)) is flagged


def test_no_figure_no_flag():
    """An item without a figure is never flagged."""
    assert RULES.flags(3, None) is False


# Kept at submission -----------------------------------------------------------------------------


@pytest.fixture
def audit_on_2(counted, lead):
    """Northshire's audit on a version 2 cycle, every item rated 2 with evidence."""
    cycle = CycleFactory(name="2027-28", version=version_2())
    return complete_audit(start_audit(partnership=counted, by=lead, cycle=cycle), by=lead)


def _evidence(audit, today=None):
    responses = list(Response.objects.filter(audit=audit).select_related("item"))
    found = selectors.audit_evidence(audit, responses, today or TODAY)
    return {r.item.ref: found[r.item_id] for r in responses if r.item_id in found}


def test_a_draft_shows_figures_counted_now_and_flags_its_ratings(audit_on_2):
    """In a draft, figures are counted now: 4.2 (1 of 3) and 5.1 (1 of 2, under the minimum)
    are both under half, but only 4.2 is flagged; 6.1 (2 of 5) is flagged; 3.4 (3 of 4) is not."""
    found = _evidence(audit_on_2)
    assert found["4.2"].flagged and found["6.1"].flagged
    assert not found["5.1"].flagged and not found["3.4"].flagged
    assert not any(e.kept for e in found.values())


def test_submission_keeps_the_figures_and_flags(audit_on_2, lead, counted):
    """At submission each mapped item's figure and flag are kept as they were counted then;
    reviews added afterwards do not change what the Panel moderates against."""
    today = timezone.localdate()
    before = _evidence(audit_on_2, today)
    services.audit_submit(audit=audit_on_2, by=lead)
    checks = EvidenceCheck.objects.filter(response__audit=audit_on_2)
    assert checks.count() == 10
    assert "4.2" in set(checks.filter(flagged=True).values_list("response__item__ref", flat=True))
    for _ in range(5):
        _review(counted, ethnicity_in_review="accurate", disclosure_response="acted_on")
    audit_on_2.refresh_from_db()
    kept = _evidence(audit_on_2)
    assert all(e.kept for e in kept.values())
    assert {ref: (e.figure, e.flagged) for ref, e in kept.items()} == {
        ref: (e.figure, e.flagged) for ref, e in before.items()
    }
    assert kept["4.2"].flagged and (kept["4.2"].figure.meets, kept["4.2"].figure.base) == (1, 3)


def test_returning_the_audit_removes_the_kept_figures(audit_on_2, lead, panel):
    """A returned audit keeps no figures: the next submission counts again."""
    services.audit_submit(audit=audit_on_2, by=lead)
    services.audit_return(audit=audit_on_2, by=panel, reason="Look again at theme 6")
    assert not EvidenceCheck.objects.filter(response__audit=audit_on_2).exists()


def test_a_version_1_audit_keeps_no_figures(northshire, lead):
    """Submitting an audit on version 1 keeps nothing and shows nothing."""
    audit = complete_audit(start_audit(partnership=northshire, by=lead), by=lead)
    services.audit_submit(audit=audit, by=lead)
    assert not EvidenceCheck.objects.filter(response__audit=audit).exists()
    assert _evidence(audit) == {}


def test_kept_counts_must_nest(audit_on_2):
    """The database refuses a kept figure with more meeting the item than counted."""
    response = Response.objects.filter(audit=audit_on_2).first()
    with pytest.raises(IntegrityError):
        EvidenceCheck.objects.create(
            response=response, since=date(2024, 12, 1), complete=5, base=3, meets=4
        )


def test_answers_carry_into_a_new_version_by_item_ref(northshire, lead):
    """Starting a version 2 audit with the last (version 1) audit's answers copies them item
    by item, as unreviewed."""
    first = complete_audit(start_audit(partnership=northshire, by=lead), by=lead, rating=3)
    services.audit_submit(audit=first, by=lead)
    # Open today, as a cycle must be to start an audit, and opening after the first.
    cycle = CycleFactory(
        name="2027-28", version=version_2(), opens_on=first.cycle.opens_on + timedelta(days=20)
    )
    second = services.audit_start(partnership=northshire, cycle=cycle, by=lead, carry_forward=True)
    copied = Response.objects.filter(audit=second)
    assert copied.count() == 34
    assert set(copied.values_list("rating", "carried_forward")) == {(3, True)}
    assert set(copied.values_list("item__theme__version__number", flat=True)) == {2}
