"""Every gallery example runs, at its quick settings, as part of the test suite.

So the examples never rot (PySINDy's lesson). ``SKROM_DOC_QUICK=1`` is the
setting the documentation build uses in CI too. Run as scripts, the examples
write their figures into ``--out`` (default ``./skrom_figures``).
"""

import pathlib
import runpy
import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# the comparison example runs in tests/test_compare_example.py and the main
# example in tests/test_main_example.py, which also check their tables;
# running them twice would only cost time
OWN_TESTS = {"plot_compare_bistable.py", "plot_kgmm_bistable.py"}
EXAMPLES = sorted(
    p
    for p in (pathlib.Path(__file__).resolve().parents[1] / "examples").glob(
        "plot_*.py"
    )
    if p.name not in OWN_TESTS
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, monkeypatch, tmp_path):
    monkeypatch.setenv("SKROM_DOC_QUICK", "1")
    monkeypatch.chdir(tmp_path)  # whatever an example writes stays out of the tree
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    # the examples parse their command line: give them none of pytest's
    monkeypatch.setattr(sys, "argv", [str(path)])
    try:
        runpy.run_path(str(path), run_name="__main__")
        n_figures = len(plt.get_fignums())
    finally:
        plt.close("all")
    written = sorted((tmp_path / "skrom_figures").glob(f"{path.stem}_*.png"))
    assert n_figures >= 1 and len(written) == n_figures, (n_figures, written)


def test_there_are_examples():
    assert len(EXAMPLES) >= 1
