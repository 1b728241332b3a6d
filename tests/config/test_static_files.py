"""collectstatic with the production storage (config/storage.py): every file gets a hashed
name, a module's imports and a stylesheet's images point at hashed names, and a reference to
a file that does not exist fails the build instead of shipping a broken page."""

import io
import re

import pytest
from django.core.management import call_command

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
}


@pytest.fixture
def build(settings, tmp_path):
    """Run collectstatic with the production storage on these source directories."""

    def run(*sources):
        settings.STORAGES = PRODUCTION_STORAGES
        settings.STATIC_ROOT = tmp_path / "out"
        settings.STATICFILES_DIRS = [str(source) for source in sources]
        call_command("collectstatic", "--no-input", stdout=io.StringIO())
        return settings.STATIC_ROOT

    return run


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_module_imports_and_a_stylesheet_loads_hashed_names(build, tmp_path):
    source = tmp_path / "src"
    write(source / "vendor" / "lib.js", "export function go() {}\n")
    write(source / "js" / "app.mjs", 'import { go } from "../vendor/lib.js";\ngo();\n')
    write(source / "img" / "crest.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    write(source / "css" / "app.css", '.crest { background: url("../img/crest.svg"); }\n')
    out = build(source)
    module = next((out / "js").glob("app.*.mjs")).read_text()
    assert re.search(r'from "\.\./vendor/lib\.[0-9a-f]{12}\.js"', module), module
    stylesheet = next((out / "css").glob("app.*.css")).read_text()
    assert re.search(r'url\("\.\./img/crest\.[0-9a-f]{12}\.svg"\)', stylesheet), stylesheet
    assert (out / "staticfiles.json").exists(), "the manifest a debug-off server reads"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("js/app.mjs", 'import { go } from "../vendor/missing.js";\n'),
        ("css/app.css", '.crest { background: url("../img/missing.svg"); }\n'),
    ],
)
def test_a_reference_to_a_missing_file_fails_the_build(build, tmp_path, name, text):
    source = tmp_path / "src"
    write(source / name, text)
    with pytest.raises(ValueError, match="missing"):
        build(source)


def test_the_services_own_files_build(build, settings):
    """The real static/ (after `npm run build`): app.mjs imports govuk-frontend by its hash."""
    out = build(*settings.STATICFILES_DIRS)
    module = next((out / "js").glob("app.*.mjs")).read_text()
    assert re.search(r"govuk-frontend\.min\.[0-9a-f]{12}\.js", module), module


def test_a_remembered_url_is_the_manifests_and_a_new_manifest_starts_afresh(build, tmp_path):
    """The storage remembers each name's URL, but never past the manifest it came from."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    source = tmp_path / "src"
    write(source / "css" / "site.css", "body { color: red }\n")
    build(source)
    first = staticfiles_storage.url("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", first)
    assert staticfiles_storage.url("css/site.css") == first
    write(source / "css" / "site.css", "body { color: blue }\n")
    build(source)
    second = staticfiles_storage.url("css/site.css")
    assert second != first and re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", second)
    with pytest.raises(ValueError):
        staticfiles_storage.url("css/missing.css")
