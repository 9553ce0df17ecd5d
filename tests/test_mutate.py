"""The mutation tool itself: it plants each fault, a test that pins it kills it, and
the module comes back unchanged."""

from __future__ import annotations

from tools import mutate

MODULE = '''"""A threshold."""

LIMIT = 4


def over(severity):
    """Whether a severity is a defect."""
    total = severity + 0
    return total >= LIMIT
'''


def test_every_classic_fault_is_a_site():
    descriptions = [m.description for m in mutate.mutants(MODULE)]
    assert descriptions == [
        "constant 4 -> 5",
        "constant 4 -> 3",
        "constant 0 -> 1",
        "constant 0 -> -1",
        "Add -> Sub",
        "negated GtE -> Lt",
        "boundary GtE -> Gt",
        "deleted Assign",
        "deleted Return",
    ]
    boundary = mutate.mutants(MODULE)[6]
    assert "return total > LIMIT" in mutate.planted(MODULE, boundary)


def test_a_pinning_test_kills_the_boundary_mutant_and_the_module_is_restored(tmp_path):
    module = tmp_path / "threshold.py"
    module.write_text(MODULE)
    pinning = tmp_path / "test_threshold.py"
    pinning.write_text(
        f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n"
        "from threshold import over\n\n\n"
        "def test_four_is_a_defect_and_three_is_not():\n"
        "    assert over(4) and not over(3)\n"
    )
    sites = mutate.mutants(MODULE)
    chosen = [sites[6], sites[2]]  # the boundary moved; 0 -> 1 in the sum
    killed = list(mutate.run(module, [str(pinning)], chosen, 60.0))
    assert killed == [True, True]
    assert module.read_text() == MODULE


def test_equivalent_mutants_are_listed_not_run_and_earlier_kills_are_reused(tmp_path, capsys):
    """Of the nine sites, one is declared equivalent (by its source line, not its
    number) and one was killed in an earlier run: neither runs, and the tests
    given fail on every other mutant, so none survives."""
    module = tmp_path / "threshold.py"
    module.write_text(MODULE)
    equivalents = tmp_path / "equivalent.toml"
    equivalents.write_text(
        "[[equivalent]]\n"
        f'module = "{module.as_posix()}"\n'
        'mutant = "deleted Assign"\n'
        'line = "    total = severity + 0  "\n'
        'reason = "adding 0 changes nothing"\n'
    )
    earlier = tmp_path / "earlier.txt"
    earlier.write_text(f"killed   {module.as_posix()}:9 deleted Return\n")
    failing = tmp_path / "test_fails_on_a_mutant.py"
    failing.write_text(
        f"import pathlib\n\n\ndef test_unchanged():\n"
        f"    assert pathlib.Path({str(module)!r}).read_text() == {MODULE!r}\n"
    )
    options = mutate.argparse.Namespace(sample=0, seed=1, timeout=60.0, first=None)
    score = mutate.mutate_module(
        module,
        [str(failing)],
        options,
        mutate.equivalents(equivalents),
        mutate.known_killed(earlier),
    )
    assert (score.sites, score.sampled, score.equivalent, score.killed) == (9, 9, 1, 8)
    assert (score.survived, score.share) == (0, 1.0)
    out = capsys.readouterr().out
    assert f"equiv    {module.as_posix()}:8 deleted Assign: adding 0 changes nothing" in out
    assert f"killed   {module.as_posix()}:9 deleted Return (earlier run)" in out
    assert module.read_text() == MODULE


def test_the_same_seed_samples_the_same_mutants():
    every = mutate.mutants(MODULE)
    assert mutate.chosen_mutants(every, 4, seed=1) == mutate.chosen_mutants(every, 4, seed=1)
    assert mutate.chosen_mutants(every, 0, seed=1) == every
