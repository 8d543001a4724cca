"""Errors a use case raises for the user to read (bad input, a refused step): never a bug."""

from __future__ import annotations

from fupin_desktop.domain.validation import Problem


class ServiceError(Exception):
    """A refusal with a Chinese message; the transaction has been rolled back."""


class NotFound(ServiceError):
    """The record asked for no longer exists (deleted in another window, perhaps)."""


class ValidationFailed(ServiceError):
    """Input that breaks a consistency rule: every problem names its field."""

    def __init__(self, problems: list[Problem], context: str = "") -> None:
        self.problems = problems
        lines = [p.message for p in problems if p.is_error]
        prefix = f"{context}：" if context else ""
        super().__init__(prefix + "；".join(lines))


class PermissionDenied(ServiceError):
    """The signed-in account's role may not take this step; nothing was written."""


class SignInRefused(ServiceError):
    """A wrong name or password, a locked or disabled account."""
