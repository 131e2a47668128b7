"""The mutants ``bench/mutation.py`` runs against the suite: semantic ones, written by hand as the
bugs real wallet apps ship, each a small edit of the reference app's money path; and mechanical
ones, made by the operators mutation tools use (mutmut's and cosmic-ray's), on the same files.

A semantic mutant names its file, the exact text it replaces (found exactly once, else the
mutant is reported stale, never silently skipped) and what a team would have shipped.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the project's root
    old: str
    new: str
    why: str  # the bug, as a team would ship it

    def apply(self, root: Path) -> str | None:
        """Edit the copy at ``root``; the reason it cannot, or None."""
        file = root / self.path
        text = file.read_text(encoding="utf-8")
        found = text.count(self.old)
        if found != 1:
            return f"stale: the text to replace occurs {found} times in {self.path}"
        file.write_text(text.replace(self.old, self.new), encoding="utf-8")
        return None


FLOW = "reference_app/topup_flow.py"
FULFIL = "reference_app/fulfilment.py"
EVENTS = "reference_app/event_handling.py"
HOOK = "reference_app/web/webhooks.py"
TOPUPS = "reference_app/topups.py"
SQL = "reference_app/migrations/0003_wallet_functions.sql"
SCRIPT = "reference_app/web/static/dashboard.js"
RECONCILE = "reference_app/reconcile.py"
FORM = "reference_app/web/dashboard.py"

SEMANTIC: tuple[Mutant, ...] = (
    Mutant(
        "maximum-refused",
        FLOW,
        "<= amount_pence <= settings.topup_max_pence",
        "<= amount_pence < settings.topup_max_pence",
        "an off-by-one at the top of the allowed range: the maximum top-up is refused",
    ),
    Mutant(
        "minimum-refused",
        FLOW,
        "if not settings.topup_min_pence <= amount_pence",
        "if not settings.topup_min_pence < amount_pence",
        "an off-by-one at the bottom of the allowed range: the minimum top-up is refused",
    ),
    Mutant(
        "no-replay-window",
        HOOK,
        "tolerance=TOLERANCE_SECONDS,",
        "tolerance=None,",
        "signatures are checked without a timestamp tolerance: a captured delivery can be"
        " replayed for ever",
    ),
    Mutant(
        "expired-event-ignored",
        EVENTS,
        '"expired", "the Checkout Session expired unpaid")',
        '"created", None)',
        "checkout.session.expired is acknowledged and dropped: the top-up stays 'created' and"
        " the customer is never told it expired",
    ),
    Mutant(
        "failed-debit-ignored",
        EVENTS,
        """            topups.mark_status(conn, session_id, "failed", "the bank debit failed")""",
        """            pass""",
        "checkout.session.async_payment_failed is acknowledged and dropped: a failed bank debit"
        " stays 'on its way' for ever",
    ),
    Mutant(
        "idempotency-lookup-misses",
        SQL,
        """         where t.stripe_checkout_session_id = p_stripe_checkout_session_id
           and t.type = 'topup';""",
        """         where t.stripe_checkout_session_id = p_stripe_checkout_session_id
           and t.type = 'refund';""",
        "the credit's idempotency lookup asks the wrong question: a second delivery is not"
        " recognised as done and hits the unique index as an error",
    ),
    Mutant(
        "rows-added-again",
        SCRIPT,
        """      if (list.querySelector('[data-transaction-id="' + t.id + '"]')) {
        continue;
      }
""",
        "",
        "the page's script adds every transaction it fetches, also the rows already shown: the"
        " live list repeats the older rows after a credit",
    ),
    Mutant(
        "poll-gives-up-on-5xx",
        SCRIPT,
        """    } else {
      schedule(); // the server had a moment: try again until the limit
    }""",
        """    } else {
      finish("error"); // a 5xx ends the polling: the page says "being confirmed" for ever
    }""",
        "a 5xx while polling ends the polling: a page that hit a blip never shows the credit",
    ),
    Mutant(
        "sweep-skips-recorded",
        TOPUPS,
        """        " where status = 'credited' and checkout_session_id = any(%s)",""",
        """        " where checkout_session_id = any(%s)",""",
        "the sweep skips every session the app has a row for (not only credited ones): it"
        " rescues only top-ups the app never recorded",
    ),
    Mutant(
        "sweep-ignores-async",
        RECONCILE,
        'FULFIL_ON = ("checkout.session.completed", "checkout.session.async_payment_succeeded")',
        'FULFIL_ON = ("checkout.session.completed",)',
        "the sweep only reads checkout.session.completed: a bank debit whose success webhook"
        " was lost is never rescued",
    ),
    Mutant(
        "credited-by-wrong-path",
        FULFIL,
        "conn, view.id, org_id, amount, path, view.payment_intent_id",
        'conn, view.id, org_id, amount, "webhook", view.payment_intent_id',
        "every credit is recorded as the webhook's: which path rescued a payment is lost",
    ),
    Mutant(
        "credits-subtotal",
        FULFIL,
        "amount = _amount_of(view, defects)",
        "amount = view.amount_subtotal or _amount_of(view, defects)",
        "the credit reads amount_subtotal, not amount_total: equal until a discount or a tax"
        " applies",
    ),
    Mutant(
        "form-pounds-truncated",
        FORM,
        "return int(pounds) * 100 + int(pence)",
        "return int(pounds) * 100 + int(pence[:1]) * 10",
        "the custom amount's second decimal is dropped: £10.99 charges £10.90",
    ),
)


# -- mechanical mutants: the operators mutation tools apply, on the money path's functions -------

MECHANICAL_FILES = (FLOW, FULFIL, EVENTS, HOOK, RECONCILE, TOPUPS)
_FLIPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    kind: str  # what the operator does, e.g. "== -> !=", "not removed", "return None"


def sites(root: Path, paths: tuple[str, ...] = MECHANICAL_FILES) -> list[Site]:
    """Every place an operator applies, in file and line order."""
    found = []
    for path in paths:
        tree = ast.parse((root / path).read_text(encoding="utf-8"))
        for node, kind in _operators(tree):
            found.append(Site(path, getattr(node, "lineno", 0), kind))
    return found


def mechanical(root: Path, count: int, seed: int) -> list[tuple[Site, int]]:
    """``count`` sites drawn with ``seed`` (each with its index among the file's sites)."""
    every = []
    for path in MECHANICAL_FILES:
        tree = ast.parse((root / path).read_text(encoding="utf-8"))
        every += [
            (Site(path, getattr(n, "lineno", 0), k), i) for i, (n, k) in enumerate(_operators(tree))
        ]
    picked = random.Random(seed).sample(every, min(count, len(every)))
    return sorted(picked, key=lambda pair: (pair[0].path, pair[0].line, pair[1]))


def apply_mechanical(root: Path, site: Site, index: int) -> None:
    """Apply the ``index``-th operator of the file and write it back (as ``ast.unparse``
    writes it: the comments go, the behaviour stays, but for the mutation)."""
    file = root / site.path
    tree = ast.parse(file.read_text(encoding="utf-8"))
    node, kind = list(_operators(tree))[index]
    _mutate(node, kind)
    file.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")


def _operators(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _FLIPS:
            old = type(node.ops[0])
            yield node, f"{old.__name__} -> {_FLIPS[old].__name__}"
        elif isinstance(node, ast.BoolOp):
            old = type(node.op)
            yield node, f"{old.__name__} -> {_FLIPS[old].__name__}"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not removed"
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, f"{node.value} -> {node.value + 1}"
        elif isinstance(node, ast.Return) and node.value is not None:
            yield node, "return None"


def _mutate(node: ast.AST, kind: str) -> None:
    if isinstance(node, ast.Compare):
        node.ops[0] = _FLIPS[type(node.ops[0])]()  # type: ignore[assignment]
    elif isinstance(node, ast.BoolOp):
        node.op = _FLIPS[type(node.op)]()  # type: ignore[assignment]
    elif isinstance(node, ast.UnaryOp):
        # "not x" becomes "+bool(x)": the truth value of x itself
        node.op = ast.UAdd()
        node.operand = ast.Call(ast.Name("bool", ast.Load()), [node.operand], [])
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    elif isinstance(node, ast.Return):
        node.value = None
    else:  # pragma: no cover (the operators above are the only kinds)
        raise ValueError(kind)
