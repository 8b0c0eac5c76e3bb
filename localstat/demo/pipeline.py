"""The demo as a pipeline of per-app steps.

Each LocalStat app may have a ``demo.py`` with ``STEPS = [DemoStep(...)]``. The pipeline finds them in
``INSTALLED_APPS`` order and runs them in dependency order (``after``), so a later capability adds its
step without editing anyone else's. Every step writes through the apps' services, as a user would.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from localstat.core.clock import set_reference_date
from localstat.demo.models import DemoBuild, DemoLogin

#: The date the demo database is built for: just after the NHS A&E data ends (March 2019).
DEMO_AS_OF = date(2019, 4, 30)
#: The one documented password of every demo login (README.md).
DEMO_PASSWORD = "localstat-demo"
DATA_DIR = Path(__file__).resolve().parent / "data"
SCALES = ("small", "regional")


@dataclass
class DemoContext:
    seed: int
    scale: str
    as_of: date
    rng: np.random.Generator
    progress: Callable[[str], None]
    data_dir: Path = DATA_DIR
    #: Values steps hand to later steps (for example the organisations they created), by name.
    shared: dict[str, Any] = field(default_factory=dict)

    def add_login(self, *, username: str, role: str, organisation_code: str, description: str = "") -> None:
        DemoLogin.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "organisation_code": organisation_code,
                "description": description,
                "position": DemoLogin.objects.count(),
            },
        )


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], None]
    description: str
    after: tuple[str, ...] = ()


def discover_steps() -> list[DemoStep]:
    steps: list[DemoStep] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("localstat."):
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        steps.extend(getattr(importlib.import_module(module_name), "STEPS", []))
    return order_steps(steps)


def order_steps(steps: list[DemoStep]) -> list[DemoStep]:
    """Dependency order, keeping discovery order among steps that do not depend on each other.

    >>> a, b, c = (DemoStep(n, lambda ctx: None, n, after) for n, after in [("a", ("b",)), ("b", ()), ("c", ())])
    >>> [s.name for s in order_steps([a, b, c])]
    ['b', 'a', 'c']
    """
    by_name = {step.name: step for step in steps}
    for step in steps:
        missing = [name for name in step.after if name not in by_name]
        if missing:
            raise LookupError(f"Demo step {step.name!r} runs after {missing}, which no app provides.")
    ordered: list[DemoStep] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(step: DemoStep) -> None:
        if step.name in placed:
            return
        if step.name in visiting:
            raise ValueError(f"Demo steps depend on each other in a cycle through {step.name!r}.")
        visiting.add(step.name)
        for name in step.after:
            place(by_name[name])
        visiting.discard(step.name)
        placed.add(step.name)
        ordered.append(step)

    for step in steps:
        place(step)
    return ordered


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def steps_for(only: Iterable[str] | None = None) -> list[DemoStep]:
    """Every step, or only the named ones and the steps they run after, in dependency order.

    >>> [step.name for step in steps_for(["returns"])]
    ['chain', 'framework', 'returns']
    """
    steps = discover_steps()
    if only is None:
        return steps
    by_name = {step.name: step for step in steps}
    unknown = sorted(set(only) - set(by_name))
    if unknown:
        raise LookupError(f"No demo step is called {', '.join(unknown)}: choose from {', '.join(by_name)}.")
    wanted: set[str] = set()
    pending = list(only)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(by_name[name].after)
    return [step for step in steps if step.name in wanted]


def build_demo(
    *,
    seed: int = 2004,
    scale: str = "small",
    reset: bool = False,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] = _stderr,
) -> DemoBuild | None:
    """Build the demo; returns the build, or None when it was already built and ``reset`` is off.

    ``only`` builds just the named steps and those they run after (tests use it to skip the rest).
    """
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    if reset:
        progress("Emptying the database…")
        call_command("flush", interactive=False, verbosity=0)
    elif DemoBuild.objects.exists():
        return None
    started = time.perf_counter()
    context = DemoContext(
        seed=seed, scale=scale, as_of=DEMO_AS_OF, rng=np.random.default_rng(seed), progress=progress
    )
    # Every step reads "today" from the one clock, so the build date is set before the first step runs.
    set_reference_date(DEMO_AS_OF, reason=f"demo built with seed {seed} at {scale} scale")
    steps = steps_for(only)
    for number, step in enumerate(steps, start=1):
        progress(f"[{number}/{len(steps)}] {step.description}")
        step_started = time.perf_counter()
        with transaction.atomic():
            step.run(context)
        progress(f"      done in {time.perf_counter() - step_started:.1f} s")
    return DemoBuild.objects.create(
        seed=seed,
        scale=scale,
        as_of=DEMO_AS_OF,
        steps=[s.name for s in steps],
        seconds=time.perf_counter() - started,
    )


def login_lines() -> list[str]:
    return [
        f"login: {login.username}  password: {DEMO_PASSWORD}  role: {login.role}  organisation: {login.organisation_code}"
        for login in DemoLogin.objects.all()
    ]
