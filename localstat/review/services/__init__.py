"""Every write to review cycles, meetings, briefings and actions: keyword-only, atomic, audited.

``acting_user`` None is the system itself (the demo, the tick); a person is checked against
``review/permissions.py`` on the cycle's body and the units it holds to account.
"""

from localstat.review.services.cycles import (
    check_cadence,
    create_cycle,
    data_refresh_days,
    generate_briefing,
    issue_briefing,
    mark_probe,
    mark_probes,
    schedule_next_meeting,
)
from localstat.review.services.meetings import (
    assess_commitment,
    cancel_meeting,
    drop_action,
    hold_meeting,
    issue_follow_up,
    note_overdue_actions,
    record_action,
    record_commitment,
    record_question,
    record_recognition,
    update_action,
)

__all__ = [
    "assess_commitment",
    "cancel_meeting",
    "check_cadence",
    "create_cycle",
    "data_refresh_days",
    "drop_action",
    "generate_briefing",
    "hold_meeting",
    "issue_briefing",
    "issue_follow_up",
    "mark_probe",
    "mark_probes",
    "note_overdue_actions",
    "record_action",
    "record_commitment",
    "record_question",
    "record_recognition",
    "schedule_next_meeting",
    "update_action",
]
