"""Performance reviews: CompStat/CitiStat cycles, briefings, meetings and actions."""
