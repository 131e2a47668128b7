"""The step definitions of ``steps/``, as pytest-bdd registered them, with what their
docstrings say about them.

Every module in ``steps/`` is imported (only ``test_scenarios``, which collects the scenarios,
is not), then pytest-bdd's own registry gives each step function with the parser and the step
type of each of its decorators. A step function's docstring is read as paragraphs (blank lines
between them; a paragraph's lines are joined, so it may wrap):

- a paragraph that starts with ``Given``, ``When`` or ``Then`` (or ``Given/Then``...) is a
  sentence shape, written with the placeholders of ``steps.sentences.PLACEHOLDERS``;
- a paragraph that starts with ``Example:`` is a real sentence it matches, keyword included;
- any other paragraph is a note for the tester.

A module's docstring gives its section of the vocabulary page: its first line the heading, the
rest the introduction.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pytest_bdd.parsers import StepParser
from pytest_bdd.steps import step_function_context_registry

STEPS_DIR = Path(__file__).resolve().parent
ROOT = STEPS_DIR.parent
COLLECTOR = "test_scenarios"  # collects the scenarios; defines no step
SHAPE = re.compile(r"(?:Given|When|Then)(?:/(?:Given|When|Then))* ")
EXAMPLE = "Example: "
KINDS = ("given", "when", "then")  # the step types; a generic ``@step`` is any of them


@dataclass(frozen=True)
class Matcher:
    """One decorator of a step function: the step type and the parser it registered."""

    kind: str | None  # given | when | then; None: a generic ``@step``, any of them
    parser: StepParser
    converters: dict[str, Callable[[str], object]]

    def matches(self, sentence: str) -> bool:
        """Whether ``sentence`` (with its keyword, ``Then the ...``) is this step's."""
        keyword, _, text = sentence.partition(" ")
        kinds = (self.kind,) if self.kind else KINDS
        return keyword.lower() in kinds and self.parser.is_matching(text)

    def arguments(self, sentence: str) -> dict[str, object]:
        """The values the step function gets from ``sentence``, converted as pytest-bdd does
        (a converter that refuses its text raises)."""
        parsed = self.parser.parse_arguments(sentence.partition(" ")[2]) or {}
        return {
            name: self.converters.get(name, lambda text: text)(value)
            for name, value in parsed.items()
        }


@dataclass(frozen=True)
class StepDefinition:
    module: str  # steps.topup_steps
    function: Callable[..., object]
    matchers: tuple[Matcher, ...]  # in the order of the decorators, top first
    shapes: tuple[str, ...]
    examples: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def location(self) -> str:
        """``steps/topup_steps.py:21``, where the function is defined."""
        path = Path(inspect.getsourcefile(self.function) or "?").resolve()
        line = inspect.getsourcelines(self.function)[1]
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        return f"{shown.as_posix()}:{line}"

    def matches(self, sentence: str) -> bool:
        return any(matcher.matches(sentence) for matcher in self.matchers)


@dataclass(frozen=True)
class Section:
    """The step definitions of one module, with its docstring's heading and introduction."""

    module: str
    heading: str
    intro: str
    steps: tuple[StepDefinition, ...]

    @property
    def path(self) -> str:
        return self.module.replace(".", "/") + ".py"


def step_modules() -> list[ModuleType]:
    """Every module in ``steps/`` but the collector, imported (so its steps are registered)."""
    names = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in STEPS_DIR.rglob("*.py")
        if path.stem not in ("__init__", COLLECTOR)
    )
    return [importlib.import_module(name) for name in names]


def step_definitions() -> list[StepDefinition]:
    """Every step function in ``steps/``, by module, in the order they are defined."""
    modules = {module.__name__ for module in step_modules()}
    matchers: dict[Callable[..., object], list[Matcher]] = {}
    for context in list(step_function_context_registry.values()):
        if context.step_func.__module__ in modules:
            matchers.setdefault(context.step_func, []).append(
                Matcher(context.type, context.parser, context.converters)
            )
    definitions = [_definition(function, found) for function, found in matchers.items()]
    return sorted(definitions, key=lambda d: (d.module, inspect.getsourcelines(d.function)[1]))


def sections() -> list[Section]:
    """The step definitions grouped by module, modules in name order."""
    by_module: dict[str, list[StepDefinition]] = {}
    for definition in step_definitions():
        by_module.setdefault(definition.module, []).append(definition)
    found = []
    for module, steps in by_module.items():
        heading, _, intro = (importlib.import_module(module).__doc__ or module).partition("\n")
        found.append(Section(module, heading.strip(), inspect.cleandoc(intro), tuple(steps)))
    return found


def _definition(function: Callable[..., object], matchers: list[Matcher]) -> StepDefinition:
    shapes, examples, notes = [], [], []
    for paragraph in _paragraphs(inspect.getdoc(function) or ""):
        if paragraph.startswith(EXAMPLE):
            examples.append(paragraph.removeprefix(EXAMPLE))
        elif SHAPE.match(paragraph):
            shapes.append(paragraph)
        else:
            notes.append(paragraph)
    # decorators apply bottom first; list them as written, top first
    return StepDefinition(
        function.__module__,
        function,
        tuple(reversed(matchers)),
        tuple(shapes),
        tuple(examples),
        tuple(notes),
    )


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its lines joined by one space."""
    return [
        " ".join(line.strip() for line in block.splitlines())
        for block in re.split(r"\n\s*\n", text.strip())
        if block.strip()
    ]
