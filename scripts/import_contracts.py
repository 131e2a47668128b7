"""A contract type for import-linter: no import circle between any two modules.

import-linter's own ``acyclic_siblings`` finds circles between siblings at every depth, but not
one between a package and a module inside it (``harness/diagnosis/__init__.py`` importing
``render``, which imports ``harness.diagnosis`` back). This finds every circle, whatever the
modules' places, and prints each once as the chain of imports that closes it.

Registered in ``pyproject.toml`` (``[tool.importlinter] contract_types``); ``lint-imports``
runs it from the project checkout, which puts this folder's parent on ``sys.path``.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class NoCyclesContract(Contract):
    """``modules``: the packages whose modules (and everything inside them) must form no circle."""

    type_name = "no_cycles"

    modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        roots = tuple(str(module) for module in self.modules)  # type: ignore[attr-defined]
        inside = {
            m for m in graph.modules if m in roots or m.startswith(tuple(r + "." for r in roots))
        }
        cycles: dict[frozenset[str], list[str]] = {}
        for module in sorted(inside):
            for imported in sorted(graph.find_modules_directly_imported_by(module) & inside):
                back = graph.find_shortest_chain(importer=imported, imported=module)
                if back is not None:
                    chain = [module, *back]
                    cycles.setdefault(frozenset(chain), chain)
        return ContractCheck(kept=not cycles, metadata={"cycles": list(cycles.values())})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for chain in check.metadata["cycles"]:
            output.print_error(" -> ".join(chain), bold=False)
            output.new_line()
