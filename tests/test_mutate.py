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
