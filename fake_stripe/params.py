"""Typed reading of decoded request parameters, with Stripe-shaped errors naming the param.

Every reader records the names it consumed; ``finish()`` refuses any parameter nobody read,
as Stripe does with ``Received unknown parameter``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fake_stripe.errors import InvalidRequest


class Params:
    def __init__(self, raw: Any, prefix: str = "") -> None:
        if not isinstance(raw, dict):
            raise InvalidRequest(f"Invalid object for {prefix or 'request'}", param=prefix or None)
        self._raw: dict[str, Any] = raw
        self._prefix = prefix
        self._read: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self._prefix}[{key}]" if self._prefix else key

    def has(self, key: str) -> bool:
        return key in self._raw

    def _take(self, key: str, required: bool) -> Any:
        self._read.add(key)
        if key not in self._raw:
            if required:
                raise InvalidRequest(
                    f"Missing required param: {self.name(key)}.", param=self.name(key)
                )
            return None
        return self._raw[key]

    def string(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self._take(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidRequest(f"Invalid string: {self.name(key)}", param=self.name(key))
        if len(value) > max_length:
            raise InvalidRequest(
                f"Invalid string: {self.name(key)} must be at most {max_length} characters",
                param=self.name(key),
            )
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
        if value is None:
            return None
        if not isinstance(value, str) or not value.lstrip("-").isdigit():
            raise InvalidRequest(f"Invalid integer: {value}", param=self.name(key))
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

    def boolean(self, key: str) -> bool | None:
        value = self._take(key, False)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise InvalidRequest(f"Invalid boolean: {value}", param=self.name(key))
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

    def child(self, key: str, *, required: bool = False) -> Params | None:
        value = self._take(key, required)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise InvalidRequest(f"Invalid object: {self.name(key)}", param=self.name(key))
        return Params(value, self.name(key))

    def children(self, key: str, *, required: bool = False) -> list[Params]:
        value = self._take(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidRequest(f"Invalid array: {self.name(key)}", param=self.name(key))
        return [Params(item, f"{self.name(key)}[{index}]") for index, item in enumerate(value)]

    def strings(self, key: str) -> list[str] | None:
        value = self._take(key, False)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidRequest(f"Invalid array: {self.name(key)}", param=self.name(key))
        return list(value)

    def metadata(self, key: str = "metadata") -> dict[str, str] | None:
        value = self._take(key, False)
        if value is None:
            return None
        if value == "":
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InvalidRequest(f"Invalid metadata: {self.name(key)}", param=self.name(key))
        if len(value) > 50:
            raise InvalidRequest("Metadata can have at most 50 keys.", param=self.name(key))
        for meta_key, meta_value in value.items():
            if len(meta_key) > 40 or len(meta_value) > 500:
                raise InvalidRequest(
                    "Metadata keys are at most 40 characters and values at most 500.",
                    param=f"{self.name(key)}[{meta_key}]",
                )
        return {k: v for k, v in value.items() if v != ""}

    def finish(self) -> None:
        """Refuse any parameter that no reader consumed."""
        for key in self._raw:
            if key not in self._read:
                raise InvalidRequest(
                    f"Received unknown parameter: {self.name(key)}", param=self.name(key)
                )


def read_expand(params: Params) -> list[str]:
    return params.strings("expand") or []
