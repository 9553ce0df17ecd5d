"""Mutation testing of one module: does a test notice when a decision is changed?

Plants one classic fault at a time in ``module`` (a comparison flipped or moved
across its boundary, an arithmetic operator swapped, a number constant moved by
one or a float doubled or halved, a statement deleted), runs the given tests,
and reports each fault as killed (a test failed) or survived (none did). A
survivor is a decision no test pins, or an equivalent mutant that changes
nothing observable; each needs a reason.

The module is rewritten in place (mutmut's copy-the-tree mode breaks the
Azurite launcher here) and restored after every mutant, also on interrupt. The
mutated file is the module unparsed from its syntax tree, so comments are gone
while a mutant runs. Slow: the tests run once per mutant, so sample with
``--sample`` and keep the tests to the module's own files.

    python tools/mutate.py shared/modeleval.py tests/test_modeleval.py --sample 20
"""

from __future__ import annotations

import argparse
import ast
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
}
_DELETABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise)


@dataclass(frozen=True, slots=True)
class Mutant:
    index: int  # the n-th site in a walk of the tree: how to plant it again
    line: int
    description: str


class _Planter(ast.NodeTransformer):
    """Walks the tree numbering every mutation site; changes the ``target``-th one."""

    def __init__(self, target: int = -1) -> None:
        self.target = target
        self.sites: list[Mutant] = []
        self._functions = 0  # how deep in function bodies: only their statements are deleted

    def _site(self, node: ast.AST, description: str) -> bool:
        index = len(self.sites)
        self.sites.append(Mutant(index, getattr(node, "lineno", 0), description))
        return index == self.target

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        """Deleting a class field or a module constant only breaks the import: noise."""
        self._functions += 1
        try:
            return self.generic_visit(node)
        finally:
            self._functions -= 1

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for position, op in enumerate(node.ops):
            for table, kind in ((_NEGATED, "negated"), (_BOUNDARY, "boundary")):
                replacement = table.get(type(op))
                if replacement and self._site(
                    node, f"{kind} {type(op).__name__} -> {replacement.__name__}"
                ):
                    node.ops[position] = replacement()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        replacement = _ARITHMETIC.get(type(node.op))
        if replacement and self._site(node, f"{type(node.op).__name__} -> {replacement.__name__}"):
            node.op = replacement()
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return node
        changes = (value + 1, value - 1) if isinstance(value, int) else (value * 2, value / 2)
        for changed in changes:
            if self._site(node, f"constant {value!r} -> {changed!r}"):
                return ast.copy_location(ast.Constant(changed), node)
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if not self._functions:
            return node
        for name in ("body", "orelse", "finalbody"):
            statements = getattr(node, name, None)
            if not isinstance(statements, list):
                continue
            for position, statement in enumerate(statements):
                if not isinstance(statement, _DELETABLE) or _is_docstring(statement):
                    continue
                kind = type(statement).__name__
                if self._site(statement, f"deleted {kind}"):
                    statements[position] = ast.copy_location(ast.Pass(), statement)
        return node


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def mutants(source: str) -> list[Mutant]:
    planter = _Planter()
    planter.visit(ast.parse(source))
    return planter.sites


def planted(source: str, mutant: Mutant) -> str:
    tree = _Planter(mutant.index).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def _passes(tests: list[str], timeout: float) -> bool:
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs the tests is noticed
    return completed.returncode == 0


def run(module: Path, tests: list[str], chosen: list[Mutant], timeout: float) -> Iterator[bool]:
    original = module.read_text()
    try:
        for mutant in chosen:
            module.write_text(planted(original, mutant))
            yield not _passes(tests, timeout)
    finally:
        module.write_text(original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path)
    parser.add_argument("tests", nargs="+", help="pytest arguments: the tests that should notice")
    parser.add_argument("--sample", type=int, default=0, help="mutants to try (0: every one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test run")
    options = parser.parse_args(argv)
    if not _passes(options.tests, options.timeout):
        print("the tests fail without a mutant: fix them first", file=sys.stderr)
        return 2
    every = mutants(options.module.read_text())
    chosen = every
    if options.sample and options.sample < len(every):
        chosen = sorted(
            random.Random(options.seed).sample(every, options.sample),
            key=lambda mutant: mutant.index,
        )
    killed = 0
    for mutant, was_killed in zip(
        chosen, run(options.module, options.tests, chosen, options.timeout), strict=True
    ):
        killed += was_killed
        verdict = "killed  " if was_killed else "SURVIVED"
        print(f"{verdict} {options.module}:{mutant.line} {mutant.description}", flush=True)
    share = killed / len(chosen) if chosen else 1.0
    print(f"{options.module}: {killed}/{len(chosen)} killed ({share:.0%}) of {len(every)} sites")
    return 0 if killed == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
