import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skrom.metrics import rank_histogram, transition_reliability  # noqa: E402
from skrom.plotting import plot_rank_histogram, plot_reliability_diagram  # noqa: E402


def test_rank_histogram_bars_are_relative_frequencies_with_a_flat_line():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(200, 3, 1))
    pred = rng.normal(size=(200, 4, 3, 1))
    counts = rank_histogram(truth, pred, random_state=0)
    fig, ax = plt.subplots()
    out = plot_rank_histogram({"a": counts, "b": counts[::-1]}, ax=ax)
    assert out is ax
    assert len(ax.patches) == 2 * 5
    heights = [p.get_height() for p in ax.patches[:5]]
    np.testing.assert_allclose(heights, counts / counts.sum())
    # side by side: the two bars of a rank do not overlap
    first, second = ax.patches[0], ax.patches[5]
    assert first.get_x() + first.get_width() <= second.get_x() + 1e-12
    assert ax.lines[0].get_ydata()[0] == pytest.approx(0.2)


def test_rank_histogram_checks_counts():
    with pytest.raises(ValueError, match="same for every histogram"):
        plot_rank_histogram({"a": [1, 2, 3], "b": [1, 2]})
    with pytest.raises(ValueError, match="non-negative"):
        plot_rank_histogram([1, -2, 3])
    with pytest.raises(ValueError, match="n_members"):
        plot_rank_histogram([[1, 2], [3, 4]])


def test_reliability_diagram_skips_empty_bins_and_annotates_counts():
    truth = np.repeat([-1.0, 1.0], 4)[None, :, None] * np.ones((3, 1, 1))
    members = np.stack([truth, truth, -truth], axis=1)
    table = transition_reliability(truth, members, n_bins=3)
    ax = plot_reliability_diagram(table)
    diagonal, curve = ax.lines
    np.testing.assert_allclose(diagonal.get_xdata(), [0, 1])
    filled = table.counts > 0
    np.testing.assert_allclose(curve.get_xdata(), table.mean_probability[filled])
    np.testing.assert_allclose(curve.get_ydata(), table.observed_frequency[filled])
    assert [t.get_text() for t in ax.texts] == [str(n) for n in table.counts[filled]]
    ax = plot_reliability_diagram({"x": table, "y": table}, show_counts=False)
    assert len(ax.lines) == 3 and not ax.texts


def test_reliability_diagram_refuses_other_objects():
    with pytest.raises(TypeError, match="reliability tables"):
        plot_reliability_diagram(np.zeros(3))
    with pytest.raises(ValueError, match="one length"):
        plot_reliability_diagram(
            {
                "t": {
                    "mean_probability": [0.1],
                    "observed_frequency": [0.1, 0.2],
                    "counts": [1],
                }
            }
        )
