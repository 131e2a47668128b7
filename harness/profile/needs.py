"""Which profile keys a step needs, and which of those an app's profile lacks.

A step that only works when the app offers something optional (the reconciliation command, a
worker the scenario can stop, the billing API...) says so with ``@needs("capabilities.reconcile")``
under its ``@given``/``@when``/``@then``. A scenario with such a step is not run against a
profile without that key: it is reported as not applicable, with the key named, so that a team
sees what to add to its profile to get those checks, and a green run never counts a check that
did not happen.

A step that can work from either of two sources names both: ``@needs("capabilities.queue_probe
or capabilities.events_sql and capabilities.jobs_sql")`` (``and`` binds tighter than ``or``); the
scenario is not applicable only when no alternative is wholly set, and the whole phrase is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel

from harness.profile.model import AppProfile

F = TypeVar("F", bound=Callable[..., object])
NEEDS_ATTRIBUTE = "__wallet_needs__"


def needs(*keys: str) -> Callable[[F], F]:
    """Mark a step function as needing these profile keys (dotted paths, e.g.
    ``capabilities.worker``). Unknown paths are refused at import time, so a typo cannot make
    a step look applicable everywhere."""
    for key in keys:
        for alternative in _alternatives(key):
            for part in alternative:
                _check_path(part)

    def mark(function: F) -> F:
        setattr(function, NEEDS_ATTRIBUTE, (*getattr(function, NEEDS_ATTRIBUTE, ()), *keys))
        return function

    return mark


def needed_by(function: Callable[..., object]) -> tuple[str, ...]:
    return tuple(getattr(function, NEEDS_ATTRIBUTE, ()))


def missing_keys(profile: AppProfile, keys: Iterable[str]) -> list[str]:
    """The keys the profile does not set (absent, or an empty list/command), in order, once;
    a key under a missing one is not named again (``topup_api`` covers ``topup_api.path``)."""
    missing: list[str] = []
    for key in keys:
        covered = any(key == gone or key.startswith(gone + ".") for gone in missing)
        if not covered and not _set(profile, key):
            missing.append(key)
    return missing


def _alternatives(key: str) -> list[list[str]]:
    """``"a or b and c"`` as [[a], [b, c]]; a plain key as [[key]]."""
    return [[part.strip() for part in group.split(" and ")] for group in key.split(" or ")]


def _set(profile: AppProfile, key: str) -> bool:
    return any(all(_value(profile, part) for part in group) for group in _alternatives(key))


def _value(profile: AppProfile, key: str) -> object:
    value: object = profile
    for part in key.split("."):
        value = getattr(value, part, None)
    return value


def _check_path(key: str) -> None:
    model: type[BaseModel] = AppProfile
    parts = key.split(".")
    for index, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            raise ValueError(f"@needs({key!r}): the app profile has no key {key!r}")
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None)]
        nested = inner[0] if len(inner) == 1 else None
        if index < len(parts) - 1:
            if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
                raise ValueError(f"@needs({key!r}): {part!r} has no keys under it")
            model = nested
