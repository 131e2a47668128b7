"""Steps stay thin: no step function in ``steps/`` has more than five lines of body (the
decorators, the signature, the docstring, blank lines and comments aside). Anything longer is
a harness check, driver or page object the step calls.

The step functions come from pytest-bdd's own registry (``steps.catalogue``), and an AST walk of
every file in ``steps/`` makes sure none escapes it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

from steps.catalogue import ROOT, STEPS_DIR, step_definitions

MAX_BODY_LINES = 5
DECORATORS = {"given", "when", "then", "step"}


def body_lines(function: Callable[..., object]) -> int:
    """The lines of ``function``'s body that hold code: not its decorators, signature or
    docstring, nor blank or comment-only lines."""
    source = textwrap.dedent(inspect.getsource(function))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef), source
    body = node.body
    if ast.get_docstring(node) is not None:
        body = body[1:]
    if not body:
        return 0
    lines = source.splitlines()[body[0].lineno - 1 : body[-1].end_lineno]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def test_no_step_function_is_longer_than_five_lines() -> None:
    long = [
        f"  {step.location} {step.name}: {count} lines"
        for step in step_definitions()
        if (count := body_lines(step.function)) > MAX_BODY_LINES
    ]
    assert not long, (
        f"steps are thin: at most {MAX_BODY_LINES} body lines (decorators, signature, docstring,"
        " blank lines and comments aside); move the rest into a named check in harness/checks/"
        " (or a driver or page object) and call it:\n" + "\n".join(long)
    )


def test_every_decorated_function_in_steps_is_a_registered_step() -> None:
    """The registry misses nothing: every function in ``steps/`` decorated with ``given``,
    ``when``, ``then`` or ``step`` is among the step definitions checked above."""
    registered = {(step.module, step.name) for step in step_definitions()}
    decorated = set()
    for path in STEPS_DIR.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                _decorator_name(decorator) in DECORATORS for decorator in node.decorator_list
            ):
                decorated.add((module, node.name))
    assert decorated, "no step definitions found in steps/"
    assert decorated <= registered, f"not registered with pytest-bdd: {decorated - registered}"


def test_body_lines_counts_code_only() -> None:
    def step_like(value: int) -> int:
        """A docstring

        of two paragraphs."""
        # a comment

        doubled = value * 2
        return (
            doubled  # a trailing comment counts with its code
            + 1
        )

    assert body_lines(step_like) == 5


def _decorator_name(decorator: ast.expr) -> str | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None
