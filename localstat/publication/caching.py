"""Whole-page caching of the public pages, keyed by the published releases.

A public page is a function of the published releases only, so an anonymous visitor's page is kept
in Django's cache under a key made of the releases' stamp and the full path: publishing a release
changes the stamp, so every page is read afresh from the new release, and nothing needs clearing.
Signed-in people (whose header differs) always get a fresh page. The default cache (local memory,
per process) is enough; a shared cache named ``publication`` in ``CACHES`` is used when configured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse

from localstat.publication.selectors import release_stamp

#: Seconds a page is kept: the key changes with each release, so this only bounds memory.
TIMEOUT = 60 * 60


def _cache() -> BaseCache:
    from django.conf import settings

    return caches["publication" if "publication" in settings.CACHES else "default"]


def page_key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"publication:page:{release_stamp()}:{path}"


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an anonymous GET from the cache when the releases have not changed since it was made."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        cache = _cache()
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
