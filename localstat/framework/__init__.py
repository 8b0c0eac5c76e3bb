"""The performance framework: what is expected of whom.

Periods and school calendars, indicators (versioned), PSAs and their targets, standards and
exemptions, the controls register and each unit's burden (seed Box 2.1, 2.7–2.10, 2.23–2.27, 3.3–3.22).
"""
