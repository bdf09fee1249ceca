"""What the API and the pages accept from a person: questions, descriptions and references cleaned of control
characters and held to their limits, with the one error shape (:class:`~healthqa.app.errors.ApiError`)."""

from __future__ import annotations

import unicodedata

from healthqa.app.errors import ApiError
from healthqa.conditions import AmbiguousConditionError, ConditionNotFoundError

# Longer than any name, code or key the knowledge base holds; a longer reference is a mistake or an attack.
MAX_REF_LENGTH = 200
MAX_FEATURES = 200


def _within(text: str, max_length: int, code: str, what: str, advice: str = "") -> str:
    """``text`` without control characters or lone surrogates; 422 ``code`` when longer than ``max_length``."""
    if len(text) > max_length:
        raise ApiError(
            422, code, f"The {what} is {len(text):,} characters long; the limit is {max_length:,} characters.{advice}"
        )
    return clean_text(text)


def clean_question(text: str, max_length: int) -> str:
    """The question as healthqa searches it: no control characters or lone surrogates; 4xx if unusable."""
    cleaned = _within(text, max_length, "question_too_long", "question", " Please shorten it.")
    if not cleaned:
        raise ApiError(422, "empty_question", "The question is empty. Please type a question.")
    return cleaned


def clean_description(text: str, max_length: int) -> str:
    """A description of symptoms, cleaned like a question; it may be empty (HPO ids can stand in for it)."""
    return _within(text, max_length, "description_too_long", "description", " Please shorten it.")


def clean_ref(text: str, what: str = "reference") -> str:
    """A condition's name, code or key as the disease index reads it; 422 when empty or too long."""
    cleaned = _within(text, MAX_REF_LENGTH, "ref_too_long", what)
    if not cleaned:
        raise ApiError(422, "empty_ref", f"The {what} is empty: give the name of a condition, a code or a key.")
    return cleaned


def condition_error(error: ConditionNotFoundError) -> ApiError:
    """404 (no such condition) or 409 (several conditions fit), with the candidates as their own field.

    The message names the candidates but not the reference, which the person typed.
    """
    candidates = [c.to_json() for c in error.candidates]
    names = "; ".join(f"{c.name} ({c.ref})" for c in error.candidates)
    if isinstance(error, AmbiguousConditionError):
        return ApiError(
            409, "ambiguous_condition",
            f"This fits {len(candidates)} different conditions; ask again with one of their references: {names}.",
            extra={"candidates": candidates},
        )
    message = "There is no condition by this name, code or key in the knowledge base."
    if names:
        message += f" Did you mean: {names}?"
    return ApiError(404, "condition_not_found", message, extra={"candidates": candidates})


def clean_text(text: str) -> str:
    """No control characters or lone surrogates, no surrounding space."""
    return "".join(_clean_char(c) for c in text).strip()


def _clean_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cs":
        return "\ufffd"
    if category == "Cc" and char not in "\n\t":
        return " "
    return char
