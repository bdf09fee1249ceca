"""healthqa's own words around the quoted passages: the disclaimer, the emergency guidance, the empty answer.

These are labels and guidance, never medical content (which is only ever quoted from sources). Kept apart from
the answering stack so that pages and records that show them import nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

DISCLAIMER = (
    "healthqa quotes trusted health sources and shows where each passage comes from. It is not medical "
    "advice and cannot examine you: talk with a doctor or other health professional about your situation."
)
EMERGENCY_GUIDANCE = (
    "Your question may describe an emergency. Call your local emergency number now (911 in the US) or go "
    "to the nearest emergency department. If you are thinking about suicide or self-harm, call or text 988 "
    "(the US Suicide & Crisis Lifeline) or your local crisis line. If someone swallowed or breathed in "
    "something harmful, call Poison Control (1-800-222-1222 in the US) or your local poison centre."
)
NO_ANSWER = "No trusted answer found."


@dataclass(frozen=True)
class EmergencyAction:
    """One thing to do now, as the emergency box lists it (healthqa's words): whom to call (``label``), the
    ``number`` as written for people, the same number as a ``tel:`` link that phones dial (``tel``), and
    ``when`` to call it."""

    label: str  # whom to call: "Poison Control"
    number: str  # as written for people: "1-800-222-1222"
    tel: str  # the number as a tel: link, for phones: "tel:+1-800-222-1222"
    when: str  # when to call it, and what to do outside the US


CALL_EMERGENCY = EmergencyAction(
    "Emergency services", "911", "tel:911",
    "Call now, or go to the nearest emergency department. Outside the US, call your local emergency number.",
)
CALL_CRISIS_LINE = EmergencyAction(
    "Suicide & Crisis Lifeline", "988", "tel:988",
    "Call or text if you are thinking about suicide or self-harm. Outside the US, call your local crisis line.",
)
CALL_POISON_CONTROL = EmergencyAction(
    "Poison Control", "1-800-222-1222", "tel:+1-800-222-1222",
    "Call if someone swallowed or breathed in something harmful. Outside the US, call your local poison centre.",
)


def emergency_actions(kind: str) -> list[EmergencyAction]:
    """The actions for an emergency of ``kind`` (see healthqa.understand.emergency_kind), the most likely first:
    Poison Control for "poison", the crisis line for "suicide", the emergency number otherwise."""
    first = {"poison": CALL_POISON_CONTROL, "suicide": CALL_CRISIS_LINE}.get(kind, CALL_EMERGENCY)
    return [first, *(a for a in (CALL_EMERGENCY, CALL_CRISIS_LINE, CALL_POISON_CONTROL) if a is not first)]
