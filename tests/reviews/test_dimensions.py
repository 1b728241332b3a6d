"""The declaration of every review dimension, and what is derived from it."""

from reviews import dimensions as dims
from reviews import rules
from reviews.exchange import COLUMNS
from reviews.forms import ChildForm, ReviewForm
from reviews.models import Child, Review


def test_every_typed_dimension_is_a_field_with_choices():
    """Each dimension someone answers is a model field whose choices are its values."""
    for dimension in dims.DIMENSIONS:
        if dimension.derived:
            continue
        model = Child if dimension.on == dims.CHILD else Review
        field = model._meta.get_field(dimension.name)
        assert dimension.values, dimension.name
        if not dimension.many:
            assert [v for v, _ in field.choices if v] == dimension.values


def test_every_choice_field_of_a_case_is_a_dimension():
    """No question of the models is left out of the declaration (a new one is one entry)."""
    declared = {d.name for d in dims.DIMENSIONS} | {"age"}
    for model in (Child, Review):
        for field in model._meta.concrete_fields:
            if field.choices and field.name != "status":
                assert field.name in declared, field.name


def test_every_measure_counts_values_of_its_dimension():
    """A measure names only values its dimension has, so a typo cannot count nothing."""
    for dimension, measure in dims.MEASURES.values():
        assert measure.values <= set(dimension.values), measure.name


def test_a_dependent_question_depends_on_a_declared_value():
    """The question a dimension depends on exists, and asks it for values it has."""
    for dimension in dims.DIMENSIONS:
        if dimension.asked_when:
            condition, values = dimension.asked_when
            assert values <= set(dims.BY_NAME[condition].values)
            assert dimension.condition


def test_the_forms_ask_the_questions_in_the_declared_order():
    """The child and review forms' fields follow the declaration."""
    typed_child = [d.name for d in dims.CHILD_DIMENSIONS if d.typed]
    child_fields = [name for name in ChildForm.Meta.fields if name not in ("reference", "age")]
    assert child_fields == typed_child
    review_questions = [name for name in ReviewForm.Meta.fields if name in dims.BY_NAME]
    assert review_questions == [d.name for d in dims.REVIEW_DIMENSIONS]
    assert ReviewForm.DEPENDENT["action_followed"][0] == "risk_recognised"


def test_completing_a_review_needs_every_review_question():
    """The completeness rules ask each review question but its type, in the form's order."""
    asked = [d.name for d in dims.REVIEW_DIMENSIONS if d.name != "review_type"]
    assert [name for name in rules.ORDER if name != "completed_month"] == asked


def test_the_file_format_has_a_column_for_every_question():
    """Import and export carry each typed dimension, so nothing typed is lost in a file."""
    fields = {column.field for column in COLUMNS}
    for dimension in dims.DIMENSIONS:
        if dimension.typed:
            assert dimension.name in fields
    assert "age" in fields


def _asked_on_a_form(dimension) -> bool:
    return dimension.derived != "reviews_of_child"  # counted from the reviews, never typed


def test_every_dimension_asked_on_a_form_is_on_exactly_one_page():
    """The page declaration names each dimension a form asks once, and only those."""
    declared = [name for page in dims.PAGES for name in page.dimensions]
    asked = [d.name for d in dims.DIMENSIONS if _asked_on_a_form(d)]
    assert sorted(declared) == sorted(asked)
    assert len(declared) == len(set(declared))


def test_every_form_field_is_on_exactly_one_page_of_its_form():
    """Each field of the child's and the review's forms is on one page, in the form's order."""
    for on, form in ((dims.CHILD, ChildForm), (dims.REVIEW, ReviewForm)):
        on_pages = [name for page in dims.PAGES if page.on == on for name in page.fields]
        assert on_pages == list(form.Meta.fields)


def test_a_page_keeps_to_one_section_and_the_sections_order():
    """A page's dimensions all belong to its section, and the pages follow the sections."""
    for page in dims.PAGES:
        assert {dims.BY_NAME[name].section for name in page.dimensions} == {page.section}
        assert {dims.BY_NAME[name].on for name in page.dimensions} == {page.on}
    order = list(dict.fromkeys(d.section for d in dims.DIMENSIONS))
    assert list(dict.fromkeys(page.section for page in dims.PAGES)) == order


def test_every_follow_up_is_on_the_page_of_the_question_that_asks_it():
    """A question asked only for some answers is on the same page as the question asking it."""
    page_of = {name: page.slug for page in dims.PAGES for name in page.fields}
    for name, (asked_by, _values, _condition) in dims.dependent_questions().items():
        assert page_of[name] == page_of[asked_by], name


def test_pages_have_unique_titles_and_url_slugs():
    """Each page has its own title and URL part, made of letters, digits and hyphens."""
    assert len({page.title for page in dims.PAGES}) == len(dims.PAGES)
    assert set(dims.PAGES_BY_SLUG) == {page.slug for page in dims.PAGES}
    assert len(dims.PAGES_BY_SLUG) == len(dims.PAGES)
    for page in dims.PAGES:
        assert page.slug.replace("-", "").isalnum(), page.slug
