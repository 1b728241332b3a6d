import pytest

from reviews import choices as c

# The roll-up as written in docs/reviews.md.
CASES_GROUPS = {
    "white": ["WBRI", "WIRI", "WIRT", "WROM", "WOTH"],
    "mixed": ["MWBC", "MWBA", "MWAS", "MOTH"],
    "asian": ["AIND", "APKN", "ABAN", "CHNE", "AOTH"],
    "black": ["BCRB", "BAFR", "BOTH"],
    "other": ["OOTH"],
    "not_recorded": ["REFU", "NOBT"],
}


def test_every_dfe_code_has_exactly_one_group():
    """The roll-up covers every DfE code once, and nothing that is not a code."""
    assert sorted(c.ETHNICITY_GROUP) == sorted(c.Ethnicity.values)
    assert len(c.Ethnicity.values) == 20
    assert set(c.ETHNICITY_GROUP.values()) <= set(c.EthnicityGroup.values)


def test_the_domain_lists_each_code_under_one_group():
    """Each DfE code appears under exactly one group in the domain's own table."""
    codes = [code for group in CASES_GROUPS.values() for code in group]
    assert len(codes) == len(set(codes))
    assert sorted(codes) == sorted(c.Ethnicity.values)


@pytest.mark.parametrize(
    ("code", "group"),
    [(code, group) for group, codes in CASES_GROUPS.items() for code in codes],
)
def test_code_rolls_up_to_its_domain_group(code, group):
    """ethnicity_group() puts each code in the group CASES.md lists it under."""
    assert c.ethnicity_group(code) == group


def test_chinese_rolls_up_to_asian():
    """CHNE, filed separately by DfE, is Asian in the ONS 2021 roll-up."""
    assert c.ethnicity_group("CHNE") == c.EthnicityGroup.ASIAN


@pytest.mark.parametrize("code", ["REFU", "NOBT"])
def test_refused_and_not_obtained_are_not_recorded(code):
    """Refused and not obtained both count as not recorded."""
    assert c.ethnicity_group(code) == c.NOT_RECORDED


def test_groups_are_the_five_ons_groups_and_not_recorded():
    """The groups are the five ONS 2021 groups plus not recorded, as in CASES.md."""
    assert list(c.EthnicityGroup.values) == list(CASES_GROUPS)
    assert [label for _, label in c.EthnicityGroup.choices] == [
        "White",
        "Mixed or Multiple",
        "Asian",
        "Black",
        "Other",
        "Not recorded",
    ]


def test_unknown_code_has_no_group():
    """A value that is not a DfE code is not silently given a group."""
    with pytest.raises(KeyError):
        c.ethnicity_group("XXXX")


@pytest.mark.parametrize("choices", [c.Sex, c.Faith, c.YesNoNotRecorded])
def test_not_recorded_is_a_real_value(choices):
    """Sex, faith and yes/no/not recorded fields offer "not_recorded" as a value to count."""
    assert "not_recorded" in choices.values
    assert choices("not_recorded").label == "Not recorded"


@pytest.mark.parametrize(
    ("choices", "values"),
    [
        (c.Sex, ["female", "male", "not_recorded"]),
        (c.Outcome, ["died", "seriously_harmed"]),
        (c.ReviewType, ["rapid_review", "lcspr"]),
        (c.Status, ["draft", "complete"]),
        (c.RiskRecognised, ["no", "partly", "fully"]),
        (c.DisclosureResponse, ["acted_on", "dismissed", "not_followed_up"]),
    ],
)
def test_choices_match_the_domain(choices, values):
    """The choices offered are exactly those CASES.md lists."""
    assert list(choices.values) == values


def test_faith_offers_every_domain_answer():
    """Faith offers none, the six named faiths, other and not recorded."""
    assert list(c.Faith.values) == [
        "none",
        "christian",
        "muslim",
        "hindu",
        "sikh",
        "jewish",
        "buddhist",
        "other",
        "not_recorded",
    ]


def test_twelve_harm_types():
    """The review offers the twelve harm types CASES.md lists."""
    assert len(c.HarmType.values) == 12
