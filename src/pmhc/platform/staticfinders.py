"""Serve only the parts of the npm packages that pages use.

USWDS ships thousands of icon sources and its Sass; listing them would slow every start of the
static-file middleware and bloat collectstatic, so they are left out here.

The source maps are kept: the minified USWDS CSS and JavaScript end with a ``sourceMappingURL``
comment, and production's manifest storage rewrites every reference to its hashed name, so
``collectstatic`` fails on a map that is not there. Shipping the maps (rather than a storage
that skips or strips those comments) keeps the files as USWDS published them and lets browser
tools show the sources; a map is only fetched when someone opens those tools.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.staticfiles.finders import FileSystemFinder
from django.core.files.storage import Storage

UNUSED_ASSETS = [
    "material-icons",
    "material-icons-deprecated",
    "favicons",
    "scss",
    "theme",
    "*.gz",
    "*.cjs.js",
    "*.esm.js",
    "*.esm.d.ts",
    "*.amd.js",
    "*.d.ts",
]


class AssetFinder(FileSystemFinder):
    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, Storage]]:
        yield from super().list([*(ignore_patterns or []), *UNUSED_ASSETS])
