"""requirements/*.txt: the hashed lock covers every dependency pyproject.toml names."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


def _declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in lines]


def test_every_dependency_is_pinned_within_its_range():
    """Each dependency in pyproject.toml has a pin in the lock that its range allows; a
    dependency added without `make lock` fails here."""
    base, dev = _pins("base.txt"), _pins("dev.txt")
    for requirement, pins in [(r, base) for r in _declared()] + [
        (r, dev) for r in _declared("dev")
    ]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in the lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), requirement


def test_the_dev_lock_installs_the_same_versions_as_production():
    """requirements/dev.txt adds the dev tools to exactly the versions production runs."""
    base, dev = _pins("base.txt"), _pins("dev.txt")
    assert {name: dev.get(name) for name in base} == base


def test_every_pin_has_a_hash():
    """Every pinned package carries at least one sha256, so `pip install --require-hashes`
    accepts the file (and refuses a download that does not match)."""
    for name in ("base.txt", "dev.txt"):
        text = (ROOT / "requirements" / name).read_text()
        entries = [e for e in re.split(r"\n(?=[A-Za-z0-9])", text) if PIN.match(e)]
        assert len(entries) == len(PIN.findall(text)) > 0
        for entry in entries:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
