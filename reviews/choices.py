"""Every field's choices for review cases, as described in docs/reviews.md.

"Not recorded" is a real value wherever the domain offers it, so that what a review left
out can be counted. The ethnicity roll-up to the five ONS 2021 groups lives here only.
"""

from django.db import models

NOT_RECORDED = "not_recorded"


class YesNoNotRecorded(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_RECORDED = NOT_RECORDED, "Not recorded"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_RECORDED = NOT_RECORDED, "Not recorded"


class Ethnicity(models.TextChoices):
    """DfE ethnicity codes, as schools and children's social care record them."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy or Roma"
    WOTH = "WOTH", "Any other White background"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other Mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    CHNE = "CHNE", "Chinese"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Not obtained"


class EthnicityGroup(models.TextChoices):
    """The five ONS 2021 groups, plus not recorded (refused or not obtained)."""

    WHITE = "white", "White"
    MIXED = "mixed", "Mixed or Multiple"
    ASIAN = "asian", "Asian"
    BLACK = "black", "Black"
    OTHER = "other", "Other"
    NOT_RECORDED = NOT_RECORDED, "Not recorded"


# DfE files Chinese under its own heading; the ONS 2021 roll-up puts it under Asian.
ETHNICITY_GROUP = {
    **dict.fromkeys(["WBRI", "WIRI", "WIRT", "WROM", "WOTH"], EthnicityGroup.WHITE),
    **dict.fromkeys(["MWBC", "MWBA", "MWAS", "MOTH"], EthnicityGroup.MIXED),
    **dict.fromkeys(["AIND", "APKN", "ABAN", "CHNE", "AOTH"], EthnicityGroup.ASIAN),
    **dict.fromkeys(["BCRB", "BAFR", "BOTH"], EthnicityGroup.BLACK),
    "OOTH": EthnicityGroup.OTHER,
    **dict.fromkeys(["REFU", "NOBT"], EthnicityGroup.NOT_RECORDED),
}


def ethnicity_group(code: str) -> str:
    """The ONS 2021 group of a DfE ethnicity code."""
    return ETHNICITY_GROUP[code]


class Faith(models.TextChoices):
    NONE = "none", "No religion"
    CHRISTIAN = "christian", "Christian"
    MUSLIM = "muslim", "Muslim"
    HINDU = "hindu", "Hindu"
    SIKH = "sikh", "Sikh"
    JEWISH = "jewish", "Jewish"
    BUDDHIST = "buddhist", "Buddhist"
    OTHER = "other", "Other"
    NOT_RECORDED = NOT_RECORDED, "Not recorded"


class Outcome(models.TextChoices):
    DIED = "died", "Died"
    SERIOUSLY_HARMED = "seriously_harmed", "Seriously harmed"


class ReviewType(models.TextChoices):
    RAPID = "rapid_review", "Rapid review"
    LCSPR = "lcspr", "Local child safeguarding practice review (LCSPR)"


class HarmType(models.TextChoices):
    PHYSICAL = "physical", "Physical abuse or fatal assault"
    SEXUAL = "sexual", "Sexual abuse"
    NEGLECT = "neglect", "Neglect"
    EMOTIONAL = "emotional", "Emotional abuse"
    CCE = "cce", "Child criminal exploitation"
    CSE = "cse", "Child sexual exploitation"
    DOMESTIC = "domestic", "Domestic abuse"
    ONLINE = "online", "Online harm"
    HONOUR = "honour", "Honour-based abuse or FGM"
    SUICIDE = "suicide", "Suicide or self-harm"
    SUDI = "sudi", "Sudden unexpected death"
    OTHER = "other", "Other"


class EthnicityInReview(models.TextChoices):
    ACCURATE = "accurate", "Accurate and detailed"
    SUPERFICIAL = "superficial", "Superficial"
    INACCURATE = "inaccurate", "Inaccurate"
    MISSING = "missing", "Missing"


class RaceAnalysed(models.TextChoices):
    NOT_AT_ALL = "not_at_all", "Not at all"
    SUPERFICIALLY = "superficially", "Superficially"
    SUBSTANTIVELY = "substantively", "Substantively"


class ChildVoice(models.TextChoices):
    ABSENT = "absent", "Absent"
    REPORTED = "reported", "Reported by others"
    OWN_WORDS = "own_words", "In the child's own words"


class RiskRecognised(models.TextChoices):
    NO = "no", "No"
    PARTLY = "partly", "Partly"
    FULLY = "fully", "Fully"


class DisclosureResponse(models.TextChoices):
    ACTED_ON = "acted_on", "Acted on"
    DISMISSED = "dismissed", "Disbelieved or dismissed"
    NOT_FOLLOWED_UP = "not_followed_up", "Not followed up"


class Adultification(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_RELEVANT = "not_relevant", "Not relevant"


class FathersAssessed(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETE = "complete", "Complete"
