"""A demo database built once per test module, for tests that only read it.

Building the whole demo takes most of a minute, so a module of tests that read it shares one build:
each test still runs in its own transaction (``db``), so what one test writes the next does not see,
and the module's build is flushed away after its last test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from localstat.demo.pipeline import build_demo


def module_demo(*, only: Iterable[str] | None = None) -> Callable[..., Iterator[None]]:
    """A module-scoped fixture building the demo (``only`` these steps and theirs) once for the module."""
    steps = None if only is None else tuple(only)

    @pytest.fixture(scope="module")
    def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[None]:
        folder = tmp_path_factory.mktemp("demo")
        with (
            django_db_blocker.unblock(),
            override_settings(
                VAR_DIR=folder / "var",
                LOCALSTAT_ANALYTICS_DIR=folder / "analytics",
                LOCALSTAT_PAGE_CACHE_DIR=folder / "page-cache",
                # the suite's hasher (localstat/conftest.py), so the demo's logins sign in inside the tests
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
        ):
            try:
                build_demo(seed=2004, scale="small", only=steps, progress=lambda message: None)
                yield
            finally:
                call_command("flush", interactive=False, verbosity=0)

    return demo
