"""Mutation testing of one module: does a test notice when a decision is changed?

Plants one classic fault at a time in ``module`` (a comparison flipped or moved
across its boundary, an arithmetic operator swapped, a number constant moved by
one or a float doubled or halved, a statement deleted), runs the given tests,
and reports each fault as killed (a test failed) or survived (none did). A
survivor is a decision no test pins, or an equivalent mutant that changes
nothing observable; each needs a reason.

Without a module it runs every verdict module against the tests that cover it
(:data:`VERDICT_MODULES`) and prints one row per module. A mutant listed in
``tools/equivalent_mutants.toml`` (module, fault, and the source line, so the
entry survives lines moving) changes nothing observable; it is not run, it is
listed with its reason, and the score is the share of the other mutants killed.
The sample is drawn with a fixed seed, so runs before and after a change to the
tests try the same mutants; ``--known-killed`` reads an earlier run's output and
counts its killed mutants without running them again (added tests cannot revive
a mutant).

The module is rewritten in place (mutmut's copy-the-tree mode breaks the
Azurite launcher here) and restored after every mutant, also on interrupt. The
mutated file is the module unparsed from its syntax tree, so comments are gone
while a mutant runs. Slow: the tests run once per mutant, so sample with
``--sample`` and keep the tests to the module's own files.

    python tools/mutate.py --sample 40 shared/modeleval.py tests/test_modeleval.py
    python tools/mutate.py --sample 40      # every verdict module
"""

from __future__ import annotations

import argparse
import ast
import random
import shlex
import subprocess
import sys
import tomllib
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
# Each verdict module and the test files that cover it: the tests to run per mutant.
VERDICT_MODULES: dict[str, tuple[str, ...]] = {
    "shared/policy.py": (
        "tests/test_policy.py",
        "tests/test_stats.py",
        "tests/test_modeleval.py",
        "tests/test_local_analyzer.py::test_sexual_content_involving_minors_scores_the_maximum",
    ),
    "shared/stats.py": ("tests/test_stats.py",),
    "shared/gate.py": (
        "tests/test_gate.py",
        "tests/test_reevaluation.py::test_the_gate_answers_a_stale_verdict_as_pending",
    ),
    "shared/screening.py": (
        "tests/test_screening.py",
        "tests/test_fields.py",
        "tests/test_contentsafety.py",
        "tests/test_images.py",
        "tests/test_telemetry.py::test_a_screened_upload_is_one_trace_with_read_analyze_decide",
    ),
    "shared/trainingdata.py": ("tests/test_trainingdata.py", "tests/test_fields.py"),
    "shared/modeleval.py": ("tests/test_modeleval.py",),
    "shared/simulation/driver.py": ("tests/test_modeleval.py",),
}
# Quick tests run first for the slow files: most mutants fail one of them, and only a
# mutant they all pass costs a run of the whole file.
_QUICK_MODELEVAL = (
    "tests/test_modeleval.py -k 'probes_cover or design_meets or no_objectives or "
    "emulated_harm or no_follow_up or nothing_to_draw or exactly_the_defect or tenth or "
    "worst_first or carries_the_models or two_seeds or six_user_turns or tokens_are_the_sum "
    "or four_places or harm_elsewhere or unreachable_model'"
)
FIRST: dict[str, str] = {
    "shared/modeleval.py": _QUICK_MODELEVAL,
    "shared/simulation/driver.py": _QUICK_MODELEVAL,
}
EQUIVALENTS = Path(__file__).with_name("equivalent_mutants.toml")

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
        if isinstance(value, int):
            changes = (value + 1, value - 1)
        else:  # doubling or halving 0.0 would leave it as it is: a mutant that cannot fail
            changes = (value * 2, value / 2) if value else (1.0, -1.0)
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


def _failure(tests: list[str], timeout: float) -> str:
    """The first test that failed ("" when all passed): which test noticed."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "(timed out)"  # a mutant that hangs the tests is noticed
    if completed.returncode == 0:
        return ""
    for line in completed.stdout.decode(errors="replace").splitlines():
        if line.startswith(("FAILED ", "ERROR ")) and "::" in line:
            return line.split()[1]
    return f"(pytest exit {completed.returncode})"


def _passes(tests: list[str], timeout: float) -> bool:
    return not _failure(tests, timeout)


def noticed(
    module: Path, tests: list[str], chosen: list[Mutant], timeout: float, first: list[str] = ()
) -> Iterator[str]:
    """For each mutant, the test that failed on it ("" if none did). ``first`` (pytest
    arguments: the quick tests most likely to notice) runs before ``tests``, which
    run only when ``first`` all pass: a cheap first look, the same answer."""
    original = module.read_text()
    try:
        for mutant in chosen:
            module.write_text(planted(original, mutant))
            yield (first and _failure(list(first), timeout)) or _failure(tests, timeout)
    finally:
        module.write_text(original)


def run(module: Path, tests: list[str], chosen: list[Mutant], timeout: float) -> Iterator[bool]:
    """For each mutant, whether a test noticed it."""
    return (bool(failure) for failure in noticed(module, tests, chosen, timeout))


def equivalents(path: Path = EQUIVALENTS) -> dict[tuple[str, str, str], str]:
    """(module, fault, source line stripped) -> why the mutant changes nothing observable."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("equivalent", [])
    return {(e["module"], e["mutant"], e["line"].strip()): e["reason"] for e in entries}


def known_killed(log: Path | None) -> set[str]:
    """The mutants an earlier run's output reports killed, as ``module:line fault``."""
    if log is None:
        return set()
    prefix = "killed "
    return {
        line.removeprefix(prefix).split(" by ")[0].removesuffix("(earlier run)").strip()
        for line in log.read_text().splitlines()
        if line.startswith(prefix)
    }


@dataclass(slots=True)
class Score:
    """One module's figures."""

    module: str
    sites: int
    sampled: int = 0
    killed: int = 0
    equivalent: int = 0
    survived: int = 0

    @property
    def share(self) -> float:
        """Killed over the non-equivalent mutants sampled."""
        counted = self.sampled - self.equivalent
        return self.killed / counted if counted else 1.0


def chosen_mutants(every: list[Mutant], sample: int, seed: int) -> list[Mutant]:
    """``sample`` of ``every`` (all when 0), the same ones for the same seed and source."""
    if not sample or sample >= len(every):
        return every
    return sorted(random.Random(seed).sample(every, sample), key=lambda mutant: mutant.index)


def mutate_module(
    module: Path,
    tests: list[str],
    options: argparse.Namespace,
    equivalent: dict[tuple[str, str, str], str],
    killed: set[str],
) -> Score:
    """Runs the sampled mutants of ``module``, printing one line each."""
    name = module.as_posix()
    source = module.read_text()
    lines = source.splitlines()
    every = mutants(source)
    score = Score(name, len(every))
    to_run: list[Mutant] = []
    for mutant in chosen_mutants(every, options.sample, options.seed):
        score.sampled += 1
        where = f"{name}:{mutant.line} {mutant.description}"
        reason = equivalent.get((name, mutant.description, lines[mutant.line - 1].strip()))
        if reason is not None:
            score.equivalent += 1
            print(f"equiv    {where}: {reason}", flush=True)
        elif where in killed:
            score.killed += 1
            print(f"killed   {where} (earlier run)", flush=True)
        else:
            to_run.append(mutant)
    first = options.first if options.first is not None else FIRST.get(name, "")
    failures = noticed(module, tests, to_run, options.timeout, shlex.split(first))
    for mutant, failure in zip(to_run, failures, strict=True):
        score.killed += bool(failure)
        score.survived += not failure
        where = f"{name}:{mutant.line} {mutant.description}"
        print(f"killed   {where} by {failure}" if failure else f"SURVIVED {where}", flush=True)
    print(
        f"{name}: {score.killed}/{score.sampled - score.equivalent} killed ({score.share:.0%}), "
        f"{score.equivalent} equivalent, of {score.sampled} sampled from {score.sites} sites",
        flush=True,
    )
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path, nargs="?", help="default: every verdict module")
    parser.add_argument("tests", nargs="*", help="pytest arguments (default: the module's tests)")
    parser.add_argument("--sample", type=int, default=0, help="mutants per module (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test run")
    parser.add_argument("--known-killed", type=Path, help="an earlier run's output")
    parser.add_argument(
        "--first", help="pytest arguments run first (default: the module's quick tests, FIRST)"
    )
    options = parser.parse_args(argv)
    if options.module is None:
        plan = [(Path(module), list(tests)) for module, tests in VERDICT_MODULES.items()]
    else:
        default = VERDICT_MODULES.get(options.module.as_posix(), ())
        plan = [(options.module, options.tests or list(default))]
    for module, tests in plan:
        if not tests:
            parser.error(f"{module}: name the tests that should notice its mutants")
        if not _passes(tests, options.timeout):
            print(f"{module}: the tests fail without a mutant: fix them first", file=sys.stderr)
            return 2
    equivalent, killed = equivalents(), known_killed(options.known_killed)
    scores = [mutate_module(module, tests, options, equivalent, killed) for module, tests in plan]
    print(
        f"\n{'module':32} {'sites':>5} {'sampled':>7} {'killed':>6} {'equiv':>5} "
        f"{'survived':>8} {'score':>5}"
    )
    for s in scores:
        print(
            f"{s.module:32} {s.sites:5} {s.sampled:7} {s.killed:6} {s.equivalent:5} "
            f"{s.survived:8} {s.share:5.0%}"
        )
    return 0 if all(s.survived == 0 for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
