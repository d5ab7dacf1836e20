"""The API's only request parser: JSON, bounded in size and in depth.

DRF's own JSON parser reads a body of any length and hands it to ``json.load``, which recurses
once per level: a few thousand nested brackets end in ``RecursionError`` and a 500, and a large
body is read whole into memory. No body the API takes is more than a few kilobytes or more than
a few levels deep, so both are bounded here and anything past them is a 400 that says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

#: A call with its narrative and answers is a few kilobytes; this leaves room for long text.
MAX_JSON_BYTES = 256 * 1024
#: The deepest body the API takes is three levels (a call, its answers, a value); room to spare.
MAX_JSON_DEPTH = 32

#: The characters that open or close a level, or start or escape a string.
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays or objects inside one another, without
    parsing it: one pass over its brackets, skipping those inside strings."""
    depth = 0
    in_string = False
    skip_at = -1  # the position of a character escaped by a backslash
    for match in _STRUCTURE.finditer(text):
        position, char = match.start(), match.group()
        if position == skip_at:
            continue
        if in_string:
            if char == "\\":
                skip_at = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """JSON with a size and a depth limit (see the module's docstring)."""

    max_bytes = MAX_JSON_BYTES
    max_depth = MAX_JSON_DEPTH

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # Read one byte past the limit, so that a longer body is refused without reading it all
        # (a body sent in chunks has no length to refuse it by).
        raw = stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise ParseError(
                _("The request body is larger than %(kilobytes)d KB.")
                % {"kilobytes": self.max_bytes // 1024}
            )
        encoding = str((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
        try:
            # ``bytes.decode`` takes text encodings only: a body cannot name a decompressing
            # codec (``bz2_codec``) to grow past the limit just checked.
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(
                _("The request body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from exc
        if nesting_exceeds(text, self.max_depth):
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.")
                % {"depth": self.max_depth}
            )
        try:
            return json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
