"""Every gallery example runs, at its quick settings, as part of the test suite.

So the examples never rot (PySINDy's lesson). ``SKROM_DOC_QUICK=1`` is the
setting the documentation build uses in CI too.
"""

import pathlib
import runpy

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# the comparison example runs in tests/test_compare_example.py, which also
# checks its table; running it twice would only cost time
EXAMPLES = sorted(
    p
    for p in (pathlib.Path(__file__).resolve().parents[1] / "examples").glob(
        "plot_*.py"
    )
    if p.name != "plot_compare_bistable.py"
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, monkeypatch, tmp_path):
    monkeypatch.setenv("SKROM_DOC_QUICK", "1")
    monkeypatch.chdir(tmp_path)  # whatever an example writes stays out of the tree
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")


def test_there_are_examples():
    assert len(EXAMPLES) >= 1
