"""Local agreements: negotiated local targets, Local PSAs, accountability agreements, trajectories, over the API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["agreements"])
