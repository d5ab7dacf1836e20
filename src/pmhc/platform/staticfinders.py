"""Serve only the parts of the npm packages that pages use.

USWDS ships thousands of icon sources and its Sass; listing them would slow every start of the
static-file middleware and bloat collectstatic, so they are left out here.
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
    "*.map",
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
