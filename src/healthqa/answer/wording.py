"""healthqa's own words around the quoted passages: the disclaimer, the emergency guidance, the empty answer.

These are labels and guidance, never medical content (which is only ever quoted from sources). Kept apart from
the answering stack so that pages and records that show them import nothing else.
"""

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
