import pytest

from audits import rules
from audits.models import Response
from audits.rules import (
    RULES,
    ActionForLowRatings,
    EveryItemRated,
    EvidenceForEstablishedRatings,
    broken_rules,
    theme_status,
)

from .factories import first_of_next_month, line_for, start_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


@pytest.fixture
def theme(audit):
    return audit.cycle.version.themes.get(number=2)


def _responses(audit, theme=None):
    queryset = Response.objects.filter(audit=audit).select_related("item")
    if theme is not None:
        queryset = queryset.filter(item__theme=theme)
    return list(queryset.prefetch_related("actions").order_by("item__theme__number", "item__order"))


@pytest.fixture
def response(audit):
    return _responses(audit)[0]


def _answer(response, *, rating=None, evidence="", carried_forward=False, actions=()):
    response.rating = rating
    response.evidence = evidence
    response.carried_forward = carried_forward
    response.save()
    response.actions.all().delete()
    for what, owner, due in actions:
        line_for(response, what=what, owner=owner, due_month=due)
    return Response.objects.prefetch_related("actions").select_related("item").get(pk=response.pk)


DUE = first_of_next_month()
COMPLETE_ACTION = ("Train every social worker", "Head of learning", DUE)


# EveryItemRated


@pytest.mark.parametrize("rating", [0, 1, 2, 3])
def test_every_item_rated_is_met_by_any_rating(response, rating):
    """A rating from 0 to 3 meets EveryItemRated."""
    assert not EveryItemRated().is_broken_by(_answer(response, rating=rating))


def test_every_item_rated_is_broken_by_no_rating(response):
    """An item with evidence but no rating breaks EveryItemRated."""
    assert EveryItemRated().is_broken_by(_answer(response, evidence="Minutes"))


def test_every_item_rated_is_broken_by_a_carried_forward_rating(response):
    """A carried-forward rating nobody has reviewed counts as unanswered."""
    answered = _answer(response, rating=2, evidence="Minutes", carried_forward=True)
    assert answered.effective_rating is None
    assert EveryItemRated().is_broken_by(answered)


# EvidenceForEstablishedRatings


@pytest.mark.parametrize("rating", [2, 3])
def test_evidence_rule_is_met_by_evidence(response, rating):
    """A rating of 2 or 3 with evidence meets EvidenceForEstablishedRatings."""
    answered = _answer(response, rating=rating, evidence="Audit of 40 case files, June 2026")
    assert not EvidenceForEstablishedRatings().is_broken_by(answered)


@pytest.mark.parametrize("evidence", ["", "   \n  "])
@pytest.mark.parametrize("rating", [2, 3])
def test_evidence_rule_is_broken_without_evidence(response, rating, evidence):
    """A rating of 2 or 3 with no evidence, or only spaces, breaks the evidence rule."""
    answered = _answer(response, rating=rating, evidence=evidence)
    assert EvidenceForEstablishedRatings().is_broken_by(answered)


@pytest.mark.parametrize("rating", [None, 0, 1])
def test_evidence_rule_does_not_apply_below_2(response, rating):
    """Unrated items and ratings of 0 or 1 do not need evidence."""
    assert not EvidenceForEstablishedRatings().is_broken_by(_answer(response, rating=rating))


def test_evidence_rule_ignores_unreviewed_carried_forward_ratings(response):
    """A carried-forward 2 without evidence is reported only as unrated, not as no evidence."""
    answered = _answer(response, rating=2, carried_forward=True)
    assert not EvidenceForEstablishedRatings().is_broken_by(answered)
    assert [breach.rule.code for breach in broken_rules([answered])] == ["unrated"]


# ActionForLowRatings


@pytest.mark.parametrize("rating", [0, 1])
def test_action_rule_is_met_by_a_complete_action(response, rating):
    """A rating of 0 or 1 with an action that has an owner and due month meets the rule."""
    answered = _answer(response, rating=rating, actions=[COMPLETE_ACTION])
    assert not ActionForLowRatings().is_broken_by(answered)


@pytest.mark.parametrize("rating", [0, 1])
def test_action_rule_is_broken_without_actions(response, rating):
    """A rating of 0 or 1 with no action breaks ActionForLowRatings."""
    assert ActionForLowRatings().is_broken_by(_answer(response, rating=rating))


@pytest.mark.parametrize(
    "action",
    [
        ("Train every social worker", "", DUE),
        ("Train every social worker", "   ", DUE),
        ("Train every social worker", "Head of learning", None),
        ("   ", "Head of learning", DUE),
    ],
    ids=["no-owner", "blank-owner", "no-due-month", "no-what"],
)
def test_action_rule_is_broken_by_incomplete_actions(response, action):
    """An action without an owner, due month or description does not satisfy the rule."""
    answered = _answer(response, rating=1, actions=[action])
    assert ActionForLowRatings().is_broken_by(answered)


def test_action_rule_is_met_by_one_complete_action_among_others(response):
    """One complete action is enough even beside incomplete ones."""
    answered = _answer(
        response, rating=0, actions=[("Draft", "", None), COMPLETE_ACTION, ("Later", "", DUE)]
    )
    assert not ActionForLowRatings().is_broken_by(answered)


@pytest.mark.parametrize("rating", [None, 2, 3])
def test_action_rule_does_not_apply_from_2(response, rating):
    """Unrated items and ratings of 2 or 3 need no action."""
    assert not ActionForLowRatings().is_broken_by(_answer(response, rating=rating))


def test_action_rule_ignores_unreviewed_carried_forward_ratings(response):
    """A carried-forward 0 without actions is reported only as unrated."""
    answered = _answer(response, rating=0, carried_forward=True)
    assert not ActionForLowRatings().is_broken_by(answered)
    assert [breach.rule.code for breach in broken_rules([answered])] == ["unrated"]


# broken_rules


def test_broken_rules_lists_every_breach_in_item_order(audit):
    """broken_rules reports each breach with its rule, item ref and message, in item order."""
    first, second, third, *rest = _responses(audit)
    _answer(second, rating=2)
    _answer(third, rating=0)
    breaches = broken_rules(_responses(audit))
    assert len(breaches) == 34 - 2 + 2
    assert [(b.item_ref, b.rule.code) for b in breaches[:3]] == [
        (first.item.ref, "unrated"),
        (second.item.ref, "no_evidence"),
        (third.item.ref, "no_action"),
    ]
    assert breaches[0].message == f"Item {first.item.ref} needs a rating"
    assert breaches[1].message == f"Item {second.item.ref} is rated 2 or 3, so it needs evidence"
    assert breaches[2].message == (
        f"Item {third.item.ref} is rated 0 or 1, "
        "so it needs an action with an owner and a due month"
    )


def test_broken_rules_is_empty_when_every_rule_is_met(audit):
    """An audit where every item is rated with what it needs breaks no rule."""
    responses = _responses(audit)
    for index, response in enumerate(responses):
        if index % 2:
            _answer(response, rating=3, evidence="Case file audit")
        else:
            _answer(response, rating=1, actions=[COMPLETE_ACTION])
    assert broken_rules(_responses(audit)) == []


def test_a_new_audit_breaks_every_item_rated_for_all_34_items(audit):
    """A freshly started audit has 34 unrated items and no other breach."""
    breaches = broken_rules(_responses(audit))
    assert len(breaches) == 34
    assert {breach.rule.code for breach in breaches} == {"unrated"}


# theme_status


def test_theme_status_not_started(audit, theme):
    """A theme where nothing has been entered is not_started."""
    assert theme_status(_responses(audit, theme)) == "not_started"


@pytest.mark.parametrize(
    "answer",
    [
        {"rating": 2, "evidence": "Minutes"},
        {"evidence": "Minutes"},
        {"rating": 2, "evidence": "Minutes", "carried_forward": True},
    ],
    ids=["one-rated", "evidence-only", "carried-forward"],
)
def test_theme_status_in_progress(audit, theme, answer):
    """A theme with something entered but a rule still broken is in_progress."""
    _answer(_responses(audit, theme)[0], **answer)
    assert theme_status(_responses(audit, theme)) == "in_progress"


def test_theme_status_in_progress_when_all_rated_but_a_rule_broken(audit, theme):
    """Every item rated but one 2 without evidence is still in_progress."""
    first, *rest = _responses(audit, theme)
    _answer(first, rating=2)
    for response in rest:
        _answer(response, rating=3, evidence="Minutes")
    assert theme_status(_responses(audit, theme)) == "in_progress"


def test_theme_status_completed(audit, theme):
    """A theme whose items all meet every rule is completed."""
    for response in _responses(audit, theme):
        _answer(response, rating=1, actions=[COMPLETE_ACTION])
    assert theme_status(_responses(audit, theme)) == "completed"


def test_theme_status_counts_only_the_theme(audit, theme):
    """Another theme's unanswered items do not hold a completed theme back."""
    for response in _responses(audit, theme):
        _answer(response, rating=2, evidence="Minutes")
    assert theme_status(_responses(audit, theme)) == "completed"
    assert broken_rules(_responses(audit))


# The rules' texts


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            EveryItemRated,
            "Every item is rated. An answer carried forward from the last cycle counts only "
            "once someone has confirmed or changed it.",
        ),
        (
            EvidenceForEstablishedRatings,
            "A rating of 2 (Established) or 3 (Embedded) needs evidence.",
        ),
        (
            ActionForLowRatings,
            "A rating of 0 (Not in place) or 1 (Emerging) needs at least one action with an "
            "owner and a due month.",
        ),
    ],
)
def test_each_rule_text_is_its_docstring(rule, text):
    """Each rule class has a docstring, shown to people as one line of text."""
    assert rule.__doc__
    assert rule.text() == text


def test_every_rule_is_applied_and_has_a_code_message_and_text():
    """RULES holds the three rules, each with a unique code, a message and a text."""
    assert [type(rule) for rule in RULES] == [
        EveryItemRated,
        EvidenceForEstablishedRatings,
        ActionForLowRatings,
    ]
    assert len({rule.code for rule in RULES}) == 3
    for rule in RULES:
        assert "{ref}" in rule.message
        assert rule.text()


def test_base_rule_must_be_implemented():
    """A Rule without is_broken_by cannot be applied by mistake."""
    with pytest.raises(NotImplementedError):
        rules.Rule().is_broken_by(None)
