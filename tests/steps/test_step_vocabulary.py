"""The step vocabulary page (``docs/steps.md``) is the step definitions' own account of
themselves: it is what ``python -m steps.vocabulary`` writes, every step documents a sentence
and a real example, and every example is matched by its own step's parser and no other's."""

from __future__ import annotations

from steps.catalogue import KINDS, ROOT, SHAPE, StepDefinition, sections, step_definitions
from steps.vocabulary import COMMAND, PAGE, render


def test_the_committed_page_is_what_the_step_definitions_generate() -> None:
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    assert committed == render(), (
        f"{PAGE.relative_to(ROOT)} differs from the step definitions' docstrings: regenerate"
        f" it with `{COMMAND}` from the repository's root, and commit it"
    )


def test_every_step_documents_a_sentence_and_an_example() -> None:
    undocumented = [
        f"  {step.location} {step.name}: {', '.join(missing)}"
        for step in step_definitions()
        if (missing := _missing(step))
    ]
    assert not undocumented, (
        "each step function's docstring gives its sentence shape (a paragraph starting with"
        ' Given, When or Then) and a real sentence (a paragraph starting with "Example: "):\n'
        + "\n".join(undocumented)
    )


def test_every_example_is_matched_by_its_own_step_and_no_other() -> None:
    """Matched as pytest-bdd matches a step (``parsers.re`` in full), its values converted."""
    definitions = step_definitions()
    problems = []
    for step in definitions:
        for example in step.examples:
            if not step.matches(example):
                problems.append(f"  {step.location} {step.name}: not matched: {example}")
            for matcher in (m for m in step.matchers if m.matches(example)):
                try:
                    matcher.arguments(example)
                except ValueError as error:
                    problems.append(f"  {step.location} {step.name}: {error}: {example}")
            also = [
                other.name for other in definitions if other is not step and other.matches(example)
            ]
            if also:
                problems.append(f"  {step.location} {step.name}: also matched by {also}: {example}")
    assert not problems, "examples and parsers disagree:\n" + "\n".join(problems)


def test_every_sentence_a_step_registers_has_an_example() -> None:
    """A step with two decorators (``Given``/``Then``, or two wordings) shows an example of
    each."""
    problems = [
        f"  {step.location} {step.name}: no example for the {matcher.kind} parser"
        f" {matcher.parser.name!r}"
        for step in step_definitions()
        for matcher in step.matchers
        if not any(matcher.matches(example) for example in step.examples)
    ]
    assert not problems, "\n".join(problems)


def test_the_shapes_keywords_are_the_step_types() -> None:
    """``Given/Then the wallet ...`` for a step registered with ``@given`` and ``@then``."""
    problems = []
    for step in step_definitions():
        said = {keyword.lower() for shape in step.shapes for keyword in _keywords(shape)}
        registered = {
            kind
            for matcher in step.matchers
            for kind in ([matcher.kind] if matcher.kind else KINDS)
        }
        if said != registered:
            problems.append(f"  {step.location} {step.name}: says {said}, registered {registered}")
    assert not problems, "\n".join(problems)


def test_every_step_module_has_a_heading_and_an_introduction() -> None:
    bare = [
        section.path
        for section in sections()
        if section.heading == section.module or not section.intro
    ]
    assert not bare, (
        "a step module's docstring gives its section of the page: a heading line, a blank"
        f" line, an introduction: {bare}"
    )


def _missing(step: StepDefinition) -> list[str]:
    return [
        what for what, found in (("sentence", step.shapes), ("example", step.examples)) if not found
    ]


def _keywords(shape: str) -> list[str]:
    """``Given/Then the wallet ...`` -> ``["Given", "Then"]``."""
    match = SHAPE.match(shape)
    return match.group().strip().split("/") if match else []
