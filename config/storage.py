"""The static files storage production serves: WhiteNoise's compressed manifest storage with
JavaScript module imports rewritten too.

Django's ManifestStaticFilesStorage gives every file a hashed name and rewrites the names
that CSS refers to (url(...), @import), so WhiteNoise can serve all of them as immutable.
It leaves `import ... from "..."` in JavaScript alone unless
`support_js_module_import_aggregation` is on, and then only in files named *.js: the service's
own module is static/js/app.mjs, which imports govuk-frontend by a relative path. Without the
rewrite the browser would fetch govuk-frontend by its plain name, cached for only a minute.
"""

from django.conf import settings
from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage

_, _JS_MODULE_PATTERNS = HashedFilesMixin._js_module_import_aggregation_patterns


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed files; imports in *.js and *.mjs modules point at hashed names.

    A file that a stylesheet or module refers to but that does not exist fails
    collectstatic (Django raises ValueError while post-processing), and with
    `manifest_strict` (Django's default) a template naming a file missing from the manifest
    fails too, rather than linking to a name nothing serves.
    """

    support_js_module_import_aggregation = True
    patterns = HashedFilesMixin.patterns + (("*.mjs", _JS_MODULE_PATTERNS),)

    # A name's URL, once worked out, for the manifest it was read from (below).
    _urls: dict = {}
    _urls_of = None

    def url(self, name, force=False):
        """Django's answer, remembered: every page asks for the same few files (about 10
        microseconds each), and their hashed names come from the manifest, which does not
        change while the process runs. A new manifest (collectstatic in this process) starts
        afresh; a name missing from it raises each time, as Django's does."""
        if self._urls_of is not self.hashed_files:
            self._urls, self._urls_of = {}, self.hashed_files
        key = (name, force, settings.DEBUG, self.base_url)
        try:
            return self._urls[key]
        except KeyError:
            url = self._urls[key] = super().url(name, force)
            return url
