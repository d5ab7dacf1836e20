"""Reads for the toolkit's frequently asked questions, agency experiences and pages.

Published entries are public. The list with unpublished entries, and the entries staff act on,
are for TTA staff of the handling organization only; anyone else gets the same 404 as for a
missing entry.

Search: on PostgreSQL, full-text search over the question, its short answer and its answer
(English stemming, ranked with the question weighted first); elsewhere (SQLite) every word of
the query must appear in one of those fields, common English words left out as PostgreSQL
leaves them out. Both return at most ``SEARCH_LIMIT`` published questions.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from pmhc.platform import access
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.selectors.content import may_edit_content

Kind = PageContent.Kind

#: The kinds TTA staff add, order and publish here.
LISTED_KINDS = frozenset({Kind.FAQ, Kind.EXPERIENCE})
#: The most entries one list may hold (stated on the add form, enforced by the service).
MAX_ENTRIES = 200
#: Entries per page of a public list.
PAGE_SIZE = 25
#: The most questions a search returns, and the longest query read.
SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 200
MAX_WORDS = 12

PUBLIC_FIELDS = ("pk", "kind", "slug", "number", "title", "summary", "body", "is_published")
WORD = re.compile(r"\w+", re.UNICODE)
#: Words that PostgreSQL's English configuration drops from a query; the fallback drops them
#: too, so that both find the same questions.
STOP_WORDS = frozenset({
    "a", "about", "all", "an", "and", "any", "are", "as", "at", "be", "by", "can", "do", "does",
    "for", "from", "has", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "no",
    "not", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "you", "your",
})  # fmt: skip


def published(kind: str) -> QuerySet[PageContent]:
    """The published entries of a list, in their order."""
    if kind not in LISTED_KINDS:
        raise Http404("Not found")
    return (
        PageContent.objects.filter(kind=kind, is_published=True)
        .only(*PUBLIC_FIELDS)
        .order_by("number", "pk")
    )


def page(slug: str) -> PageContent:
    """A published toolkit page (kind ``page``)."""
    return get_object_or_404(PageContent, kind=Kind.PAGE, slug=slug, is_published=True)


def query_words(query: str) -> list[str]:
    """The words of a search query worth looking for, at most ``MAX_WORDS``."""
    words = WORD.findall(query[:MAX_QUERY_LENGTH].lower())
    return [w for w in words if w not in STOP_WORDS][:MAX_WORDS]


def _stem(word: str) -> str:
    """A plural's singular, roughly, so that "requests" finds "request" as PostgreSQL's
    stemming does (the word is then looked for inside longer words, "process" in "processes")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def search_questions(query: str) -> list[PageContent]:
    """Published questions that match ``query``, best first, at most ``SEARCH_LIMIT``."""
    words = query_words(query)
    if not words:
        return []
    questions = published(Kind.FAQ)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        wanted = SearchQuery(" ".join(words), search_type="plain", config="english")
        ranked = (
            questions.annotate(document=vector)
            .filter(document=wanted)
            .annotate(rank=SearchRank(F("document"), wanted))
            .order_by("-rank", "number", "pk")
        )
        return list(ranked[:SEARCH_LIMIT])
    each_word = [
        Q(title__icontains=w) | Q(summary__icontains=w) | Q(body__icontains=w)
        for w in map(_stem, words)
    ]
    return list(questions.filter(reduce(and_, each_word))[:SEARCH_LIMIT])


def _require_staff(actor: access.Actor, kind: str) -> None:
    if kind not in LISTED_KINDS or not may_edit_content(actor):
        raise Http404("Not found")


def managed_entries(actor: access.Actor, kind: str) -> list[PageContent]:
    """Every entry of a list, published or not, for TTA staff; 404 for anyone else."""
    _require_staff(actor, kind)
    return list(
        PageContent.objects.filter(kind=kind)
        .select_related("updated_by")
        .order_by("number", "pk")[:MAX_ENTRIES]
    )


def managed_entry(actor: access.Actor, kind: str, slug: str) -> PageContent:
    """One entry of a list for TTA staff to act on; missing and not allowed give the same 404."""
    _require_staff(actor, kind)
    return get_object_or_404(PageContent, kind=kind, slug=slug)
