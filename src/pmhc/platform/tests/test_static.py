"""Production's static files: ``collectstatic`` with the hashing manifest storage succeeds, so
that pages (which name static files by their hashed names) can be served at all."""

from __future__ import annotations

import re

from django.core.management import call_command


def test_collectstatic_with_the_manifest_storage_finds_every_referenced_file(settings, tmp_path):
    # Production uses whitenoise's compressing subclass; the manifest part is what fails on a
    # missing reference, and without compression the test stays quick.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    css = next((tmp_path / "uswds" / "css").glob("uswds.min.*.css"))
    mapped = re.search(r"sourceMappingURL=(\S+\.map)", css.read_text())
    assert mapped is not None
    assert (css.parent / mapped.group(1)).is_file()
    assert re.fullmatch(r"uswds\.min\.css\.[0-9a-f]{12}\.map", mapped.group(1))
