"""Publishing the hazard's state after every change (the event is declared in
``qingling.hazard_events``, the contract shared with its consumers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from qingling.hazard_events import HazardChanged

SUBSCRIBERS = ("notify",)  # deadline board and reminders


def subscribers(source: str) -> tuple[str, ...]:
    """A hazard that came from a tip-off is followed by the reports service too (for the reporter)."""
    return (*SUBSCRIBERS, "reports") if source == "tip_off" else SUBSCRIBERS


def hazard_changed(hazard: Mapping[str, Any], action: str, previous_state: str | None, closed: bool) -> HazardChanged:
    """The event for a hazard's columns (a model's ``model_dump()``, or the values of a bulk insert)."""
    return HazardChanged(
        hazard_id=hazard["id"],
        seq=hazard["audit_seq"],
        action=action,
        state=hazard["state"],
        state_title=HAZARD_LIFECYCLE.states[hazard["state"]],
        previous_state=previous_state,
        grade=hazard["grade"],
        source=hazard["source"],
        source_ref=hazard["source_ref"],
        title=hazard["title"],
        enterprise_code=hazard["enterprise_code"],
        region_code=hazard["region_code"],
        industry=hazard["industry"],
        lister_region_code=hazard["lister_region_code"],
        supervising_department=(
            {
                "id": hazard["supervising_department_id"],
                "region_code": hazard["supervising_region_code"],
                "kind": hazard["supervising_kind"],
                "name": hazard["supervising_name"],
            }
            if hazard.get("supervising_department_id") is not None
            else None
        ),
        deadline_at=hazard["deadline_at"],
        deadline_provisional=hazard["deadline_provisional"],
        step=hazard["step"],
        step_due_at=hazard["step_due_at"],
        step_provisional=hazard["step_provisional"],
        production_suspended=hazard["production_suspended"],
        closed=closed,
    )
