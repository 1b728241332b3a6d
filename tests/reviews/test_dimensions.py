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
