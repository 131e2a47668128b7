"""Read an app profile: TOML in, an ``AppProfile`` out, or one ``ProfileError`` that lists every
mistake with the key's path, what was found and what the key takes, e.g.

    app.toml: the profile cannot be used:
      processes.web.comand: not a key here (known: command, cwd, env, ...)
      processes.web.env.DATABASE_URL: unknown placeholder {db_url} (known: {database_url}, ...)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ValidationError

from harness.files import UnreadableFile, read_toml_file
from harness.profile.model import AppProfile
from harness.profile.placeholders import PLACEHOLDERS, names_in, unknown_names
from harness.project import ProjectNotFound, find_project_root


class ProfileError(ValueError):
    """The profile cannot be used; the message names each key that is wrong."""


@dataclass(frozen=True)
class LoadedProfile:
    path: Path
    app: AppProfile

    @property
    def folder(self) -> Path:
        return self.path.parent


def load_profile(path: Path) -> LoadedProfile:
    try:
        raw = read_toml_file(path)
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile") from None
    except UnreadableFile as error:
        raise ProfileError(str(error)) from None
    return LoadedProfile(path, parse_profile(raw, source=str(path)))


PROFILE_VARIABLE = "WALLET_APP_PROFILE"


@cache
def default_profile() -> LoadedProfile:
    """The project's app profile (``default_profile_path``), read once."""
    return load_profile(default_profile_path())


def default_profile_path() -> Path:
    """The profile to use when a command names none: ``$WALLET_APP_PROFILE``, else the
    project's ``[tool.wallet-harness] app-profile`` in pyproject.toml."""
    named = os.environ.get(PROFILE_VARIABLE)
    if named:
        return Path(named)
    try:
        root = find_project_root()
    except ProjectNotFound as error:
        raise ProfileError(f"no app profile given, and {error}") from None
    pyproject = root / "pyproject.toml"
    try:
        config = read_toml_file(pyproject)
    except FileNotFoundError:
        config = {}  # a project without one names no profile there
    except UnreadableFile as error:
        raise ProfileError(str(error)) from None
    relative = config.get("tool", {}).get("wallet-harness", {}).get("app-profile")
    if not relative:
        raise ProfileError(
            "no app profile given: pass --app PROFILE, set WALLET_APP_PROFILE, or set"
            " [tool.wallet-harness] app-profile in pyproject.toml"
        )
    return root / str(relative)


def parse_profile(raw: dict[str, Any], source: str = "the profile") -> AppProfile:
    try:
        profile = AppProfile.model_validate(raw)
    except ValidationError as error:
        raise ProfileError(_report(source, [_problem(item) for item in error.errors()])) from None
    problems = [
        f"{key}: unknown placeholder {{{name}}} ({_known(profile)})"
        for key, text in _strings(profile)
        for name in unknown_names(text, profile.processes)
    ]
    if profile.stripe.registers_endpoint:
        problems += [
            f"{key}: {{webhook_secret}} is only known where the harness registers the endpoint"
            " (stripe.registers_endpoint = false)"
            for key, text in _strings(profile)
            if "webhook_secret" in names_in(text)
        ]
    if problems:
        raise ProfileError(_report(source, problems))
    return profile


def _report(source: str, problems: list[str]) -> str:
    return f"{source}: the profile cannot be used:\n" + "\n".join(f"  {p}" for p in problems)


def _problem(item: Any) -> str:
    key = ".".join(str(part) for part in item["loc"]) or "(top level)"
    if item["type"] == "extra_forbidden":
        return f"{key}: not a key here{_known_keys(item['loc'])}"
    if item["type"] == "missing":
        loc = tuple(item["loc"])
        inside = _required_keys(_type_at(loc)) if not _names_entries(loc) else []
        if inside:
            return f"{key}: missing (this table is required, with {', '.join(inside)})"
        return f"{key}: missing (this key is required)"
    message = str(item["msg"]).removeprefix("Value error, ")
    found = item.get("input")
    shown = "" if isinstance(found, dict) else f", found {found!r}"
    return f"{key}: {message}{shown}"


def _known_keys(loc: tuple[Any, ...]) -> str:
    """The keys the table holding ``loc``'s last part takes."""
    model = _type_at(loc[:-1])
    return f" (known: {', '.join(model.model_fields)})" if _is_table(model) else ""


def _type_at(loc: tuple[Any, ...]) -> Any:
    """What the key at ``loc`` takes: a table's model, or a plain type; None when unknown."""
    model: Any = AppProfile
    entry = False  # the part after a dict-valued key names an entry (a process, an account)
    for part in loc:
        if entry:
            entry = False
            continue
        field = model.model_fields.get(str(part)) if _is_table(model) else None
        if field is None:
            return None
        entry = get_origin(field.annotation) is dict
        model = _table_type(field.annotation)
    return model


def _names_entries(loc: tuple[Any, ...]) -> bool:
    """Whether the key at ``loc`` holds named entries (``processes``, ``accounts``)."""
    parent = _type_at(loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if _is_table(parent) and loc else None
    return field is not None and get_origin(field.annotation) is dict


def _required_keys(model: Any, prefix: str = "") -> list[str]:
    """The keys a table must be given, nested tables' as dotted paths."""
    if not _is_table(model):
        return []
    found: list[str] = []
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        table = get_origin(field.annotation) is not dict  # a dict's keys are entries, not keys
        nested = _required_keys(_table_type(field.annotation), f"{prefix}{name}.") if table else []
        found += nested or [f"{prefix}{name}"]
    return found


def _is_table(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, BaseModel)


def _table_type(annotation: Any) -> Any:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if _is_table(candidate):
            return candidate
    return annotation


def _strings(node: Any, key: str = "") -> list[tuple[str, str]]:
    """Every string in the profile with its key path (where placeholders may stand)."""
    if isinstance(node, str):
        return [(key, node)]
    if isinstance(node, BaseModel):
        items: list[tuple[str, Any]] = [
            (name, getattr(node, name)) for name in type(node).model_fields
        ]
    elif isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = [(str(index), value) for index, value in enumerate(node)]
    else:
        return []
    found = []
    for name, value in items:
        found += _strings(value, f"{key}.{name}" if key else str(name))
    return found


def _known(profile: AppProfile) -> str:
    names = [*PLACEHOLDERS, *(f"port:{name}" for name in profile.processes)]
    return "known: " + ", ".join(f"{{{name}}}" for name in names)
