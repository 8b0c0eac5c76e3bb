"""Inspection: proportionate scheduling, inspections and capacity assessment."""
