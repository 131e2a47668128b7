"""Typed reading of decoded request parameters, with Stripe-shaped errors naming the param.

Every reader records the names it consumed; ``finish()`` refuses any parameter nobody read,
as Stripe does with ``Received unknown parameter``. As on Stripe, an empty value (``key=``)
means "unset": an optional string reads as None, a required one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fake_stripe.protocol.errors import InvalidRequest, MissingParameter, UnknownParameter

_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only; Stripe's integers fit in 64 bits
MAX_EXPAND_DEPTH = 4
METADATA_KEYS = 50
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500


class Params:
    def __init__(self, raw: Any, prefix: str = "") -> None:
        if not isinstance(raw, dict):
            raise InvalidRequest(
                f"Invalid object: {prefix or 'request'} must be an object", param=prefix or None
            )
        self._raw: dict[str, Any] = raw
        self._prefix = prefix
        self._read: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self._prefix}[{key}]" if self._prefix else key

    def has(self, key: str) -> bool:
        return key in self._raw

    def given_as_string(self, key: str) -> bool:
        """For the few parameters that take a value or an object (``created``)."""
        return isinstance(self._raw.get(key), str)

    def _take(self, key: str, required: bool) -> Any:
        self._read.add(key)
        value = self._raw.get(key)
        if value is None:
            if required:
                raise MissingParameter(self.name(key))
            return None
        if value == "" and required:
            raise InvalidRequest(
                f"You passed an empty string for '{self.name(key)}'. We assume empty values are"
                f" an attempt to unset a parameter; however '{self.name(key)}' cannot be unset."
                f" You should remove '{self.name(key)}' from your request or supply a non-empty"
                " value.",
                param=self.name(key),
                code="parameter_invalid_empty",
            )
        return value

    # -- scalars -----------------------------------------------------------------------------

    def string(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self._take(key, required)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidRequest(
                f"Invalid string: {self.name(key)} must be a string, not an object or a list",
                param=self.name(key),
            )
        if len(value) > max_length:
            raise InvalidRequest(
                f"Invalid string: {value[:20]}...; must be at most {max_length} characters",
                param=self.name(key),
                code="string_too_long",
            )
        return value

    def require_string(self, key: str, *, max_length: int = 5000) -> str:
        value = self.string(key, required=True, max_length=max_length)
        if value is None:  # unreachable: _take refused it
            raise MissingParameter(self.name(key))
        return value

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._take(key, required)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            shown = value[:40] if isinstance(value, str) else "an object or a list"
            raise InvalidRequest(
                f"Invalid integer: {shown}",
                param=self.name(key),
                code="parameter_invalid_integer",
            )
        number = int(value)
        if minimum is not None and number < minimum:
            raise InvalidRequest(
                f"This value must be greater than or equal to {minimum}.", param=self.name(key)
            )
        if maximum is not None and number > maximum:
            raise InvalidRequest(
                f"This value must be less than or equal to {maximum}.", param=self.name(key)
            )
        return number

    def require_integer(
        self, key: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.integer(key, required=True, minimum=minimum, maximum=maximum)
        if value is None:  # unreachable: _take refused it
            raise MissingParameter(self.name(key))
        return value

    def boolean(self, key: str) -> bool | None:
        value = self._take(key, False)
        if value is None or value == "":
            return None
        if value not in ("true", "false"):
            shown = value[:40] if isinstance(value, str) else "an object or a list"
            raise InvalidRequest(f"Invalid boolean: {shown}", param=self.name(key))
        return bool(value == "true")

    def choice(self, key: str, choices: Iterable[str], *, required: bool = False) -> str | None:
        value = self.string(key, required=required)
        allowed = list(choices)
        if value is not None and value not in allowed:
            raise InvalidRequest(
                f"Invalid {self.name(key)}: must be one of {', '.join(allowed)}",
                param=self.name(key),
            )
        return value

    def require_choice(self, key: str, choices: Iterable[str]) -> str:
        value = self.choice(key, choices, required=True)
        if value is None:  # unreachable: _take refused it
            raise MissingParameter(self.name(key))
        return value

    # -- structures --------------------------------------------------------------------------

    def child(self, key: str, *, required: bool = False) -> Params | None:
        value = self._take(key, required)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise InvalidRequest(
                f"Invalid object: {self.name(key)} must be an object (e.g. {self.name(key)}[...])",
                param=self.name(key),
            )
        return Params(value, self.name(key))

    def children(self, key: str, *, required: bool = False) -> list[Params]:
        value = self._take(key, required)
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            raise InvalidRequest(
                f"Invalid array: {self.name(key)} must be a list ({self.name(key)}[0][...])",
                param=self.name(key),
            )
        return [Params(item, f"{self.name(key)}[{index}]") for index, item in enumerate(value)]

    def strings(self, key: str, *, max_items: int | None = None) -> list[str] | None:
        value = self._take(key, False)
        if value is None or value == "":
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidRequest(
                f"Invalid array: {self.name(key)} must be a list of strings", param=self.name(key)
            )
        if max_items is not None and len(value) > max_items:
            raise InvalidRequest(
                f"Invalid array: {self.name(key)} may have at most {max_items} items",
                param=self.name(key),
            )
        return list(value)

    def metadata(self, key: str = "metadata") -> dict[str, str] | None:
        """Metadata to set on a new object: empty values are left out."""
        changes = self.metadata_changes(key)
        if changes is None:
            return None
        return {k: v for k, v in changes.items() if v != ""}

    def updated_metadata(self, current: dict[str, str], key: str = "metadata") -> dict[str, str]:
        """``current`` after this request: ``metadata[k]=`` removes k, ``metadata=`` clears."""
        if self._raw.get(key) == "":
            self._read.add(key)
            return {}
        changes = self.metadata_changes(key)
        if changes is None:
            return dict(current)
        updated = dict(current)
        for meta_key, meta_value in changes.items():
            if meta_value == "":
                updated.pop(meta_key, None)
            else:
                updated[meta_key] = meta_value
        if len(updated) > METADATA_KEYS:
            raise InvalidRequest(
                f"Metadata can have at most {METADATA_KEYS} keys.", param=self.name(key)
            )
        return updated

    def metadata_changes(self, key: str = "metadata") -> dict[str, str] | None:
        value = self._take(key, False)
        if value is None:
            return None
        if value == "":
            return {}
        if isinstance(value, list):  # metadata[0]=a&metadata[1]=b: keys that look like indexes
            value = {str(index): item for index, item in enumerate(value)}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InvalidRequest(
                f"Invalid {self.name(key)}: metadata values must be strings",
                param=self.name(key),
            )
        if len(value) > METADATA_KEYS:
            raise InvalidRequest(
                f"Metadata can have at most {METADATA_KEYS} keys.", param=self.name(key)
            )
        for meta_key, meta_value in value.items():
            if len(meta_key) > METADATA_KEY_LENGTH or len(meta_value) > METADATA_VALUE_LENGTH:
                raise InvalidRequest(
                    f"Metadata keys are at most {METADATA_KEY_LENGTH} characters and values at"
                    f" most {METADATA_VALUE_LENGTH}.",
                    param=f"{self.name(key)}[{meta_key[:60]}]",
                )
        return dict(value)

    def expansions(self, *, listing: bool = False) -> list[list[str]]:
        """``expand[]``: each path split on dots; a list's paths start with ``data.``, which
        is removed here."""
        paths = self.strings("expand") or []
        result: list[list[str]] = []
        for index, path in enumerate(paths):
            parts = path.split(".")
            if listing:
                if parts[0] != "data" or len(parts) == 1:
                    raise InvalidRequest(
                        f"This property cannot be expanded ({path}). You may want to try"
                        f" expanding 'data.{path}' instead.",
                        param=f"expand[{index}]",
                    )
                parts = parts[1:]
            if len(parts) > MAX_EXPAND_DEPTH or "" in parts:
                raise InvalidRequest(
                    f"Invalid expand[{index}]: {path[:100]}; you cannot expand more than"
                    f" {MAX_EXPAND_DEPTH} levels of a property.",
                    param=f"expand[{index}]",
                )
            result.append(parts)
        return result

    def finish(self) -> None:
        """Refuse any parameter that no reader consumed."""
        for key in self._raw:
            if key not in self._read:
                raise UnknownParameter(self.name(key[:200]))
