"""Loads framework versions from their data files in audits/frameworks/.

Used by the data migrations that install versions 1, 2 and 3, by `manage.py load_frameworks` for
later versions, and by the browser tests' setup. It takes the model classes as
arguments so that the migration can pass its historical models. Loading is idempotent:
a file already loaded with the same content changes nothing; a published version whose
file has changed is refused, because published versions never change.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from . import evidence

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"
CHANGED_AFTER_PUBLICATION = (
    "{path} differs from published version {number}, which can no longer change. "
    "Copy it to a new file with the next version number instead."
)


class FrameworkFileError(Exception):
    pass


def evidence_problems(data) -> list[str]:
    """What is wrong with a data file's evidence rules and item mappings (empty: nothing)."""
    rules = data.get("evidence_rules")
    problems = evidence.rules_problems(rules) if rules else []
    mapped = False
    for theme in data["themes"]:
        for item in theme["items"]:
            if item.get("evidence"):
                mapped = True
                problems += evidence.mapping_problems(item["ref"], item["evidence"])
    if mapped and not rules:
        problems.append(evidence.MAPPING_WITHOUT_RULES)
    return problems


SURVEY_TEXT_MAX = 200
SURVEY_NOT_A_LIST = "survey: must be a list of statements"
SURVEY_KEY_MAX = 20
SURVEY_BAD_STATEMENT = "survey: statement {n} must have exactly the keys key, text and items"
SURVEY_BAD_KEY = "survey: statement {n}'s key must be a name of 1 to {max} characters"
SURVEY_DUPLICATE_KEY = "survey: key {key!r} is used more than once"
SURVEY_BAD_TEXT = "survey: {key}'s text must be from 1 to {max} characters"
SURVEY_NO_ITEMS = "survey: {key} must name at least one item"
SURVEY_UNKNOWN_ITEMS = "survey: {key} names items {refs} that are not in the file"


def survey_problems(data) -> list[str]:
    """What is wrong with a data file's practitioner survey block (empty: nothing, or none).

    Each statement has a key unique in the file, a text of 1 to SURVEY_TEXT_MAX characters
    and the refs of one or more of the file's items it speaks to."""
    if "survey" not in data:
        return []
    statements = data["survey"]
    if not isinstance(statements, list):
        return [SURVEY_NOT_A_LIST]
    refs = {item["ref"] for theme in data["themes"] for item in theme["items"]}
    problems, seen = [], set()
    for n, statement in enumerate(statements, start=1):
        if not isinstance(statement, dict) or set(statement) != {"key", "text", "items"}:
            problems.append(SURVEY_BAD_STATEMENT.format(n=n))
            continue
        key, text, items = statement["key"], statement["text"], statement["items"]
        if not isinstance(key, str) or not key.strip() or len(key) > SURVEY_KEY_MAX:
            problems.append(SURVEY_BAD_KEY.format(n=n, max=SURVEY_KEY_MAX))
            continue
        if key in seen:
            problems.append(SURVEY_DUPLICATE_KEY.format(key=key))
        seen.add(key)
        if not isinstance(text, str) or not text.strip() or len(text) > SURVEY_TEXT_MAX:
            problems.append(SURVEY_BAD_TEXT.format(key=key, max=SURVEY_TEXT_MAX))
        if not isinstance(items, list) or not items:
            problems.append(SURVEY_NO_ITEMS.format(key=key))
        elif unknown := sorted(set(items) - refs):
            problems.append(SURVEY_UNKNOWN_ITEMS.format(key=key, refs=", ".join(unknown)))
    return problems


@dataclass
class FrameworkModels:
    framework: type
    version: type
    level: type
    theme: type
    item: type


def historical_models(apps) -> FrameworkModels:
    """The model classes as a data migration sees them (its `apps`)."""
    return FrameworkModels(
        framework=apps.get_model("audits", "Framework"),
        version=apps.get_model("audits", "FrameworkVersion"),
        level=apps.get_model("audits", "ScaleLevel"),
        theme=apps.get_model("audits", "Theme"),
        item=apps.get_model("audits", "Item"),
    )


def framework_files() -> list[Path]:
    """Every framework data file, in version order."""
    return sorted(FRAMEWORKS_DIR.glob("version-*.json"), key=lambda p: int(p.stem.split("-")[1]))


def load_framework_file(path: Path, models: FrameworkModels) -> tuple[object, bool]:
    """Load one data file as a published version; return (version, created)."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    data = json.loads(raw.decode("utf-8"))
    framework, _ = models.framework.objects.get_or_create(
        slug=data["framework"]["slug"], defaults={"name": data["framework"]["name"]}
    )
    existing = models.version.objects.filter(framework=framework, number=data["version"]).first()
    if existing is not None:
        if existing.content_hash == digest:
            return existing, False
        raise FrameworkFileError(
            CHANGED_AFTER_PUBLICATION.format(path=path.name, number=existing.number)
        )
    problems = evidence_problems(data) + survey_problems(data)
    if problems:
        raise FrameworkFileError(f"{path.name}: " + "; ".join(problems))
    # Evidence fields are passed only by a file that has them, so that the migration loading
    # version 1 (whose historical models predate them) still runs.
    with_rules = {"evidence_rules": data["evidence_rules"]} if "evidence_rules" in data else {}
    # Likewise the survey, so that the migrations loading versions 1 and 2 still run.
    if "survey" in data:
        with_rules["survey_statements"] = data["survey"]
    version = models.version.objects.create(
        framework=framework,
        number=data["version"],
        title=data["title"],
        summary=data.get("summary", ""),
        status="draft",
        content_hash=digest,
        **with_rules,
    )
    models.level.objects.bulk_create(
        models.level(
            version=version,
            value=level["value"],
            label=level["label"],
            description=level["description"],
        )
        for level in data["scale"]
    )
    for theme_data in data["themes"]:
        theme = models.theme.objects.create(
            version=version,
            number=theme_data["number"],
            title=theme_data["title"],
            summary=theme_data.get("summary", ""),
        )
        models.item.objects.bulk_create(
            models.item(
                theme=theme,
                ref=item["ref"],
                order=order,
                statement=item["statement"],
                guidance=item["guidance"],
                evidence_examples=item["evidence_examples"],
                sources=", ".join(item["sources"]),
                **({"evidence": item["evidence"]} if "evidence" in item else {}),
            )
            for order, item in enumerate(theme_data["items"], start=1)
        )
    # Publish last, once everything is in: from here on the version is frozen.
    models.version.objects.filter(pk=version.pk).update(
        status="published", published_at=timezone.now()
    )
    version.refresh_from_db()
    return version, True


def load_all(models: FrameworkModels) -> list[tuple[object, bool]]:
    """Load every data file; idempotent."""
    return [load_framework_file(path, models) for path in framework_files()]


def app_models() -> FrameworkModels:
    """The current model classes, for use outside migrations."""
    from . import models

    return FrameworkModels(
        framework=models.Framework,
        version=models.FrameworkVersion,
        level=models.ScaleLevel,
        theme=models.Theme,
        item=models.Item,
    )
