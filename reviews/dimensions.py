"""Every dimension a review case records, declared once.

A dimension is one question about the child or the review: the field that holds the answer,
its values, the question it depends on (if any), and the named measures it feeds. The forms'
order, what a review needs before it is complete, the statistics on every dashboard and the
totals the disclosure rules and the attacker tests rely on are all derived from this list, so
a new dimension is one entry here (and its model field).

Two dimensions are derived rather than typed: the age band (from the age) and how many
reviews a child has (from the reviews counted together).
"""

from dataclasses import dataclass, field

from . import choices as c

CHILD, REVIEW = "child", "review"
CHILDREN, REVIEWS = "children", "reviews"

# (key, label, lowest age, highest age); an age not recorded is a band of its own.
AGE_BANDS = [
    ("under_1", "Under 1", 0, 0),
    ("1_4", "1 to 4", 1, 4),
    ("5_9", "5 to 9", 5, 9),
    ("10_15", "10 to 15", 10, 15),
    ("16_17", "16 to 17", 16, 17),
    (c.NOT_RECORDED, "Not recorded", None, None),
]

REVIEWS_OF_CHILD = [("1", "One review"), ("2", "Two reviews"), ("3", "Three or more reviews")]


@dataclass(frozen=True)
class Measure:
    """A count the statistics name: the records whose answer is one of `values`."""

    name: str
    label: str
    values: frozenset


@dataclass(frozen=True)
class Dimension:
    """One question about the child (CHILD) or the review (REVIEW).

    `asked_when` is (another dimension, the values of it for which this one is asked): the
    question is answered only then, and its figures are counted out of those records.
    `many` marks a question with several answers at once (types of harm): its values do not
    add up to its base. `derived` marks a dimension worked out, not typed.
    """

    name: str
    on: str
    section: str
    asked_when: tuple[str, frozenset] | None = None
    condition: str = ""  # the asked_when condition in words: "risk was recognised"
    many: bool = False
    derived: str = ""  # "age_band" or "reviews_of_child"
    measures: tuple[Measure, ...] = field(default=())
    # A child dimension's figures are of children and of their reviews; a review's, of reviews.

    @property
    def units(self) -> tuple[str, ...]:
        return (CHILDREN, REVIEWS) if self.on == CHILD else (REVIEWS,)

    @property
    def model_field(self):
        if self.derived == "age_band":
            return _model(CHILD)._meta.get_field("age")
        if self.derived:
            return None
        return _model(self.on)._meta.get_field(self.name)

    @property
    def question(self) -> str:
        if self.derived == "reviews_of_child":
            return "Reviews about the child"
        if self.derived == "age_band":
            return "Age at the incident"
        text = str(self.model_field.verbose_name)
        return text[:1].upper() + text[1:]

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(value, label) of every value the dimension counts, in the form's order."""
        if self.derived == "age_band":
            return [(key, label) for key, label, *_bounds in AGE_BANDS]
        if self.derived == "reviews_of_child":
            return list(REVIEWS_OF_CHILD)
        if self.many:
            return list(c.HarmType.choices)
        return [(value, label) for value, label in self.model_field.choices if value != ""]

    @property
    def values(self) -> list[str]:
        return [value for value, _label in self.choices]

    def label_of(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    @property
    def typed(self) -> bool:
        """Whether someone answers it on a form (not worked out)."""
        return not self.derived


def _model(on):
    from .models import Child, Review

    return Child if on == CHILD else Review


def _yes(name, label):
    return (Measure(name, label, frozenset({c.YesNo.YES})),)


def _not_recorded(name, what):
    return (Measure(f"{name}_not_recorded", f"{what} not recorded", frozenset({c.NOT_RECORDED})),)


ABOUT_CHILD = "About the child"
THE_REVIEW = "The review"
WHAT_REVIEW_DID = "What the review did"

# In the order the forms ask them. A child's questions first, then the review's.
DIMENSIONS = [
    Dimension("sex", CHILD, ABOUT_CHILD),
    Dimension("age_band", CHILD, ABOUT_CHILD, derived="age_band"),
    Dimension("ethnicity", CHILD, ABOUT_CHILD),
    Dimension(
        "faith",
        CHILD,
        ABOUT_CHILD,
        measures=(
            Measure("faith_not_recorded", "Faith not recorded", frozenset({"not_recorded"})),
        ),
    ),
    Dimension("first_language_not_english", CHILD, ABOUT_CHILD),
    Dimension("disability", CHILD, ABOUT_CHILD, measures=_not_recorded("disability", "Disability")),
    Dimension(
        "neurodivergence",
        CHILD,
        ABOUT_CHILD,
        measures=_not_recorded("neurodivergence", "Neurodivergence"),
    ),
    Dimension("immigration_factor", CHILD, ABOUT_CHILD),
    Dimension("known_to_social_care", CHILD, ABOUT_CHILD),
    Dimension("child_protection_plan", CHILD, ABOUT_CHILD),
    Dimension("looked_after", CHILD, ABOUT_CHILD),
    Dimension("outcome", CHILD, ABOUT_CHILD),
    Dimension("reviews_of_child", CHILD, ABOUT_CHILD, derived="reviews_of_child"),
    Dimension("review_type", REVIEW, THE_REVIEW),
    Dimension("harm_types", REVIEW, THE_REVIEW, many=True),
    Dimension("ethnicity_in_review", REVIEW, WHAT_REVIEW_DID),
    Dimension(
        "faith_recorded",
        REVIEW,
        WHAT_REVIEW_DID,
        measures=_yes("faith_recorded_in_review", "Faith recorded in the review"),
    ),
    Dimension(
        "race_analysed",
        REVIEW,
        WHAT_REVIEW_DID,
        measures=tuple(
            Measure(
                f"race_{value}",
                f"Race, ethnicity and culture analysed {label.lower()}",
                frozenset({value}),
            )
            for value, label in c.RaceAnalysed.choices
        ),
    ),
    Dimension(
        "racism_named", REVIEW, WHAT_REVIEW_DID, measures=_yes("racism_named", "Racism named")
    ),
    Dimension(
        "child_voice",
        REVIEW,
        WHAT_REVIEW_DID,
        measures=(Measure("voice_absent", "Child's voice absent", frozenset({"absent"})),),
    ),
    Dimension("risk_recognised", REVIEW, WHAT_REVIEW_DID),
    Dimension(
        "action_followed",
        REVIEW,
        WHAT_REVIEW_DID,
        asked_when=("risk_recognised", frozenset({"partly", "fully"})),
        condition="risk was recognised",
        measures=(
            Measure(
                "risk_no_action",
                "Risk recognised before the incident but no action followed",
                frozenset({"no"}),
            ),
        ),
    ),
    Dimension(
        "disclosure",
        REVIEW,
        WHAT_REVIEW_DID,
        measures=_yes("disclosures", "Child disclosed abuse"),
    ),
    Dimension(
        "disclosure_response",
        REVIEW,
        WHAT_REVIEW_DID,
        asked_when=("disclosure", frozenset({"yes"})),
        condition="the child disclosed abuse",
        measures=(
            Measure(
                "unheeded",
                "Disclosure disbelieved, dismissed or not followed up",
                frozenset({"dismissed", "not_followed_up"}),
            ),
        ),
    ),
    Dimension(
        "racism_alleged",
        REVIEW,
        WHAT_REVIEW_DID,
        measures=_yes("alleged", "Family alleged racist practice"),
    ),
    Dimension(
        "allegation_investigated",
        REVIEW,
        WHAT_REVIEW_DID,
        asked_when=("racism_alleged", frozenset({"yes"})),
        condition="the family alleged racism",
        measures=(
            Measure(
                "not_investigated",
                "Allegation of racist practice not investigated",
                frozenset({"no"}),
            ),
        ),
    ),
    Dimension("interpreter_needed", REVIEW, WHAT_REVIEW_DID),
    Dimension(
        "independent_interpreter_used",
        REVIEW,
        WHAT_REVIEW_DID,
        asked_when=("interpreter_needed", frozenset({"yes"})),
        condition="an interpreter was needed",
    ),
    Dimension(
        "child_or_family_interpreted",
        REVIEW,
        WHAT_REVIEW_DID,
        asked_when=("interpreter_needed", frozenset({"yes"})),
        condition="an interpreter was needed",
    ),
    Dimension("adultification", REVIEW, WHAT_REVIEW_DID),
    Dimension("intersectionality", REVIEW, WHAT_REVIEW_DID),
    Dimension("fathers_assessed", REVIEW, WHAT_REVIEW_DID),
    Dimension("learning_about_race", REVIEW, WHAT_REVIEW_DID),
]

BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}
CHILD_DIMENSIONS = [d for d in DIMENSIONS if d.on == CHILD]
REVIEW_DIMENSIONS = [d for d in DIMENSIONS if d.on == REVIEW]
MEASURES = {
    measure.name: (dimension, measure) for dimension in DIMENSIONS for measure in dimension.measures
}

# What a cross-tabulation splits a figure by: the child's ethnicity and sex.
ETHNICITY = BY_NAME["ethnicity"]
SEX = BY_NAME["sex"]


def dimension(name: str) -> Dimension:
    return BY_NAME[name]


# The forms ---------------------------------------------------------------------------

REVIEW_MONTHS = ["incident_month", "notification_month", "completed_month"]


def child_form_fields() -> list[str]:
    """The child form's fields: the reference, then every typed child question in order."""
    return [
        "reference",
        *(
            "age" if d.derived == "age_band" else d.name
            for d in CHILD_DIMENSIONS
            if d.derived != "reviews_of_child"
        ),
    ]


def review_form_fields() -> list[str]:
    """The review form's fields: its type and months, every question, the learning summary."""
    questions = [d.name for d in REVIEW_DIMENSIONS]
    return [questions[0], *REVIEW_MONTHS, *questions[1:], "learning_summary"]


def dependent_questions() -> dict[str, tuple[str, frozenset, str]]:
    """{question: (the question it depends on, the values that ask it, the condition in words)}."""
    return {
        d.name: (d.asked_when[0], d.asked_when[1], d.condition) for d in DIMENSIONS if d.asked_when
    }


def is_asked(dimension: Dimension, answers) -> bool:
    """Whether `dimension` is asked, given a mapping or object holding the other answers."""
    if not dimension.asked_when:
        return True
    condition, values = dimension.asked_when
    value = answers.get(condition) if isinstance(answers, dict) else getattr(answers, condition)
    return value in values


# What completing a review needs: the completed month and every review question asked.
TO_COMPLETE = ["completed_month", *(d.name for d in REVIEW_DIMENSIONS if d.name != "review_type")]


# The form's pages, declared once ---------------------------------------------------------
# Each page names the dimensions it asks, in the order of DIMENSIONS; a page belongs to the
# section of its dimensions (the dashboards and statistics still group by section). A
# follow-up question is on the page of the question that asks it.

PAGE_DECLARATIONS = [
    ("The child", ["sex", "age_band", "ethnicity", "faith", "first_language_not_english"]),
    ("The child's needs", ["disability", "neurodivergence", "immigration_factor"]),
    (
        "Services and outcome",
        ["known_to_social_care", "child_protection_plan", "looked_after", "outcome"],
    ),
    ("The review", ["review_type", "harm_types"]),
    (
        "Ethnicity, faith and race",
        ["ethnicity_in_review", "faith_recorded", "race_analysed", "racism_named"],
    ),
    ("The child's voice, risk and action", ["child_voice", "risk_recognised", "action_followed"]),
    (
        "Disclosures and allegations",
        ["disclosure", "disclosure_response", "racism_alleged", "allegation_investigated"],
    ),
    (
        "Language and interpreters",
        ["interpreter_needed", "independent_interpreter_used", "child_or_family_interpreted"],
    ),
    (
        "Adultification, fathers and learning",
        ["adultification", "intersectionality", "fathers_assessed", "learning_about_race"],
    ),
]


@dataclass(frozen=True)
class Page:
    """One page of the review form: some dimensions of one section and the fields it asks.

    `on` is CHILD or REVIEW (the form its fields belong to); `slug` is the page's URL part;
    `section` the title of the section of DIMENSIONS its dimensions belong to.
    """

    slug: str
    title: str
    on: str
    section: str
    fields: tuple[str, ...]
    dimensions: tuple[str, ...] = ()


def _slug(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title.replace("'", ""))


def form_pages() -> list[Page]:
    """The review form's pages, from PAGE_DECLARATIONS.

    Each form field is on its dimension's page; a field that is not a dimension (the child's
    reference, the review's months, the learning summary) goes with the dimension before it,
    or the first one when it comes first.
    """
    page_of = {name: title for title, names in PAGE_DECLARATIONS for name in names}
    by_field = {("age" if d.derived == "age_band" else d.name): d for d in DIMENSIONS}
    fields: dict[str, list[str]] = {title: [] for title, _names in PAGE_DECLARATIONS}
    for names in (child_form_fields(), review_form_fields()):
        current = None
        pending = []
        for name in names:
            if name in by_field:
                current = page_of[by_field[name].name]
                fields[current].extend([*pending, name])
                pending = []
            elif current is None:
                pending.append(name)
            else:
                fields[current].append(name)
    pages = []
    for title, names in PAGE_DECLARATIONS:
        first = BY_NAME[names[0]]
        pages.append(
            Page(_slug(title), title, first.on, first.section, tuple(fields[title]), tuple(names))
        )
    return pages


PAGES = form_pages()
PAGES_BY_SLUG = {page.slug: page for page in PAGES}
