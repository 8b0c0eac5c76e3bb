"""Whole-page caching of the public pages, keyed by the published releases.

A public page is a function of the published releases only, so an anonymous visitor's page is kept
in a cache under a key made of the releases' stamp and the full path: publishing a release changes
the stamp, so every page is read afresh from the new release, and nothing needs clearing.
Signed-in people (whose header differs) always get a fresh page.

The cache is a cache named ``publication`` in ``CACHES`` when the project configures one; otherwise
a file cache under ``LOCALSTAT_VAR_DIR/page-cache`` that needs no setting, is shared by every
gunicorn worker and holds every unit's page (the default local-memory cache keeps 300 entries per
process, fewer than the units, so cycling through them would miss every time).
``LOCALSTAT_PAGE_CACHE=off`` in the environment turns caching off (the benchmark measures both).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.http import HttpRequest, HttpResponse

from localstat.publication import stamp
from localstat.publication.selectors import release_stamp

#: Seconds a page is kept: the key changes with each release, so this only bounds memory.
TIMEOUT = 60 * 60


#: Pages the file cache keeps before culling a third of them (each unit page is 100–200 kB).
MAX_PAGES = 20_000
_file_caches: dict[str, FileBasedCache] = {}


def page_cache() -> BaseCache:
    if "publication" in settings.CACHES:
        return caches["publication"]
    directory = str(getattr(settings, "LOCALSTAT_PAGE_CACHE_DIR", settings.VAR_DIR / "page-cache"))
    if directory not in _file_caches:
        _file_caches[directory] = FileBasedCache(
            directory,
            {"TIMEOUT": TIMEOUT, "KEY_PREFIX": "publication", "OPTIONS": {"MAX_ENTRIES": MAX_PAGES}},
        )
    return _file_caches[directory]


def page_key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"publication:page:{stamp.current(release_stamp)}:{path}"


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an anonymous GET from the cache when the releases have not changed since it was made."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or os.environ.get("LOCALSTAT_PAGE_CACHE") == "off"
        ):
            return view(request, *args, **kwargs)
        cache = page_cache()
        key = page_key(request)
        kept = cache.get(key)
        if kept is not None:
            content, content_type, headers = kept
            response = HttpResponse(content, content_type=content_type)
            for name, value in headers.items():
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            headers = {
                name: response[name] for name in ("Content-Disposition", "Link") if response.has_header(name)
            }
            cache.set(key, (response.content, response["Content-Type"], headers), TIMEOUT)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
