"""Paging for every API list: ``limit`` and ``offset`` in, the rows of the page out, and the whole
count in ``X-Total-Count`` with a ``Link: <…>; rel="next"`` header while rows remain, so a client
never mistakes the first page of a long list for all of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import polars as pl
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import HttpError

T = TypeVar("T")

#: The longest page any list gives.
MAX_LIMIT = 5000


class Page(Schema):
    limit: int = 1000
    offset: int = 0


def check(page: Page) -> None:
    if not 1 <= page.limit <= MAX_LIMIT or page.offset < 0:
        raise HttpError(422, f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")


def _headers(request: HttpRequest, response: HttpResponse, page: Page, total: int) -> None:
    response["X-Total-Count"] = str(total)
    if page.offset + page.limit < total:
        query = request.GET.copy()
        query["offset"] = str(page.offset + page.limit)
        query["limit"] = str(page.limit)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'


def paged(
    request: HttpRequest, response: HttpResponse, page: Page, rows: QuerySet[Any] | Sequence[T]
) -> list[Any]:
    """The page's rows of ``rows`` (a query set, counted and sliced in the database, or a list)."""
    check(page)
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    _headers(request, response, page, total)
    return list(rows[page.offset : page.offset + page.limit])


def paged_frame(
    request: HttpRequest, response: HttpResponse, page: Page, frame: pl.DataFrame
) -> list[dict[str, Any]]:
    """The page's rows of a Polars frame, as dictionaries."""
    check(page)
    _headers(request, response, page, frame.height)
    return frame.slice(page.offset, page.limit).to_dicts()
