"""How sentences are matched: one place for the shapes every step module shares.

``sentence(pattern)`` is a ``parsers.re`` (a full match) in which these stand for groups:

- ``{money}``: an amount written as people say it, ``£50.00`` (converted to pence once, by
  ``harness.money.parse_money``, through ``MONEY``'s converters);
- ``{email}``: a quoted login, ``"test@demo.com"``, captured without the quotes.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import parsers

from harness.money import MONEY_PATTERN, parse_money

MONEY: dict[str, Callable[[str], object]] = {
    name: parse_money for name in ("amount", "before", "after", "first", "second", "total", "price")
}


def sentence(pattern: str) -> parsers.re:
    return parsers.re(
        pattern.replace("{money}", f"(?:{MONEY_PATTERN})").replace(
            '"{email}"', r'"(?P<email>[^"]+)"'
        )
    )
