"""Performance reviews: CompStat/CitiStat cycles, briefings, meetings and actions, over the API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["review"])
