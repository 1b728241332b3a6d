"""Review statistics (the dimensions of docs/reviews.md) against hand-counted fixtures.

The main dataset (`hand_counted`) is small enough to count by hand; the expected figures
below were counted from the table in its docstring, not computed by the code under test.
Larger datasets (seeded random, hypothesis) are checked against a plain-Python recount and
for disclosure control: no count from 1 to 4 may reach any exported count column.
"""

import random
from collections import defaultdict
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards import disclosure, publication, selectors
from dashboards import figures as f
from dashboards.tables import COUNT
from partnerships.models import Region
from reviews import choices as c
from reviews import dimensions as dims
from tests.dashboards.factories import complete_review
from tests.partnerships.factories import PartnershipFactory
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

FY2024 = (date(2024, 4, 1), date(2025, 3, 1))  # April 2024 to March 2025, both included


def month(year, number):
    return date(year, number, 1)


# The hand-counted dataset ----------------------------------------------------------------

NO_RISK = {"risk_recognised": "no", "action_followed": ""}
NO_DISCLOSURE = {"disclosure": "no", "disclosure_response": ""}

# Child: (partnership, fields beyond the factory's 12-year-old Pakistani Muslim girl,
# seriously harmed, disability and neurodivergence not recorded).
CHILDREN = {
    "A": ("N", {"age": 12, "ethnicity": "APKN"}),
    "B": (
        "N",
        {
            "sex": "male",
            "age": 0,
            "ethnicity": "WBRI",
            "faith": "none",
            "disability": "no",
            "neurodivergence": "no",
            "outcome": "died",
        },
    ),
    "C": ("N", {"age": 1, "ethnicity": "MWAS", "faith": "christian", "disability": "yes"}),
    "D": (
        "N",
        {
            "age": 4,
            "ethnicity": "CHNE",
            "faith": "not_recorded",
            "neurodivergence": "no",
            "outcome": "died",
        },
    ),
    "E": (
        "N",
        {
            "sex": "male",
            "age": 5,
            "ethnicity": "BCRB",
            "faith": "christian",
            "disability": "no",
            "neurodivergence": "yes",
        },
    ),
    "F": (
        "N",
        {
            "sex": "not_recorded",
            "age": 9,
            "ethnicity": "REFU",
            "faith": "not_recorded",
            "outcome": "died",
        },
    ),
    "G": ("N", {"age": 10, "ethnicity": "NOBT", "disability": "no", "neurodivergence": "no"}),
    "H": ("E", {"age": 15, "ethnicity": "AIND", "faith": "hindu"}),
    "I": (
        "E",
        {
            "sex": "male",
            "age": 16,
            "ethnicity": "BAFR",
            "faith": "christian",
            "disability": "yes",
            "neurodivergence": "no",
            "outcome": "died",
        },
    ),
    "J": ("E", {"age": 17, "ethnicity": "OOTH", "faith": "none"}),
    "K": (
        "E",
        {
            "sex": "male",
            "age": 12,
            "ethnicity": "WIRI",
            "faith": "not_recorded",
            "disability": "no",
        },
    ),
    "L": ("E", {"age": 12, "ethnicity": "ABAN"}),
    "M": (
        "E",
        {
            "age": 13,
            "ethnicity": "MWBC",
            "faith": "christian",
            "disability": "no",
            "neurodivergence": "no",
        },
    ),
    "N": ("E", {"sex": "male", "age": 8, "ethnicity": "WBRI", "outcome": "died"}),
    "O": ("N", {"outcome": "died"}),  # has only a draft review
}

# Review: (child, notification month, answers beyond complete_answers(): a rapid review,
# race not analysed at all, racism not named, voice absent, risk partly recognised and no
# action, disclosure dismissed, no racism alleged).
REVIEWS = {
    "R1": ("A", month(2024, 4), {}),
    "R2": (
        "A",
        month(2024, 10),
        {
            "review_type": "lcspr",
            "race_analysed": "superficially",
            "racism_named": "yes",
            "child_voice": "reported",
            "risk_recognised": "fully",
            "action_followed": "yes",
            "disclosure_response": "acted_on",
            "racism_alleged": "yes",
            "allegation_investigated": "no",
        },
    ),
    "R3": ("B", month(2024, 5), {"child_voice": "own_words", **NO_RISK, **NO_DISCLOSURE}),
    "R4": (
        "C",
        month(2024, 6),
        {
            "race_analysed": "substantively",
            "racism_named": "yes",
            "risk_recognised": "fully",
            "disclosure_response": "not_followed_up",
            "racism_alleged": "yes",
            "allegation_investigated": "yes",
        },
    ),
    "R5": (
        "D",
        month(2025, 3),
        {
            "review_type": "lcspr",
            "race_analysed": "superficially",
            "child_voice": "reported",
            "action_followed": "yes",
        },
    ),
    "R6": ("E", month(2024, 7), {}),
    "R7": (
        "F",
        month(2024, 8),
        {**NO_RISK, **NO_DISCLOSURE, "racism_alleged": "yes", "allegation_investigated": "no"},
    ),
    "R8": ("G", month(2024, 9), {}),
    "R9": ("H", month(2024, 11), {}),
    "R10": (
        "I",
        month(2024, 12),
        {
            "review_type": "lcspr",
            "race_analysed": "substantively",
            "racism_named": "yes",
            "child_voice": "own_words",
            "risk_recognised": "fully",
            "action_followed": "yes",
            "disclosure_response": "acted_on",
        },
    ),
    "R11": (
        "J",
        month(2025, 1),
        {
            "race_analysed": "superficially",
            "child_voice": "reported",
            "risk_recognised": "fully",
            "disclosure_response": "not_followed_up",
        },
    ),
    "R12": (
        "K",
        month(2025, 2),
        {
            "review_type": "lcspr",
            **NO_RISK,
            **NO_DISCLOSURE,
            "racism_alleged": "yes",
            "allegation_investigated": "no",
        },
    ),
    "R13": ("L", month(2025, 3), {}),
    "R14": (
        "M",
        month(2024, 4),
        {
            "race_analysed": "substantively",
            "child_voice": "own_words",
            "action_followed": "yes",
            "disclosure_response": "acted_on",
        },
    ),
    # Outside FY2024: a second review of B the month before, a review of N the month after.
    "X1": ("B", month(2024, 3), {}),
    "X2": ("N", month(2025, 4), {}),
}
IN_FY2024 = [f"R{number}" for number in range(1, 15)]

# Hand counts over FY2024: R1-R14, 13 children (A has two reviews).
FY2024_MEASURES = {
    "reviews": 14,
    "type_rapid_review": 10,
    "type_lcspr": 4,  # R2 R5 R10 R12
    "race_not_at_all": 8,  # R1 R3 R6 R7 R8 R9 R12 R13
    "race_superficially": 3,  # R2 R5 R11
    "race_substantively": 3,  # R4 R10 R14
    "racism_named": 3,  # R2 R4 R10
    "risk_no_action": 7,  # R1 R4 R6 R8 R9 R11 R13 (R3 R7 R12: risk "no")
    "voice_absent": 8,  # R1 R4 R6 R7 R8 R9 R12 R13
    "disclosures": 11,  # all but R3 R7 R12
    "unheeded": 8,  # R1 R4 R5 R6 R8 R9 R11 R13 (R2 R10 R14 acted on)
    "alleged": 4,  # R2 R4 R7 R12
    "not_investigated": 3,  # R2 R7 R12
    "children": 13,
    "outcome_died": 4,  # B D F I
    "outcome_seriously_harmed": 9,  # A C E G H J K L M
    "faith_not_recorded": 3,  # D F K
    "disability_not_recorded": 6,  # A D F H J L
    "neurodivergence_not_recorded": 7,  # A C F H J K L
}

NORTH_EAST_FY2024 = {  # Northshire: R1-R8, children A-G
    "reviews": 8,
    "type_rapid_review": 6,
    "type_lcspr": 2,
    "race_not_at_all": 5,
    "race_superficially": 2,
    "race_substantively": 1,
    "racism_named": 2,
    "risk_no_action": 4,
    "voice_absent": 5,
    "disclosures": 6,
    "unheeded": 5,
    "alleged": 3,
    "not_investigated": 2,
    "children": 7,
    "outcome_died": 3,
    "outcome_seriously_harmed": 4,
    "faith_not_recorded": 2,
    "disability_not_recorded": 3,
    "neurodivergence_not_recorded": 3,
}

LONDON_FY2024 = {  # Eastmere: R9-R14, children H-M
    "reviews": 6,
    "type_rapid_review": 4,
    "type_lcspr": 2,
    "race_not_at_all": 3,
    "race_superficially": 1,
    "race_substantively": 2,
    "racism_named": 1,
    "risk_no_action": 3,
    "voice_absent": 3,
    "disclosures": 5,
    "unheeded": 3,
    "alleged": 1,
    "not_investigated": 1,
    "children": 6,
    "outcome_died": 1,
    "outcome_seriously_harmed": 5,
    "faith_not_recorded": 1,
    "disability_not_recorded": 3,
    "neurodivergence_not_recorded": 4,
}

ONE_EACH = {"children": 1, "reviews": 1}
FY2024_BREAKDOWNS = {
    ("ethnicity", "APKN"): {"children": 1, "reviews": 2},
    **{
        ("ethnicity", code): ONE_EACH
        for code in [
            "WBRI",
            "WIRI",
            "MWAS",
            "MWBC",
            "CHNE",
            "AIND",
            "ABAN",
            "BCRB",
            "BAFR",
            "OOTH",
            "REFU",
            "NOBT",
        ]
    },
    ("sex", "female"): {"children": 8, "reviews": 9},
    ("sex", "male"): {"children": 4, "reviews": 4},
    ("sex", "not_recorded"): ONE_EACH,
    ("age", "under_1"): ONE_EACH,  # B 0
    ("age", "1_4"): {"children": 2, "reviews": 2},  # C 1, D 4
    ("age", "5_9"): {"children": 2, "reviews": 2},  # E 5, F 9
    ("age", "10_15"): {"children": 6, "reviews": 7},  # A 12 (twice), G 10, H 15, K, L, M
    ("age", "16_17"): {"children": 2, "reviews": 2},  # I 16, J 17
    ("unheeded", "female", "APKN"): {"reviews": 1},  # R1
    ("unheeded", "female", "MWAS"): {"reviews": 1},  # R4
    ("unheeded", "female", "CHNE"): {"reviews": 1},  # R5
    ("unheeded", "male", "BCRB"): {"reviews": 1},  # R6
    ("unheeded", "female", "NOBT"): {"reviews": 1},  # R8
    ("unheeded", "female", "AIND"): {"reviews": 1},  # R9
    ("unheeded", "female", "OOTH"): {"reviews": 1},  # R11
    ("unheeded", "female", "ABAN"): {"reviews": 1},  # R13
}


@pytest.fixture
def hand_counted(northshire, eastmere):
    """Northshire in the North East, Eastmere in London, and the reviews of REVIEWS
    (complete), plus a draft review of child O in the middle of FY2024."""
    north_east = Region.objects.get(slug="north-east")
    london = Region.objects.get(slug="london")
    northshire.region = north_east
    northshire.save()
    eastmere.region = london
    eastmere.save()
    partnerships = {"N": northshire, "E": eastmere}
    children = {
        key: ChildFactory(partnership=partnerships[where], **fields)
        for key, (where, fields) in CHILDREN.items()
    }
    reviews = {
        label: complete_review(
            children[child].partnership, child=children[child], notified=notified, **answers
        )
        for label, (child, notified, answers) in REVIEWS.items()
    }
    draft = ReviewFactory(
        child=children["O"],
        status="draft",
        incident_month=month(2024, 6),
        notification_month=month(2024, 6),
        **complete_answers(),
    )
    return SimpleNamespace(
        northshire=northshire,
        eastmere=eastmere,
        north_east=north_east,
        london=london,
        children=children,
        reviews=reviews,
        draft=draft,
    )


# Helpers -----------------------------------------------------------------------------------


def exact_tables(reviews, *, area="England"):
    """The published tables laid out over the exact counts (a partnership's own screen)."""
    rows = selectors.review_rows(reviews)
    return publication.area_tables(publication.exact_show(rows), area)


def exact_region_table(reviews):
    """The by-region table over exact counts: every region, then England."""
    rows = selectors.review_rows(reviews)
    areas = [
        (region.name, publication.exact_show([r for r in rows if r["region_id"] == region.pk]))
        for region in selectors.regions()
    ]
    return publication.region_table([*areas, ("England", publication.exact_show(rows))])


def by_slug(tables):
    return {table.slug: table for table in tables}


def rows(table):
    """{row header: cells} of a table whose row headers are unique."""
    result = {row.header: row.cells for row in table.rows}
    assert len(result) == len(table.rows), table.slug
    return result


def cell(table, header, column_label):
    labels = [column.label for column in table.columns[1:]]
    return rows(table)[header][labels.index(column_label)]


def is_small_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4


def assert_no_small_count_exported(tables):
    """Scan every count column of every table's export for a bare count from 1 to 4."""
    assert tables
    for table in tables:
        header, exported = table.export_rows()
        assert len(header) == len(table.columns)
        count_columns = [i for i, column in enumerate(table.columns) if column.kind == COUNT]
        assert count_columns, table.slug
        for row in exported:
            for i in count_columns:
                assert not is_small_int(row[i]), (table.slug, row[0], header[i], row[i])


def assert_groups_add_up(ethnicity_table):
    """Each ethnic group row (level 0) is the sum of the code rows (level 1) under it,
    for children and reviews (the count columns)."""
    count_columns = [
        i for i, column in enumerate(ethnicity_table.columns[1:]) if column.kind == COUNT
    ]
    groups = {}
    current = None
    for row in ethnicity_table.rows:
        if row.level == 0:
            current = row
            groups[row.header] = (row, [])
        else:
            groups[current.header][1].append(row)
    for header, (group, codes) in groups.items():
        if header == "All":
            continue
        assert codes, header
        for i in count_columns:
            assert group.cells[i] == sum(code.cells[i] for code in codes), (header, i)


# A plain-Python recount, the oracle for generated datasets ---------------------------------

REVIEW_TESTS = {
    "reviews": lambda r: True,
    "type_rapid_review": lambda r: r["review_type"] == "rapid_review",
    "type_lcspr": lambda r: r["review_type"] == "lcspr",
    "race_not_at_all": lambda r: r["race_analysed"] == "not_at_all",
    "race_superficially": lambda r: r["race_analysed"] == "superficially",
    "race_substantively": lambda r: r["race_analysed"] == "substantively",
    "racism_named": lambda r: r["racism_named"] == "yes",
    "risk_no_action": lambda r: (
        r["risk_recognised"] in ("partly", "fully") and r["action_followed"] == "no"
    ),
    "voice_absent": lambda r: r["child_voice"] == "absent",
    "disclosures": lambda r: r["disclosure"] == "yes",
    "unheeded": lambda r: (
        r["disclosure"] == "yes" and r["disclosure_response"] in ("dismissed", "not_followed_up")
    ),
    "alleged": lambda r: r["racism_alleged"] == "yes",
    "not_investigated": lambda r: (
        r["racism_alleged"] == "yes" and r["allegation_investigated"] == "no"
    ),
}
CHILD_TESTS = {
    "children": lambda r: True,
    "outcome_died": lambda r: r["outcome"] == "died",
    "outcome_seriously_harmed": lambda r: r["outcome"] == "seriously_harmed",
    "faith_not_recorded": lambda r: r["faith"] == "not_recorded",
    "disability_not_recorded": lambda r: r["disability"] == "not_recorded",
    "neurodivergence_not_recorded": lambda r: r["neurodivergence"] == "not_recorded",
}


def age_band(age):
    """The band of an age as CASES.md states them: under 1, 1-4, 5-9, 10-15, 16-17, or
    not recorded for a blank age."""
    if age is None:
        return "not_recorded"
    for key, low, high in [
        ("under_1", 0, 0),
        ("1_4", 1, 4),
        ("5_9", 5, 9),
        ("10_15", 10, 15),
        ("16_17", 16, 17),
    ]:
        if low <= age <= high:
            return key
    raise AssertionError(age)


def recount_measures(records):
    result = {name: sum(1 for r in records if test(r)) for name, test in REVIEW_TESTS.items()}
    result.update(
        {name: len({r["child"] for r in records if test(r)}) for name, test in CHILD_TESTS.items()}
    )
    return result


def recount_by_region(records):
    per_region = defaultdict(list)
    for record in records:
        per_region[record["region"]].append(record)
    return {region: recount_measures(found) for region, found in per_region.items()}


def recount_breakdowns(records):
    children, reviews, unheeded = defaultdict(set), defaultdict(int), defaultdict(int)
    for r in records:
        for key in (("ethnicity", r["ethnicity"]), ("sex", r["sex"]), ("age", age_band(r["age"]))):
            children[key].add(r["child"])
            reviews[key] += 1
        if REVIEW_TESTS["unheeded"](r):
            unheeded[("unheeded", r["sex"], r["ethnicity"])] += 1
    result = {key: {"children": len(children[key]), "reviews": reviews[key]} for key in reviews}
    result.update({key: {"reviews": count} for key, count in unheeded.items()})
    return result


def random_child_fields(rng):
    return {
        "sex": rng.choice(c.Sex.values),
        "age": None if rng.random() < 0.1 else rng.randint(0, 17),
        "ethnicity": rng.choice(c.Ethnicity.values),
        "faith": rng.choice(c.Faith.values),
        "disability": rng.choice(c.YesNoNotRecorded.values),
        "neurodivergence": rng.choice(c.YesNoNotRecorded.values),
        "outcome": rng.choice(c.Outcome.values),
    }


def random_answers(rng):
    risk = rng.choice(c.RiskRecognised.values)
    disclosure = rng.choice(c.YesNo.values)
    alleged = rng.choice(["yes", "no", "no"])
    return {
        "review_type": rng.choice(c.ReviewType.values),
        "race_analysed": rng.choice(c.RaceAnalysed.values),
        "racism_named": rng.choice(c.YesNo.values),
        "child_voice": rng.choice(c.ChildVoice.values),
        "risk_recognised": risk,
        "action_followed": "" if risk == "no" else rng.choice(c.YesNo.values),
        "disclosure": disclosure,
        "disclosure_response": (
            rng.choice(c.DisclosureResponse.values) if disclosure == "yes" else ""
        ),
        "racism_alleged": alleged,
        "allegation_investigated": rng.choice(c.YesNo.values) if alleged == "yes" else "",
    }


@pytest.fixture(params=[7, 2024])
def random_dataset(request, db):
    """80 complete reviews from a seeded generator: 5 partnerships in 3 regions, every
    ethnicity code, sex, age (1 in 10 blank) and answer drawn at random (so many groups of
    1 to 4), some
    children reviewed twice, notified from January 2023 to December 2025; with the records
    kept for a plain-Python recount."""
    rng = random.Random(request.param)
    regions = list(Region.objects.filter(slug__in=["north-west", "london", "south-west"]))
    partnerships = [PartnershipFactory(region=regions[i % 3]) for i in range(5)]
    records, children = [], []
    for _ in range(80):
        if children and rng.random() < 0.15:
            child, fields = rng.choice(children)
        else:
            fields = random_child_fields(rng)
            child = ChildFactory(partnership=rng.choice(partnerships), **fields)
            children.append((child, fields))
        notified = month(rng.randint(2023, 2025), rng.randint(1, 12))
        answers = random_answers(rng)
        complete_review(child.partnership, child=child, notified=notified, **answers)
        records.append(
            {
                "child": child.pk,
                "partnership": child.partnership.pk,
                "region": child.partnership.region_id,
                "notified": notified,
                **fields,
                **answers,
            }
        )
    return SimpleNamespace(records=records, regions=regions, partnerships=partnerships)


# 1. Single-figure measures -------------------------------------------------------------------


def test_complete_reviews_keeps_complete_reviews_notified_in_the_period(hand_counted):
    """The FY2024 filter keeps R1-R14 (both end months), not X1, X2 or the draft."""
    expected = {hand_counted.reviews[label].pk for label in IN_FY2024}

    found = set(selectors.complete_reviews(period=FY2024).values_list("pk", flat=True))

    assert found == expected
    assert hand_counted.draft.pk not in set(
        selectors.complete_reviews().values_list("pk", flat=True)
    )


def test_measures_over_the_period_match_the_hand_counts(hand_counted):
    """Every single figure over FY2024 equals the hand count (A's two reviews make one child)."""
    assert selectors.measures(selectors.complete_reviews(period=FY2024)) == FY2024_MEASURES


def test_measures_without_a_period_add_the_reviews_outside_it(hand_counted):
    """Without a period X1 adds a review of B (no new child) and X2 a review and a child."""
    expected = {
        **FY2024_MEASURES,
        "reviews": 16,
        "type_rapid_review": 12,
        "race_not_at_all": 10,
        "risk_no_action": 9,
        "voice_absent": 10,
        "disclosures": 13,
        "unheeded": 10,
        "children": 14,
        "outcome_died": 5,
        "disability_not_recorded": 7,
        "neurodivergence_not_recorded": 8,
    }

    assert selectors.measures(selectors.complete_reviews()) == expected


def test_a_child_with_two_reviews_is_one_child_by_outcome(northshire):
    """Two complete reviews of one child who died count as two reviews and one child."""
    child = ChildFactory(partnership=northshire, outcome="died")
    complete_review(northshire, child=child)
    complete_review(northshire, child=child, review_type="lcspr")

    found = selectors.measures(selectors.complete_reviews())

    assert (found["reviews"], found["type_rapid_review"], found["type_lcspr"]) == (2, 1, 1)
    assert (found["children"], found["outcome_died"], found["outcome_seriously_harmed"]) == (
        1,
        1,
        0,
    )


@pytest.mark.parametrize(
    "risk, action, counted",
    [
        ("partly", "no", 1),
        ("fully", "no", 1),
        ("partly", "yes", 0),
        ("fully", "yes", 0),
        ("no", "", 0),
    ],
)
def test_risk_no_action_needs_risk_recognised_and_no_action(northshire, risk, action, counted):
    """Only risk partly or fully recognised with action_followed "no" counts; risk "no" never."""
    complete_review(northshire, risk_recognised=risk, action_followed=action)

    assert selectors.measures(selectors.complete_reviews())["risk_no_action"] == counted


@pytest.mark.parametrize(
    "disclosure, response, disclosures, unheeded",
    [
        ("yes", "dismissed", 1, 1),
        ("yes", "not_followed_up", 1, 1),
        ("yes", "acted_on", 1, 0),
        ("no", "", 0, 0),
    ],
)
def test_unheeded_disclosures_are_dismissed_or_not_followed_up(
    northshire, disclosure, response, disclosures, unheeded
):
    """A disclosure is unheeded when dismissed or not followed up; acted on does not count."""
    complete_review(northshire, disclosure=disclosure, disclosure_response=response)

    found = selectors.measures(selectors.complete_reviews())

    assert (found["disclosures"], found["unheeded"]) == (disclosures, unheeded)


def test_draft_reviews_count_for_nothing(northshire):
    """A draft review with every answer given adds no review, child or finding."""
    ReviewFactory(child=ChildFactory(partnership=northshire), status="draft", **complete_answers())

    found = selectors.measures(selectors.complete_reviews())

    assert set(found.values()) == {0}
    assert selectors.breakdowns(selectors.complete_reviews()) == {}


# 2. Breakdowns -------------------------------------------------------------------------------


def test_breakdowns_over_the_period_match_the_hand_counts(hand_counted):
    """Breakdowns by code, sex, age band and unheeded sex/code equal the FY2024 hand counts."""
    assert selectors.breakdowns(selectors.complete_reviews(period=FY2024)) == FY2024_BREAKDOWNS


def test_breakdowns_without_a_period_count_a_child_once_per_group(hand_counted):
    """Without a period WBRI has 2 children (B, N) and 3 reviews (R3, X1, X2)."""
    found = selectors.breakdowns(selectors.complete_reviews())

    assert found[("ethnicity", "WBRI")] == {"children": 2, "reviews": 3}
    assert found[("sex", "male")] == {"children": 5, "reviews": 6}
    assert found[("age", "under_1")] == {"children": 1, "reviews": 2}
    assert found[("age", "5_9")] == {"children": 3, "reviews": 3}
    assert found[("unheeded", "male", "WBRI")] == {"reviews": 2}


@pytest.mark.parametrize(
    "age, band",
    [
        (0, "under_1"),
        (1, "1_4"),
        (4, "1_4"),
        (5, "5_9"),
        (9, "5_9"),
        (10, "10_15"),
        (15, "10_15"),
        (16, "16_17"),
        (17, "16_17"),
        (None, "not_recorded"),
    ],
)
def test_each_age_lands_in_its_band(northshire, age, band):
    """A child of each boundary age (or of none recorded) counts in its own band and no other."""
    complete_review(northshire, child_fields={"age": age})

    found = selectors.breakdowns(selectors.complete_reviews())

    assert {key[1] for key in found if key[0] == "age"} == {band}
    assert found[("age", band)] == {"children": 1, "reviews": 1}


# 3. Regions, period and partnership filters ------------------------------------------------


def test_measures_by_region_over_the_period_match_the_hand_counts(hand_counted):
    """Each region's measures over FY2024 are hand-counted; regions with no review are left out."""
    found = selectors.measures_by_region(selectors.complete_reviews(period=FY2024))

    assert found == {
        hand_counted.north_east.pk: NORTH_EAST_FY2024,
        hand_counted.london.pk: LONDON_FY2024,
    }


def test_regions_add_up_to_the_national_measures(hand_counted):
    """Every measure summed over the regions equals the national one, in FY2024 and all time."""
    for period in (FY2024, None):
        reviews = selectors.complete_reviews(period=period)
        national = selectors.measures(reviews)
        by_region = selectors.measures_by_region(reviews)
        for name, value in national.items():
            assert sum(values[name] for values in by_region.values()) == value, (period, name)


def test_region_filter_gives_the_region_measures(hand_counted):
    """complete_reviews(region=) over FY2024 gives the hand-counted London figures."""
    reviews = selectors.complete_reviews(period=FY2024, region=hand_counted.london)

    assert selectors.measures(reviews) == LONDON_FY2024


def test_partnership_filter_with_and_without_a_period(hand_counted):
    """The partnership filter gives each partnership's hand counts, with and without a period."""
    counts = {}
    for name, partnership in (("N", hand_counted.northshire), ("E", hand_counted.eastmere)):
        for period in (FY2024, None):
            found = selectors.measures(
                selectors.complete_reviews(period=period, partnership=partnership)
            )
            counts[(name, period is not None)] = (
                found["reviews"],
                found["children"],
                found["type_lcspr"],
                found["risk_no_action"],
            )

    assert counts == {
        ("N", True): (8, 7, 2, 4),
        ("N", False): (9, 7, 2, 5),
        ("E", True): (6, 6, 2, 3),
        ("E", False): (7, 7, 2, 4),
    }


def test_a_narrow_period_includes_both_end_months(hand_counted):
    """October to December 2024 holds exactly R2, R9 and R10 (both end months included)."""
    found = selectors.measures(
        selectors.complete_reviews(period=(month(2024, 10), month(2024, 12)))
    )

    assert (found["reviews"], found["children"], found["type_lcspr"]) == (3, 3, 2)
    assert (found["racism_named"], found["unheeded"], found["not_investigated"]) == (2, 1, 1)


# 4. Tables over exact counts (a partnership's own screen) ------------------------------------


def test_exact_type_and_outcome_tables(hand_counted):
    """Reviews by type and children by outcome show the hand counts and their percentages."""
    tables = by_slug(exact_tables(selectors.complete_reviews(period=FY2024)))

    assert rows(tables["dimension-review-type"]) == {
        "Rapid review": [10, 71],
        "Local child safeguarding practice review (LCSPR)": [4, 29],
        "All": [14, 100],
    }
    outcome = rows(tables["dimension-outcome"])
    assert outcome["Died"][:2] == [4, 31]
    assert outcome["Seriously harmed"][:2] == [9, 69]
    assert outcome["All"][:2] == [13, 100]


def test_exact_measures_table(hand_counted):
    """What the reviews found: each hand-counted finding, what it is out of, and the share."""
    found = rows(by_slug(exact_tables(selectors.complete_reviews(period=FY2024)))["measures"])

    assert found["Race, ethnicity and culture analysed not at all"] == [8, 14, "reviews", 57]
    assert found["Racism named"] == [3, 14, "reviews", 21]
    assert found["Risk recognised before the incident but no action followed"] == [
        7,
        found["Risk recognised before the incident but no action followed"][1],
        "reviews where risk was recognised",
        found["Risk recognised before the incident but no action followed"][3],
    ]
    assert found["Child's voice absent"] == [8, 14, "reviews", 57]
    assert found["Child disclosed abuse"] == [11, 14, "reviews", 79]
    assert found["Disclosure disbelieved, dismissed or not followed up"] == [
        8,
        11,
        "reviews where the child disclosed abuse",
        73,
    ]
    assert found["Family alleged racist practice"] == [4, 14, "reviews", 29]
    assert found["Allegation of racist practice not investigated"] == [
        3,
        4,
        "reviews where the family alleged racism",
        75,
    ]
    assert found["Faith not recorded"] == [3, 13, "children", 23]
    assert found["Disability not recorded"] == [6, 13, "children", 46]
    assert found["Neurodivergence not recorded"] == [7, 13, "children", 54]


def test_exact_ethnicity_table(hand_counted):
    """Codes sit under their ONS group (CHNE Asian; REFU, NOBT Not recorded) and add up to it."""
    table = by_slug(exact_tables(selectors.complete_reviews(period=FY2024)))["ethnicity"]
    found = rows(table)

    headers = [row.header for row in table.rows]
    asian = headers.index("Asian")
    assert headers[asian + 1 : asian + 6] == [
        "Indian (AIND)",
        "Pakistani (APKN)",
        "Bangladeshi (ABAN)",
        "Chinese (CHNE)",
        "Any other Asian background (AOTH)",
    ]
    assert_groups_add_up(table)
    # [children, % of children (13), reviews, % of reviews (14)]
    assert found["Asian"] == [4, 31, 5, 36]
    assert found["Pakistani (APKN)"] == [1, 8, 2, 14]
    assert found["White"] == [2, 15, 2, 14]
    assert found["Not recorded"] == [2, 15, 2, 14]
    assert found["All"] == [13, 100, 14, 100]


def test_exact_unheeded_disclosures_table(hand_counted):
    """Unheeded disclosures by ethnic group (no codes) and sex, with both totals."""
    table = by_slug(exact_tables(selectors.complete_reviews(period=FY2024)))["cross-unheeded"]

    assert [column.label for column in table.columns] == [
        "Ethnic group",
        "Female",
        "Male",
        "Not recorded",
        "All",
    ]
    assert rows(table) == {
        "White": [0, 0, 0, 0],
        "Mixed or Multiple": [1, 0, 0, 1],
        "Asian": [4, 0, 0, 4],
        "Black": [0, 1, 0, 1],
        "Other": [1, 0, 0, 1],
        "Not recorded": [1, 0, 0, 1],
        "All": [7, 1, 0, 8],
    }


def test_exact_by_region_table(hand_counted):
    """The by-region table shows each region's hand counts, England as their sum."""
    table = exact_region_table(selectors.complete_reviews(period=FY2024))
    found = rows(table)

    assert len(table.rows) == 10  # 9 regions and England
    assert found["London"] == [6, 6, 3, 50, 1, 17, 3, 50, 3, 50]
    assert found["England"] == [14, 13, 8, 57, 3, 21, 7, 50, 8, 57]
    assert found["South West"] == [0, 0, 0, None, 0, None, 0, None, 0, None]
    assert cell(table, "North East", "Reviews") == 8
    assert cell(table, "North East", "Children") == 7
    assert cell(table, "North East", "Racism named, % of reviews") == 25


def test_children_by_number_of_reviews(hand_counted):
    """Child A has two reviews in FY2024: 12 children with one, 1 with two (2 reviews)."""
    tables = by_slug(exact_tables(selectors.complete_reviews(period=FY2024)))
    found = rows(tables["dimension-reviews-of-child"])

    assert found["One review"][0] == 12
    assert found["Two reviews"][0] == 1
    assert found["Two reviews"][2] == 2
    assert found["Three or more reviews"][0] == 0


def test_every_published_table_is_laid_out_for_a_partnership(hand_counted):
    """A partnership's own screen has every published table but the by-region one."""
    reviews = selectors.complete_reviews(partnership=hand_counted.eastmere)
    tables = by_slug(exact_tables(reviews, area="Eastmere"))

    assert {"measures", "ethnicity", "cross-unheeded", "cross-disclosures"} <= set(tables)
    assert "disclosed-harm-types" in tables
    assert {f"dimension-{d.name.replace('_', '-')}" for d in dims.DIMENSIONS} <= set(tables)


# 5. Published figures (pure: rows in, figures out) --------------------------------------------


def fy2024_rows():
    return selectors.review_rows(selectors.complete_reviews(period=FY2024))


def test_an_area_with_fewer_than_10_reviews_is_withheld_whole(hand_counted):
    """England (14 reviews) is published; North East (8), London (6) and the rest are not."""
    published = publication.published_figures(fy2024_rows(), selectors.regions())

    assert published["england"] is not None
    assert set(published) == {"england", *(str(r.pk) for r in selectors.regions())}
    assert all(published[str(region.pk)] is None for region in selectors.regions())


def test_10_reviews_are_enough_to_publish_an_area(hand_counted):
    """An area needs MIN_REVIEWS (10) complete reviews: 10 in a region publish it."""
    rows = fy2024_rows()
    london = hand_counted.london.pk
    extra = [
        {**rows[0], "id": 1000 + i, "child_id": 1000 + i, "region_id": london} for i in range(4)
    ]
    published = publication.published_figures(rows + extra, selectors.regions())

    assert publication.MIN_REVIEWS == 10
    assert published[str(london)] is not None


def test_published_figures_are_the_perturbed_counts_of_the_records(hand_counted):
    """England's reviews and children are perturb(count, sum of the records' keys)."""
    reviews = list(selectors.complete_reviews(period=FY2024).select_related("child"))
    children = {review.child_id: review.child.record_key for review in reviews}
    published = publication.published_figures(fy2024_rows(), selectors.regions())["england"]

    assert published[f.total("reviews")] == disclosure.perturb(
        14, sum(review.record_key for review in reviews)
    )
    assert published[f.total("children")] == disclosure.perturb(13, sum(children.values()))


def test_disclosed_harm_types_count_only_reviews_with_a_disclosure(hand_counted):
    """The prefixed cells count the 11 reviews with a disclosure, not all 14."""
    rows = [row for row in fy2024_rows() if row["disclosure"] == "yes"]
    name = f.base(dims.BY_NAME["harm_types"], "reviews")
    published = publication.published_figures(fy2024_rows(), [])["england"]

    assert published[publication.disclosed(name)] == disclosure.perturb(
        11, sum(row["review_key"] for row in rows)
    )


def test_only_the_cells_the_tables_use_are_stored(hand_counted):
    """The stored cells are exactly those the published tables read."""
    published = publication.published_figures(fy2024_rows(), [])["england"]

    assert set(published) == set(publication.PUBLISHED_CELLS)
    assert all(isinstance(value, int) for value in published.values())


def test_a_cell_shown_in_two_tables_has_one_figure(hand_counted):
    """All reviews: the same figure in the measures, ethnicity and type tables."""
    published = publication.published_figures(fy2024_rows(), [])["england"]
    tables = by_slug(publication.tables_of(published, "England"))
    total = published[f.total("reviews")]

    assert rows(tables["ethnicity"])["All"][2] == total
    assert rows(tables["dimension-review-type"])["All"][0] == total
    assert rows(tables["measures"])["Racism named"][1] == total


def test_the_order_of_the_rows_does_not_change_a_figure(hand_counted):
    """Figures depend on which records are counted, not the order they are read in."""
    rows = fy2024_rows()

    assert publication.published_figures(rows, []) == publication.published_figures(
        list(reversed(rows)), []
    )


def test_published_tables_export_no_count_from_1_to_4(hand_counted):
    """No count column of a published table's export holds 1 to 4 (the data has many)."""
    published = publication.published_figures(fy2024_rows(), [])["england"]

    assert_no_small_count_exported(publication.tables_of(published, "England"))


@st.composite
def generated_rows(draw):
    """Up to 80 review rows about up to 50 children in 3 regions, every answer drawn."""
    count = draw(st.integers(min_value=0, max_value=80))
    children = draw(st.integers(min_value=1, max_value=50))
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    people = []
    for _ in range(children):
        person = {**random_child_fields(rng), "child_key": rng.randrange(2**31)}
        for dimension in dims.CHILD_DIMENSIONS:
            if dimension.typed and dimension.name not in person:
                person[dimension.name] = rng.choice(dimension.values)
        people.append({**person, "region_id": rng.randint(1, 3)})
    result = []
    for number in range(count):
        child = rng.randrange(children)
        answers = {**complete_answers(), **random_answers(rng)}
        answers["harm_types"] = rng.sample(c.HarmType.values, rng.randint(1, 3))
        for dimension in dims.REVIEW_DIMENSIONS:
            answers.setdefault(dimension.name, "")
        result.append(
            {
                "id": number,
                "child_id": child,
                "review_key": rng.randrange(2**31),
                **people[child],
                **answers,
            }
        )
    return result


@settings(max_examples=40, deadline=None)
@given(rows=generated_rows())
def test_generated_figures_are_never_1_to_4_and_within_2_of_the_count(rows):
    """Property: every published figure is 0 or >= 5 and in true_range of its true count."""
    published = publication.published_figures(rows, [1, 2, 3])
    for area, figures in published.items():
        area_rows = rows if area == "england" else [r for r in rows if str(r["region_id"]) == area]
        assert (figures is None) == (len(area_rows) < publication.MIN_REVIEWS)
        if figures is None:
            continue
        exact = publication.exact_show(area_rows)
        for name, value in figures.items():
            assert value == 0 or value >= 5
            lo, hi = disclosure.true_range(value)
            assert lo <= exact(name) <= hi, (area, name)
