"""The counting engine: every cell of every dimension, and the relations that tie them."""

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards import figures as f
from dashboards import selectors
from reviews import dimensions as dims
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

REVIEWS, CHILDREN = dims.REVIEWS, dims.CHILDREN


def row(review_id, child_id=None, **answers):
    """A complete review's row as dashboards.selectors.review_rows gives it."""
    values = {
        "id": review_id,
        "child_id": child_id or review_id,
        "partnership_id": 1,
        "region_id": 1,
        "review_key": 10 * review_id,
        "child_key": 1000 * (child_id or review_id),
        "notification_month": date(2024, 5, 1),
        "incident_month": date(2024, 4, 1),
        "sex": "female",
        "age": 12,
        "ethnicity": "APKN",
        "faith": "muslim",
        "first_language_not_english": "no",
        "disability": "no",
        "neurodivergence": "not_recorded",
        "immigration_factor": "no",
        "known_to_social_care": "yes",
        "child_protection_plan": "no",
        "looked_after": "no",
        "outcome": "died",
        "review_type": "rapid_review",
        **complete_answers(),
    }
    values.pop("completed_month")
    values.update(answers)
    for dimension in dims.REVIEW_DIMENSIONS:
        if not dims.is_asked(dimension, values):
            values[dimension.name] = ""
    return values


def test_a_child_with_two_reviews_is_one_child_and_two_reviews():
    """Children are counted once however many reviews they have; reviews each time."""
    counts = f.count([row(1, child_id=7), row(2, child_id=7), row(3)])
    assert counts.n(f.total(CHILDREN)) == 2
    assert counts.n(f.total(REVIEWS)) == 3
    assert counts.n(f.cell(CHILDREN, "reviews_of_child", "2")) == 1
    assert counts.n(f.cell(CHILDREN, "reviews_of_child", "1")) == 1
    assert counts.n(f.cell(REVIEWS, "reviews_of_child", "2")) == 2
    assert counts.n(f.cell(CHILDREN, "outcome", "died")) == 2


def test_three_or_more_reviews_share_one_value():
    """A child with four reviews is counted under "three or more"."""
    counts = f.count([row(n, child_id=9) for n in range(1, 5)])
    assert counts.n(f.cell(CHILDREN, "reviews_of_child", "3")) == 1
    assert counts.n(f.cell(REVIEWS, "reviews_of_child", "3")) == 4


def test_a_dependent_question_counts_out_of_the_reviews_that_ask_it():
    """Action followed is counted out of reviews where risk was recognised, no others."""
    counts = f.count(
        [
            row(1, risk_recognised="partly", action_followed="no"),
            row(2, risk_recognised="fully", action_followed="yes"),
            row(3, risk_recognised="no"),
        ]
    )
    action = dims.BY_NAME["action_followed"]
    assert counts.n(f.base(action, REVIEWS)) == 2
    assert counts.n(f.cell(REVIEWS, "action_followed", "no")) == 1
    assert counts.n(f.measure_cell("risk_no_action", REVIEWS)) == 1
    assert counts.n(f.base(dims.BY_NAME["risk_recognised"], REVIEWS)) == 3


def test_types_of_harm_count_each_type_once_per_review():
    """A review with two types counts under both; a type written twice counts once."""
    counts = f.count([row(1, harm_types=["sexual", "neglect", "sexual"]), row(2)])
    assert counts.n(f.cell(REVIEWS, "harm_types", "sexual")) == 2
    assert counts.n(f.cell(REVIEWS, "harm_types", "neglect")) == 1
    assert counts.n(f.base(dims.BY_NAME["harm_types"], REVIEWS)) == 2


def test_a_measure_adds_up_its_values():
    """Unheeded disclosures are those dismissed and those not followed up."""
    counts = f.count(
        [
            row(1, disclosure="yes", disclosure_response="dismissed"),
            row(2, disclosure="yes", disclosure_response="not_followed_up"),
            row(3, disclosure="yes", disclosure_response="acted_on"),
            row(4, disclosure="no"),
        ]
    )
    assert counts.n(f.measure_cell("unheeded", REVIEWS)) == 2
    assert counts.n(f.measure_cell("disclosures", REVIEWS)) == 3


def test_crossed_cells_split_by_group_code_and_sex():
    """A crossed dimension's cells are split by ethnic group, DfE code and sex."""
    counts = f.count(
        [
            row(1, disclosure="yes", disclosure_response="dismissed"),
            row(2, ethnicity="MWAS", disclosure="yes", disclosure_response="dismissed"),
            row(3, ethnicity="MWAS", sex="male", disclosure="yes", disclosure_response="acted_on"),
        ],
        crossed=["disclosure_response"],
    )
    dismissed = "dismissed"
    assert counts.n(f.cell(REVIEWS, "disclosure_response", dismissed, "c:MWAS", "female")) == 1
    assert counts.n(f.cell(REVIEWS, "disclosure_response", dismissed, "g:asian", "female")) == 1
    assert counts.n(f.cell(REVIEWS, "disclosure_response", dismissed, "g:mixed", f.ALL)) == 1
    assert counts.n(f.measure_cell("unheeded", REVIEWS, "g:mixed", "male")) == 0
    # The question it depends on is split too, so its base is known in every split.
    assert counts.n(f.base(dims.BY_NAME["disclosure_response"], REVIEWS, "c:MWAS", "male")) == 1


def test_a_cells_key_is_the_sum_of_its_records_keys():
    """The same records give the same key, whichever cell counts them."""
    counts = f.count([row(1), row(2, sex="male")])
    assert counts.key(f.total(REVIEWS)) == 10 + 20
    assert counts.key(f.cell(REVIEWS, "sex", "male")) == 20
    assert counts.key(f.base(dims.BY_NAME["racism_named"], REVIEWS)) == counts.key(f.total(REVIEWS))
    assert counts.key(f.total(CHILDREN)) == 1000 + 2000


def _random_rows(seed, size):
    rng = random.Random(seed)
    rows = []
    for review_id in range(1, size + 1):
        answers = {}
        for dimension in dims.DIMENSIONS:
            if dimension.derived:
                continue
            if dimension.many:
                answers[dimension.name] = rng.sample(dimension.values, rng.randint(1, 3))
            else:
                answers[dimension.name] = rng.choice(dimension.values)
        answers["age"] = rng.choice([None, *range(18)])
        child_id = rng.randint(1, max(1, size * 3 // 4))
        rows.append((child_id, review_id, answers))
    # A child's answers are the same on each of its reviews.
    first = {}
    result = []
    for child_id, review_id, answers in rows:
        child = first.setdefault(
            child_id, {d.name: answers[d.name] for d in dims.CHILD_DIMENSIONS if d.typed}
        )
        answers.update(child)
        answers["age"] = first[child_id].setdefault("age", answers["age"])
        result.append(row(review_id, child_id=child_id, **answers))
    return result


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(1, 40))
def test_every_relation_holds_on_any_records(seed, size):
    """Parts add up to their totals, children never exceed reviews, and so on, always."""
    crossed = ["disclosure_response", "harm_types"]
    counts = f.count(_random_rows(seed, size), crossed=crossed)
    every = f.every_cell(crossed=crossed)
    assert set(counts.cells) <= set(every)
    relations = f.relations(every)
    assert {r.kind for r in relations} == {"sum", "at_least", "at_most"}
    for relation in relations:
        whole, parts = counts.n(relation.whole), sum(counts.n(p) for p in relation.parts)
        if relation.kind == "sum":
            assert whole == parts, relation
        elif relation.kind == "at_least":
            assert whole >= parts, relation
        else:
            assert whole <= parts, relation


@pytest.mark.django_db
def test_review_rows_carry_every_answer_and_both_keys(northshire):
    """The rows the engine counts hold the review's and its child's answers and keys."""
    child = ChildFactory(partnership=northshire, ethnicity="MWAS", age=None)
    review = ReviewFactory(child=child, status="complete", **complete_answers())
    (only,) = selectors.review_rows(selectors.complete_reviews())
    assert only["review_key"] == review.record_key
    assert only["child_key"] == child.record_key
    assert only["ethnicity"] == "MWAS"
    assert only["region_id"] == northshire.region_id
    assert only["disclosure_response"] == "dismissed"
    counts = f.count([only])
    assert counts.n(f.cell(CHILDREN, "age_band", "not_recorded")) == 1
    assert counts.n(f.cell(REVIEWS, "harm_types", "sexual")) == 1
