import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skrom.metrics import marginal_pdf  # noqa: E402
from skrom.plotting import (  # noqa: E402
    plot_acf,
    plot_fan_chart,
    plot_forecast_skill,
    plot_pdf,
    plot_space_time,
)


def test_pdf_curves_integrate_to_one_and_share_grid():
    rng = np.random.default_rng(1)
    ax = plot_pdf(
        {"a": rng.normal(size=(2, 500, 1)), "b": rng.normal(1, 1, size=(2, 500, 1))}
    )
    (l1, l2) = ax.lines
    np.testing.assert_array_equal(l1.get_xdata(), l2.get_xdata())
    x, y = l1.get_xdata(), l1.get_ydata()
    assert abs(np.sum(y) * (x[1] - x[0]) - 1) < 0.02


def test_pdf_matches_metric_on_its_grid():
    X = np.random.default_rng(2).normal(size=3000)
    ax = plot_pdf(X, method="hist", bins=40)
    g, p = marginal_pdf(X, method="hist", grid=ax.lines[0].get_xdata())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), p)


def test_acf_starts_at_one_and_draws_on_given_axes():
    fig, ax = plt.subplots()
    x = np.random.default_rng(0).normal(size=(2, 400, 1))
    out = plot_acf({"x": x}, 10, dt=0.5, ax=ax)
    assert out is ax
    assert ax.lines[0].get_ydata()[0] == pytest.approx(1.0)
    assert ax.lines[0].get_xdata()[-1] == pytest.approx(5.0)


def test_fan_chart_bands_and_errors():
    paths = np.random.default_rng(0).normal(size=(100, 20, 2))
    ax = plot_fan_chart(paths, truth=paths[:10], feature=1, quantiles=(0.05, 0.25, 0.4))
    assert len(ax.collections) == 3
    with pytest.raises(ValueError, match="paths must be"):
        plot_fan_chart(np.zeros(5))


def test_forecast_and_space_time_checks():
    with pytest.raises(ValueError, match="shape"):
        plot_forecast_skill([0, 1], {"m": [1, 2, 3]})
    with pytest.raises(ValueError, match="n_grid"):
        plot_space_time(np.zeros(5))
    ax = plot_space_time(np.zeros((4, 6)), x=np.linspace(0, 1, 6), colorbar=False)
    assert ax.get_ylabel() == "time"


def test_no_show_called(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("show() called"))
    plot_pdf(np.random.default_rng(0).normal(size=200))
