"""The .env file beside manage.py, the development site address that follows PORT, and the
Makefile's help."""

import os
import subprocess
import sys
from pathlib import Path

from config.settings import read_env_file

ROOT = Path(__file__).resolve().parents[2]


def settings_value(name: str, env: dict) -> str:
    """One setting as a fresh process with only `env` (and PATH) reads it."""
    script = f"import django;django.setup();from django.conf import settings;print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_env_file_lines_fill_the_environment_without_overriding_it(tmp_path):
    """KEY=VALUE lines are read, quotes stripped, comments and blanks skipped, and a variable
    the environment already has is left alone."""
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n\nDJANGO_DEBUG=1\nexport DJANGO_SITE_URL='https://a.example.org'\n"
        'DJANGO_CONTACT_EMAIL="x@example.org"\nDJANGO_ALLOWED_HOSTS=from-the-file\nnot a line\n',
        encoding="utf-8",
    )
    environ = {"DJANGO_ALLOWED_HOSTS": "from-the-environment"}
    read_env_file(env_file, environ)
    assert environ == {
        "DJANGO_DEBUG": "1",
        "DJANGO_SITE_URL": "https://a.example.org",
        "DJANGO_CONTACT_EMAIL": "x@example.org",
        "DJANGO_ALLOWED_HOSTS": "from-the-environment",
    }


def test_a_missing_env_file_changes_nothing(tmp_path):
    """Without a .env file the environment stays as it was."""
    environ = {"A": "1"}
    read_env_file(tmp_path / "absent", environ)
    assert environ == {"A": "1"}


def test_settings_read_the_env_file(tmp_path):
    """config.settings reads the file DJANGO_ENV_FILE names (.env by default) at start."""
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nDJANGO_CONTACT_EMAIL=team@example.org\n", encoding="utf-8")
    value = settings_value("CONTACT_EMAIL", {"DJANGO_ENV_FILE": str(env_file)})
    assert value == "team@example.org"


def test_in_development_the_site_address_follows_the_port(tmp_path):
    """With debug on and no DJANGO_SITE_URL, links in emails use http://127.0.0.1:$PORT."""
    env = {"DJANGO_DEBUG": "1", "DJANGO_ENV_FILE": os.devnull}
    assert settings_value("SITE_URL", {**env, "PORT": "8001"}) == "http://127.0.0.1:8001"
    assert settings_value("SITE_URL", env) == "http://127.0.0.1:8000"
    site = {**env, "PORT": "8001", "DJANGO_SITE_URL": "https://x.example.org/"}
    assert settings_value("SITE_URL", site) == "https://x.example.org"


def test_production_refuses_to_start_without_a_site_address():
    """With debug off, DJANGO_SITE_URL is required: no made-up default."""
    result = subprocess.run(
        [sys.executable, "-c", "import django;django.setup()"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV_FILE": os.devnull,
            "DJANGO_SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghijklmnop",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Set DJANGO_SITE_URL" in result.stderr


def test_make_help_lists_every_documented_target():
    """`make help` shows every target with a description, those with digits too."""
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert {"run", "test", "test-unit", "test-e2e", "test-postgres", "lint", "seed"} <= listed


def test_make_test_postgres_runs_the_suite_on_the_database_url():
    """`make test-postgres` has a recipe: pytest with --create-db on DATABASE_URL, by default
    the local PostgreSQL's `assess`, or the one given."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        ["make", "-n", "test-postgres"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (
        "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/assess .venv/bin/pytest --create-db"
        in result.stdout
    )
    given = "postgresql://me@db.example:5432/other"
    result = subprocess.run(
        ["make", "-n", "test-postgres", f"DATABASE_URL={given}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert f"DATABASE_URL={given} .venv/bin/pytest --create-db" in result.stdout
