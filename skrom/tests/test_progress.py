"""Progress bars (``verbose > 0``) and the ``skrom`` log lines of long stages.

Bars go to stderr in the one style of :func:`skrom._progress.progress_bar`;
stage boundaries of the long fits are INFO records of ``logging.getLogger("skrom")``.
With ``verbose=0`` nothing is printed.
"""

import logging
import pickle

import numpy as np
import pytest

from skrom._ensemble import run_ensemble
from skrom._progress import ProgressMember, member_progress, progress_bar

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST_SCORE = dict(
    prob=0.05, max_passes=3, max_epochs=30, hidden_layers=(16,), lbfgs_iter=50
)


def _ou(n_traj=2, n_steps=3000, dt=0.05, seed=0):
    """Ornstein-Uhlenbeck paths sampled exactly every ``dt``."""
    rng = np.random.default_rng(seed)
    a = np.exp(-dt)
    x = np.empty((n_traj, n_steps, 1))
    x[:, 0] = rng.normal(size=(n_traj, 1))
    noise = rng.normal(scale=np.sqrt(1 - a**2), size=(n_traj, n_steps, 1))
    for t in range(1, n_steps):
        x[:, t] = a * x[:, t - 1] + noise[:, t]
    return x


def _member(rng, index, scale):
    return rng.standard_normal(3) * scale + index


def _langevin(verbose):
    from skrom.score import KGMMScore, LangevinROM

    return LangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE, verbose=verbose),
        dt=0.05,
        diffusion="acf",
        random_state=0,
        verbose=verbose,
    )


def test_progress_bar_is_importable_from_the_torch_engine():
    from skrom._torch import progress_bar as from_package
    from skrom._torch._progress import progress_bar as from_module

    assert from_package is progress_bar and from_module is progress_bar


def test_progress_member_keeps_results_and_counts_members(capsys):
    reference = run_ensemble(_member, 9, random_state=4, args=(2.0,))
    with member_progress(_member, 9, "members", verbose=1) as member:
        serial = run_ensemble(member, 9, random_state=4, args=(2.0,))
        assert member.bar.n == 9
    np.testing.assert_array_equal(serial, reference)
    # sent to worker processes without its bar, completed when they return
    with member_progress(_member, 9, "members", verbose=1) as member:
        spread = run_ensemble(member, 9, random_state=4, n_jobs=2, args=(2.0,))
    np.testing.assert_array_equal(spread, reference)
    assert member.bar.n == 9
    assert "members" in capsys.readouterr().err


def test_progress_member_pickles_without_its_bar():
    bar = progress_bar(3, "x", unit="path")
    copy = pickle.loads(pickle.dumps(ProgressMember(_member, bar)))
    bar.close()
    assert copy.bar is None
    np.testing.assert_array_equal(
        copy(np.random.default_rng(0), 1, 1.0),
        _member(np.random.default_rng(0), 1, 1.0),
    )


def test_member_progress_is_the_plain_function_when_quiet():
    with member_progress(_member, 3, "members", verbose=0) as member:
        assert member is _member


def test_langevin_fit_and_sample_show_bars_and_log_stages(capsys, caplog):
    X = _ou()
    with caplog.at_level(logging.INFO, logger="skrom"):
        model = _langevin(verbose=1).fit(X)
        model.sample(50, n_paths=4, random_state=0)
    err = capsys.readouterr().err
    for stage in (
        "KGMM noise passes",
        "LangevinROM time-scale calibration",
        "LangevinROM paths",
    ):
        assert stage in err, stage
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("skrom")]
    text = "\n".join(messages)
    assert "LangevinROM: fitting the score (KGMMScore) on 2 trajectories" in text
    assert "LangevinROM: calibrating the time scale (diffusion='acf')" in text
    assert "KGMMScore: fitting the score network" in text
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_quiet_langevin_prints_nothing_and_samples_the_same(capsys):
    X = _ou()
    loud = _langevin(verbose=1).fit(X)
    capsys.readouterr()
    quiet = _langevin(verbose=0).fit(X)
    paths = quiet.sample(50, n_paths=4, random_state=0)
    assert capsys.readouterr() == ("", "")
    assert quiet.time_change_ == loud.time_change_
    np.testing.assert_array_equal(loud.sample(50, n_paths=4, random_state=0), paths)


def test_sfml_sample_bar_over_steps(capsys, caplog):
    from skrom.flows import SFMLFlow

    X = _ou(n_steps=400)
    kw = dict(dt=0.05, max_epochs=2, hidden_layers=(8,), random_state=0)
    with caplog.at_level(logging.INFO, logger="skrom"):
        model = SFMLFlow(**kw, verbose=1).fit(X)
    assert any("SFMLFlow: training the" in r.getMessage() for r in caplog.records)
    capsys.readouterr()
    loud = model.sample(30, n_paths=3, random_state=1)
    assert "SFMLFlow sample" in capsys.readouterr().err
    model.set_params(verbose=0)
    quiet = model.sample(30, n_paths=3, random_state=1)
    assert capsys.readouterr() == ("", "")
    np.testing.assert_array_equal(loud, quiet)


def test_hybrid_logs_its_stages_and_shows_calibration_and_forecast_bars(capsys, caplog):
    from skrom.forcing import DelayNODEForcing
    from skrom.hybrid import HybridLangevinROM
    from skrom.score import KGMMScore

    X = _ou(n_traj=1, n_steps=2000)
    model = HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(
            n_delays=2, hidden_layers=(8,), window=3, n_windows=16, max_epochs=1
        ),
        dt=0.05,
        diffusion="acf",
        random_state=0,
        verbose=1,
    )
    with caplog.at_level(logging.INFO, logger="skrom"):
        model.fit(X)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for line in (
        "HybridLangevinROM: fitting the Langevin model",
        "HybridLangevinROM: fitting the forcing on the residual",
        "DelayNODEForcing: training the neural ODE",
        "HybridLangevinROM: calibrating the time scale",
    ):
        assert line in text, line
    err = capsys.readouterr().err
    assert "HybridLangevinROM time-scale calibration" in err
    model.forecast(X[:, :200], lead_time=0.5, n_paths=2, random_state=0)
    assert "HybridLangevinROM forecasts" in capsys.readouterr().err
