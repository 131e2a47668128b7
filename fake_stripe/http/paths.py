"""``{name:anything}`` in a route: any rest of a path, newlines included (Starlette's ``path``
stops at a newline, so ``/v1/x%0Ay`` would miss a catch-all route and get Starlette's plain-text
404 instead of the fake's JSON one). Imported by the modules whose routes use it."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

ANYTHING = "anything"


class _Anything(Convertor[str]):
    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor(ANYTHING, _Anything())
