"""Inspection: proportionate scheduling, inspections and capacity assessment, over the API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["inspection"])
