"""The migration that makes child references unique regardless of case."""

import pytest

from tests.migrating import migrate_to, regions  # noqa: F401 (the fixture)

BEFORE = [("reviews", "0001_initial")]
AFTER = [("reviews", "0002_remove_child_child_reference_unique_in_partnership_and_more")]


@pytest.mark.usefixtures("regions")
def test_existing_case_duplicates_stop_the_migration_naming_them():
    """Children whose references differ only in case stop the migration with an error naming
    the partnership and the references; nothing is changed, and once one is renamed it runs."""
    apps = migrate_to(BEFORE)
    Region = apps.get_model("partnerships", "Region")
    Partnership = apps.get_model("partnerships", "Partnership")
    Child = apps.get_model("reviews", "Child")
    region = Region.objects.order_by("order").first()
    partnership = Partnership.objects.create(name="Westby", slug="westby", region=region)
    child = {
        "sex": "female",
        "ethnicity": "APKN",
        "faith": "muslim",
        "first_language_not_english": "no",
        "disability": "no",
        "neurodivergence": "no",
        "immigration_factor": "no",
        "known_to_social_care": "no",
        "child_protection_plan": "no",
        "looked_after": "no",
        "outcome": "died",
        "partnership": partnership,
    }
    Child.objects.create(reference="C-1", **child)
    lower = Child.objects.create(reference="c-1", **child)
    Child.objects.create(reference="C-2", **child)
    try:
        with pytest.raises(RuntimeError) as caught:
            migrate_to(AFTER)
        assert "differ only in case" in str(caught.value)
        assert "westby: C-1, c-1" in str(caught.value)
        assert "C-2" not in str(caught.value)
        assert sorted(Child.objects.values_list("reference", flat=True)) == ["C-1", "C-2", "c-1"]
        lower.reference = "C-1-B"
        lower.save()
    finally:
        apps = migrate_to(AFTER)
    assert apps.get_model("reviews", "Child").objects.filter(revision=0).count() == 3
