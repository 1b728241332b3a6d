import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from audits import loading
from audits.loading import FrameworkFileError, app_models, load_all
from audits.models import Framework, FrameworkVersion, Item, ScaleLevel, Theme
from audits.querysets import FrameworkLockedError

from .factories import CycleFactory, start_audit, version_1

pytestmark = pytest.mark.django_db

VERSION_1 = loading.FRAMEWORKS_DIR / "version-1.json"
VERSION_2 = loading.FRAMEWORKS_DIR / "version-2.json"
VERSION_3 = loading.FRAMEWORKS_DIR / "version-3.json"


def _copy_shipped(directory):
    """The shipped (published) files, into a frameworks directory of a test's own."""
    for path in (VERSION_1, VERSION_2, VERSION_3):
        shutil.copy(path, directory / path.name)


def _counts():
    return (
        Framework.objects.count(),
        FrameworkVersion.objects.count(),
        ScaleLevel.objects.count(),
        Theme.objects.count(),
        Item.objects.count(),
    )


@pytest.fixture
def frameworks_dir(tmp_path, monkeypatch):
    """An empty frameworks directory in place of audits/frameworks/."""
    monkeypatch.setattr(loading, "FRAMEWORKS_DIR", tmp_path)
    return tmp_path


def _write_version(directory, number, change=None):
    data = json.loads(VERSION_1.read_text(encoding="utf-8"))
    data["version"] = number
    if change:
        change(data)
    path = directory / f"version-{number}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def test_version_1_is_published_by_the_migration():
    """The data migration loads version 1 as a published, frozen version with its hash."""
    version = version_1()
    assert version.status == FrameworkVersion.Status.PUBLISHED
    assert version.published_at is not None
    assert version.is_frozen
    assert len(version.content_hash) == 64
    assert version.framework.slug == "anti-racist-safeguarding"


def test_version_1_has_7_themes_34_items_and_4_scale_levels():
    """Version 1 holds 7 themes numbered 1-7, 34 items and the 0-3 scale."""
    version = version_1()
    assert list(version.themes.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert Item.objects.filter(theme__version=version).count() == 34
    levels = list(version.levels.values_list("value", "label"))
    assert levels == [(0, "Not in place"), (1, "Emerging"), (2, "Established"), (3, "Embedded")]


def test_version_1_items_have_guidance_examples_and_sources():
    """Every item has guidance, 2 to 4 evidence examples and its sources."""
    for item in Item.objects.filter(theme__version=version_1()):
        assert item.statement.strip(), item.ref
        assert item.guidance.strip(), item.ref
        assert 2 <= len(item.evidence_examples) <= 4, item.ref
        assert all(example.strip() for example in item.evidence_examples), item.ref
        assert item.sources.strip(), item.ref
        assert item.ref.startswith(f"{item.theme.number}."), item.ref


def test_version_1_item_order_follows_the_file():
    """Items are numbered in file order within their theme."""
    theme = version_1().themes.get(number=1)
    refs = list(theme.items.order_by("order").values_list("ref", flat=True))
    assert refs == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert list(theme.items.values_list("order", flat=True)) == [1, 2, 3, 4, 5]


def test_loading_again_changes_nothing():
    """load_all on the shipped files is idempotent: versions 1 to 3 are returned, not created."""
    before = _counts()
    hash_before = version_1().content_hash
    results = load_all(app_models())
    assert [(version.number, created) for version, created in results] == [
        (1, False),
        (2, False),
        (3, False),
    ]
    assert _counts() == before
    assert version_1().content_hash == hash_before


def test_changed_published_file_is_refused(frameworks_dir):
    """A published version whose file has changed is refused with FrameworkFileError."""
    _write_version(
        frameworks_dir, 1, lambda data: data["themes"][0]["items"][0].update(statement="New")
    )
    before = _counts()
    with pytest.raises(FrameworkFileError) as caught:
        load_all(app_models())
    assert "version-1.json differs from published version 1" in str(caught.value)
    assert _counts() == before
    assert not Item.objects.filter(statement="New").exists()


def test_reformatted_published_file_is_refused_too(frameworks_dir):
    """Any byte change to a published file is refused, even whitespace."""
    (frameworks_dir / "version-1.json").write_bytes(VERSION_1.read_bytes() + b"\n")
    with pytest.raises(FrameworkFileError):
        load_all(app_models())


def test_new_version_file_loads_beside_version_1(frameworks_dir, northshire, lead):
    """version-4.json loads as a fourth published version; version 1 audits keep theirs."""
    audit = start_audit(partnership=northshire, by=lead)
    _copy_shipped(frameworks_dir)

    def change(data):
        data["title"] = "Version 4 (2027)"
        data["themes"][0]["items"][0]["statement"] = "A statement new in version 4."

    _write_version(frameworks_dir, 4, change)

    results = load_all(app_models())

    loaded = [(version.number, created) for version, created in results]
    assert loaded == [(1, False), (2, False), (3, False), (4, True)]
    version_4 = FrameworkVersion.objects.get(number=4)
    assert version_4.framework == version_1().framework
    assert version_4.status == FrameworkVersion.Status.PUBLISHED
    assert version_4.published_at is not None
    assert version_4.title == "Version 4 (2027)"
    assert list(FrameworkVersion.objects.published().values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert Item.objects.filter(theme__version=version_4).count() == 34
    assert version_4.levels.count() == 4
    assert version_4.themes.count() == 7
    # Version 1 and its audits are untouched.
    assert Item.objects.filter(theme__version__number=1).count() == 34
    assert not Item.objects.filter(theme__version__number=1, statement__contains="new in").exists()
    audit.refresh_from_db()
    assert audit.cycle.version.number == 1
    assert set(audit.responses.values_list("item__theme__version__number", flat=True)) == {1}
    # Loading once more changes nothing.
    again = load_all(app_models())
    assert [created for _, created in again] == [False, False, False, False]


def test_new_version_is_frozen_once_loaded(frameworks_dir):
    """A version loaded from a file is published, so its content is locked at once."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 4)
    load_all(app_models())
    version_4 = FrameworkVersion.objects.get(number=4)
    assert version_4.is_frozen
    theme = version_4.themes.first()
    theme.title = "Changed"
    with pytest.raises(FrameworkLockedError):
        theme.save()


def test_new_version_can_pin_a_new_cycle(frameworks_dir, northshire, lead):
    """A cycle on version 4 gives audits version 4's items, beside version 1's audits."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 4)
    load_all(app_models())
    version_4 = FrameworkVersion.objects.get(number=4)
    old = start_audit(partnership=northshire, by=lead, cycle=CycleFactory(name="2026-27"))
    new = start_audit(
        partnership=northshire, by=lead, cycle=CycleFactory(name="2027-28", version=version_4)
    )
    assert set(old.responses.values_list("item__theme__version", flat=True)) == {version_1().pk}
    assert set(new.responses.values_list("item__theme__version", flat=True)) == {version_4.pk}


def test_version_files_are_loaded_in_number_order(frameworks_dir):
    """version-10.json sorts after version-2.json."""
    for number in (10, 2, 1):
        (frameworks_dir / f"version-{number}.json").write_text("{}")
    assert [path.name for path in loading.framework_files()] == [
        "version-1.json",
        "version-2.json",
        "version-10.json",
    ]


def test_load_frameworks_command_reports_unchanged(capsys):
    """`manage.py load_frameworks` says versions 1 to 3 are already loaded and changes nothing."""
    before = _counts()
    call_command("load_frameworks")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Anti-racist safeguarding practice checklist, version 1: already loaded, unchanged",
        "Anti-racist safeguarding practice checklist, version 2: already loaded, unchanged",
        "Anti-racist safeguarding practice checklist, version 3: already loaded, unchanged",
    ]
    assert _counts() == before


def test_load_frameworks_command_reports_new_version(frameworks_dir, capsys):
    """The command loads and publishes a new version file and says so."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 4)
    call_command("load_frameworks")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Anti-racist safeguarding practice checklist, version 1: already loaded, unchanged",
        "Anti-racist safeguarding practice checklist, version 2: already loaded, unchanged",
        "Anti-racist safeguarding practice checklist, version 3: already loaded, unchanged",
        "Anti-racist safeguarding practice checklist, version 4: loaded and published",
    ]


def test_load_frameworks_command_refuses_changed_file(frameworks_dir):
    """The command fails with a CommandError naming the file and loads nothing at all."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 5)
    call_command("load_frameworks")
    # Version 5 is now published; its file changes, and a new version 4 appears before it.
    _write_version(frameworks_dir, 5, lambda data: data.update(title="Changed"))
    _write_version(frameworks_dir, 4)
    before = _counts()
    with pytest.raises(CommandError, match="version-5.json differs from published version 5"):
        call_command("load_frameworks")
    assert _counts() == before
    assert not FrameworkVersion.objects.filter(number=4).exists()


def test_version_3_is_version_2_with_a_survey():
    """Version 3 has version 2's items, mappings and rules, and seven survey statements."""
    two = FrameworkVersion.objects.get(number=2)
    three = FrameworkVersion.objects.get(number=3)
    assert three.evidence_rules == two.evidence_rules
    assert list(
        Item.objects.filter(theme__version=three).values_list("ref", "statement", "evidence")
    ) == list(Item.objects.filter(theme__version=two).values_list("ref", "statement", "evidence"))
    assert two.survey_statements == []
    keys = [statement["key"] for statement in three.survey_statements]
    assert keys == ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]
    assert three.survey_statements[1]["items"] == ["2.2"]


def _with_survey(statements):
    def change(data):
        data["survey"] = statements

    return change


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            [{"key": "s1", "text": "A", "items": ["1.1"]}] * 2,
            "survey: key 's1' is used more than once",
        ),
        ([{"key": "s1", "text": " ", "items": ["1.1"]}], "s1's text must be from 1 to 200"),
        ([{"key": "s1", "text": "x" * 201, "items": ["1.1"]}], "s1's text must be from 1 to 200"),
        ([{"key": "s1", "text": "A", "items": ["9.9"]}], "s1 names items 9.9 that are not"),
        ([{"key": "s1", "text": "A", "items": []}], "s1 must name at least one item"),
        ([{"key": "s1", "text": "A"}], "statement 1 must have exactly the keys"),
        ({"key": "s1"}, "survey: must be a list of statements"),
    ],
)
def test_a_broken_survey_block_is_refused(frameworks_dir, statements, message):
    """A file whose survey has a repeated key, an empty or long text or an unknown item is
    refused, and nothing of it is loaded."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 4, _with_survey(statements))
    before = _counts()
    with pytest.raises(FrameworkFileError, match=message):
        load_all(app_models())
    assert _counts() == before


def test_a_file_without_a_survey_loads_with_none(frameworks_dir):
    """A version whose file has no survey block has no statements."""
    _copy_shipped(frameworks_dir)
    _write_version(frameworks_dir, 4)
    load_all(app_models())
    assert FrameworkVersion.objects.get(number=4).survey_statements == []
