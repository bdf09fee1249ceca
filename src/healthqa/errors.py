"""The one exception tree of healthqa.

Every error that healthqa raises on purpose derives from :class:`HealthQAError`, so a caller
can catch one class. The tree::

    HealthQAError
    ├── ConfigError          a setting (environment variable, option) is unusable
    ├── BadInputError        an input file or value cannot be read; names the input and the reason
    │   └── UnknownFormatError   no reader recognises the input
    ├── IngestStoppedError   an ingest was told to stop (its time limit passed); the path it read was rolled back
    ├── StoreError           the knowledge base cannot be opened, migrated or written
    │   └── NotFoundError        an id that the knowledge base does not hold
    ├── FetchError           a download failed or did not verify; nothing was left behind
    ├── ConditionNotFoundError   a name, code or key names no condition; ``candidates`` are close names
    │   └── AmbiguousConditionError  it names several conditions; ``candidates`` lists them
    └── CommunityError       a community action cannot be done (healthqa.community)
        ├── NotAllowedError          the person may not do this (not signed in, not the author, not a moderator)
        │   └── EmailNotConfirmedError   the right password, but the email address is not confirmed yet
        ├── SignInFailedError        wrong email or password, or too many tries: one message for both
        ├── PostingLimitError        a new account's limits (posts per hour, links in first posts)
        ├── EmergencyNoticeError     a post sounds like an emergency: the guidance must be shown first
        └── CommunityNotFoundError   no such community, discussion, post or link token

``ConditionNotFoundError`` and ``AmbiguousConditionError`` live with the condition records
(:mod:`healthqa.conditions`), whose ``Candidate`` they carry; every other class is defined here. The HTTP layer's
``ApiError`` (:mod:`healthqa.app.errors`) is not part of the tree: it is how the app answers, not a failure
of the library.

The CLI prints ``str(error)`` on one line; the API maps each class to one HTTP status (a condition that is not
found 404, an ambiguous one 409).
"""

from __future__ import annotations

from pathlib import Path


class HealthQAError(Exception):
    """Base class of every error healthqa raises on purpose."""


class ConfigError(HealthQAError):
    """A configuration value cannot be used."""


class BadInputError(HealthQAError):
    """An input cannot be read. ``str()`` names the input and says why."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class UnknownFormatError(BadInputError):
    """No reader recognises the input."""


class IngestStoppedError(HealthQAError):
    """An ingest was told to stop (``ingest_path(stop=...)``): the path it was reading was rolled back."""


class StoreError(HealthQAError):
    """The knowledge base cannot be opened, migrated or written."""


class NotFoundError(StoreError):
    """The knowledge base holds nothing under the requested id."""


class FetchError(HealthQAError):
    """A download failed or did not verify."""


class CommunityError(HealthQAError):
    """A community action cannot be done (:mod:`healthqa.community`); nothing was changed."""


class NotAllowedError(CommunityError):
    """The person may not do this: not signed in, suspended, not the author, or not a moderator."""


class EmailNotConfirmedError(NotAllowedError):
    """The right email and password, but the address is not confirmed yet (only its owner learns this)."""


class SignInFailedError(CommunityError):
    """Wrong email or password, or too many tries: one message, so that nobody learns which emails have accounts."""


class PostingLimitError(CommunityError):
    """A limit on new accounts (posts per hour, no links in the first posts)."""


class EmergencyNoticeError(CommunityError):
    """The post sounds like an emergency: the poster must see the emergency guidance before it is published.

    ``kind`` is "poison", "suicide" or "general" (:func:`healthqa.understand.emergency_kind`).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__("This sounds like an emergency: please read the emergency guidance first.")


class CommunityNotFoundError(CommunityError):
    """No such community, discussion, post, account or link (or the link has expired)."""
