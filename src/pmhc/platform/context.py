"""Per-request facts the audit trail stamps on every event (request id, client address)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "pmhc_request_context", default=RequestContext()
)


def current() -> RequestContext:
    return _current.get()


@contextmanager
def bind(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
