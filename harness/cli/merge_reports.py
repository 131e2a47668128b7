"""``wallet-harness merge-reports``: one report from the reports of a sharded run
(``--shard K/N`` on N CI runners), as Playwright's ``merge-reports``.

The inputs go by extension: ``.xml`` files are JUnit XML, merged into ``--junitxml``; ``.json``
files are pytest-bdd's cucumber JSON, merged into ``--cucumberjson``. JUnit: each input is a
``<testsuites>`` or a single ``<testsuite>``; suites of the same name become one suite, and the
counts (tests, failures, errors, skipped) and times are summed, per suite and over all.
Cucumber: features with the same ``uri`` become one feature with the scenarios of each.

Shards must not overlap: a test (JUnit classname and name; a cucumber feature's uri and a
scenario's id) in two inputs is refused. A missing or unreadable input is refused too, naming
the file. Exit codes: 0 merged, 2 refused.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.files import write_output
from harness.project import shown

COUNTS = ("tests", "failures", "errors", "skipped")


class MergeError(Exception):
    """An input that cannot be merged, or inputs that must not be: the message says which."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "merge-reports",
        help="merge the JUnit XML and cucumber JSON reports of a sharded run into one of each",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="REPORT", help="the shards' reports: .xml (JUnit), .json"
    )
    parser.add_argument("--junitxml", metavar="PATH", help="write the merged JUnit XML here")
    parser.add_argument(
        "--cucumberjson", metavar="PATH", help="write the merged cucumber JSON here"
    )
    parser.set_defaults(handler=run_merge_reports)


def run_merge_reports(args: argparse.Namespace) -> int:
    try:
        for line in merge_reports(
            [Path(each) for each in args.inputs],
            Path(args.junitxml) if args.junitxml else None,
            Path(args.cucumberjson) if args.cucumberjson else None,
        ):
            print(line)
    except MergeError as error:
        print(f"wallet-harness merge-reports: {error}", file=sys.stderr)
        return 2
    return 0


def merge_reports(
    inputs: Sequence[Path], junitxml: Path | None, cucumberjson: Path | None
) -> list[str]:
    """Merge the inputs into the outputs named; returns a line for each output written."""
    junit = [path for path in inputs if path.suffix.lower() == ".xml"]
    cucumber = [path for path in inputs if path.suffix.lower() == ".json"]
    others = [str(path) for path in inputs if path not in junit and path not in cucumber]
    if others:
        raise MergeError(f"not a .xml (JUnit) or .json (cucumber) report: {', '.join(others)}")
    given: dict[Path, Path] = {}
    for path in inputs:
        if path.resolve() in given:
            raise MergeError(f"{path} is given twice (as {given[path.resolve()]} and {path})")
        given[path.resolve()] = path
    if junitxml is None and cucumberjson is None:
        raise MergeError("say where to write the merge: --junitxml PATH, --cucumberjson PATH")
    for inputs_of, output, flag, kind in (
        (junit, junitxml, "--junitxml", "JUnit .xml"),
        (cucumber, cucumberjson, "--cucumberjson", "cucumber .json"),
    ):
        if inputs_of and output is None:
            raise MergeError(f"{len(inputs_of)} {kind} inputs given but no {flag} to merge them")
        if output is not None and not inputs_of:
            raise MergeError(f"{flag} given but no {kind} inputs")
    lines = []
    if junitxml is not None:
        totals = write_junit(merge_junit(junit), junitxml)
        lines.append(
            f"merged {len(junit)} JUnit reports: {totals['tests']} tests,"
            f" {totals['failures']} failures, {totals['errors']} errors,"
            f" {totals['skipped']} skipped -> {shown(junitxml)}"
        )
    if cucumberjson is not None:
        features = merge_cucumber(cucumber)
        _write(cucumberjson, json.dumps(features, indent=2) + "\n")
        scenarios = sum(len(feature["elements"]) for feature in features)
        lines.append(
            f"merged {len(cucumber)} cucumber reports: {len(features)} features,"
            f" {scenarios} scenarios -> {shown(cucumberjson)}"
        )
    return lines


# JUnit XML


@dataclass
class Suite:
    """One merged ``<testsuite>``: the first input's attributes, every input's children."""

    attributes: dict[str, str]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    time: float = 0.0
    properties: list[ElementTree.Element] = field(default_factory=list)
    children: list[ElementTree.Element] = field(default_factory=list)


def _read_xml(path: Path) -> ElementTree.Element:
    try:
        # the inputs are the run's own reports, from its own CI jobs; Python's expat refuses
        # entity expansion attacks (billion laughs) since 3.7.1 / expat 2.4.1
        return ElementTree.parse(path).getroot()  # noqa: S314
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file") from None
    except OSError as error:
        raise MergeError(f"{path}: cannot be read ({error.strerror})") from None
    except ElementTree.ParseError as error:
        raise MergeError(f"{path}: not XML ({error})") from None


def _suites_of(path: Path) -> list[ElementTree.Element]:
    root = _read_xml(path)
    if root.tag == "testsuite":
        return [root]
    if root.tag == "testsuites":
        return list(root.iter("testsuite"))
    raise MergeError(f"{path}: not JUnit XML (its root is <{root.tag}>, not <testsuites>)")


def _number(path: Path, element: ElementTree.Element, name: str, counted: float) -> float:
    """An attribute's number; what the suite's test cases count when it is missing."""
    text = element.get(name)
    if text is None:
        return counted
    return _not_negative(path, f"<{element.tag}> {name}", text, whole=name != "time")


def _not_negative(path: Path, what: str, text: str, *, whole: bool) -> float:
    """``text`` as a count (``whole``) or seconds: a finite number, never below 0 (a "nan" or
    "inf" would make the merged totals say so, and a count of 2.5 tests means nothing)."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number >= 0 and (number.is_integer() or not whole)):
        kind = "a whole number" if whole else "a number of seconds"
        raise MergeError(f"{path}: {what}={text!r} is not {kind} from 0")
    return number


def _counted(path: Path, cases: list[ElementTree.Element]) -> dict[str, float]:
    def having(tag: str) -> int:
        return sum(1 for case in cases if case.find(tag) is not None)

    def seconds(case: ElementTree.Element) -> float:
        where = f"<testcase name={case.get('name', '')!r}> time"
        return _not_negative(path, where, case.get("time") or "0", whole=False)

    return {
        "tests": len(cases),
        "failures": having("failure"),
        "errors": having("error"),
        "skipped": having("skipped"),
        "time": sum(seconds(case) for case in cases),
    }


def merge_junit(paths: Sequence[Path]) -> list[Suite]:
    """The inputs' suites, merged by name; a MergeError on a test found in two inputs."""
    suites: dict[str, Suite] = {}
    seen: dict[tuple[str, str], Path] = {}
    for path in paths:
        for element in _suites_of(path):
            cases = element.findall("testcase")
            for case in cases:
                test = (case.get("classname", ""), case.get("name", ""))
                if seen.setdefault(test, path) != path:
                    raise MergeError(
                        f"{test[0]}::{test[1]} is in both {seen[test]} and {path}:"
                        " the shards overlap (each must collect the same tests and read the"
                        " same durations file)"
                    )
            name = element.get("name", "")
            suite = suites.setdefault(name, Suite(attributes=dict(element.attrib)))
            counted = _counted(path, cases)
            for count in COUNTS:
                suite.counts[count] += int(_number(path, element, count, counted[count]))
            suite.time += _number(path, element, "time", counted["time"])
            for child in element:
                if child.tag == "properties":
                    _add_properties(suite, child)
                else:
                    suite.children.append(child)
    return list(suites.values())


def _add_properties(suite: Suite, properties: ElementTree.Element) -> None:
    known = {(each.get("name"), each.get("value")) for each in suite.properties}
    for each in properties:
        if (each.get("name"), each.get("value")) not in known:
            suite.properties.append(each)


def write_junit(suites: Sequence[Suite], path: Path) -> dict[str, int]:
    """Write the merged suites as one ``<testsuites>``; returns the summed counts."""
    totals = dict.fromkeys(COUNTS, 0)
    root = ElementTree.Element("testsuites", name="pytest tests")
    total_time = 0.0
    for suite in suites:
        element = ElementTree.SubElement(root, "testsuite", suite.attributes)
        for count in COUNTS:
            element.set(count, str(suite.counts[count]))
            totals[count] += suite.counts[count]
        element.set("time", f"{suite.time:.3f}")
        total_time += suite.time
        if suite.properties:
            ElementTree.SubElement(element, "properties").extend(suite.properties)
        element.extend(suite.children)
    for count in COUNTS:
        root.set(count, str(totals[count]))
    root.set("time", f"{total_time:.3f}")
    ElementTree.indent(root)
    _write(path, ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
    return totals


# cucumber JSON


def _read_features(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file") from None
    except OSError as error:
        raise MergeError(f"{path}: cannot be read ({error.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MergeError(f"{path}: not JSON ({error})") from None
    except RecursionError:
        raise MergeError(f"{path}: not cucumber JSON (nested too deeply to read)") from None
    if not isinstance(data, list) or not all(
        isinstance(feature, dict)
        and isinstance(feature.get("elements", []), list)
        and all(isinstance(element, dict) for element in feature.get("elements", []))
        for feature in data
    ):
        raise MergeError(f"{path}: not cucumber JSON (a list of features with elements)")
    return data


def merge_cucumber(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The inputs' features, merged by ``uri``; a MergeError on a scenario in two inputs."""
    features: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], Path] = {}
    for path in paths:
        for feature in _read_features(path):
            uri = str(feature.get("uri", ""))
            elements = list(feature.get("elements", []))
            for element in elements:
                scenario = (uri, str(element.get("id", element.get("name", ""))))
                if seen.setdefault(scenario, path) != path:
                    raise MergeError(
                        f"{scenario[0]}: scenario {scenario[1]} is in both {seen[scenario]} and"
                        f" {path}: the shards overlap"
                    )
            merged = features.setdefault(uri, {**feature, "elements": []})
            merged["elements"].extend(elements)
    return list(features.values())


def _write(path: Path, text: str) -> None:
    why = write_output(path, lambda file: file.write_text(text, encoding="utf-8"), "the merge")
    if why:
        raise MergeError(why)
