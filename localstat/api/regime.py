"""Consequences: published trigger rules, freedoms, rewards, payments and the intervention ladder, over the API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["regime"])
