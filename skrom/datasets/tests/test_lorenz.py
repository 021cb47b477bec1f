"""Tests of the L63-driven slow-fast simulators and the L63 Lyapunov exponent."""

import numpy as np
import pytest

from skrom._validation import SimulationBlowUpError
from skrom.datasets import (
    lorenz63_max_lyapunov,
    make_bistable_additive,
    make_bistable_multiplicative,
    make_tristable,
)
from skrom.datasets._lorenz import SlowFastCoefficients, _integrate_slow_fast

MAKERS = [make_bistable_additive, make_bistable_multiplicative, make_tristable]


def _transitions(x, centers, radius):
    """Well-to-well transitions of ``x``: changes of the last well entered.

    A well counts as entered only within ``radius`` of its center, so jitter
    around a barrier is not counted.
    """
    dist = np.abs(x[:, None] - np.asarray(centers)[None, :])
    deep = dist.min(axis=1) < radius
    labels = dist.argmin(axis=1)[deep]
    hops = labels[1:] != labels[:-1]
    pairs = zip(labels[:-1][hops].tolist(), labels[1:][hops].tolist(), strict=True)
    return int(hops.sum()), set(pairs)


# --- the driver ------------------------------------------------------------


def test_lorenz63_lyapunov_matches_literature():
    # 0.9056 (Sprott 2003); the averaging error over 2000 time units is ~0.01
    for seed in (0, 1):
        lam = lorenz63_max_lyapunov(duration=2000.0, random_state=seed)
        assert abs(lam - 0.906) < 0.05, lam


def test_lorenz63_lyapunov_is_reproducible_and_parameter_sensitive():
    a = lorenz63_max_lyapunov(duration=200.0, random_state=3)
    assert a == lorenz63_max_lyapunov(duration=200.0, random_state=3)
    # below the Hopf bifurcation (rho < 24.74) the fixed points attract: lambda < 0
    stable = lorenz63_max_lyapunov(
        rho=20.0, duration=200.0, y0=[8.0, 8.0, 19.0], random_state=0
    )
    assert stable < -0.05


def test_lorenz63_lyapunov_rejects_bad_arguments():
    with pytest.raises(ValueError, match="dt"):
        lorenz63_max_lyapunov(dt=-0.01)
    with pytest.raises(ValueError, match="duration"):
        lorenz63_max_lyapunov(duration=0.0)
    with pytest.raises(TypeError, match="renormalize_every"):
        lorenz63_max_lyapunov(renormalize_every=2.5)
    with pytest.raises(ValueError, match="y0"):
        lorenz63_max_lyapunov(y0=[1.0, 2.0])
    with pytest.raises(SimulationBlowUpError):
        lorenz63_max_lyapunov(dt=0.5, duration=10.0, random_state=0)
    with pytest.raises(TypeError):
        lorenz63_max_lyapunov(0.01)  # keyword-only


# --- the three systems -----------------------------------------------------


def test_bistable_additive_symmetric_with_transitions():
    X = make_bistable_additive(n_trajectories=4, n_steps=25_000, dt=0.1, random_state=0)
    x = X[:, 1000:, 0]  # drop the transient from the random start
    frac_right = (x > 0).mean()
    assert 0.4 <= frac_right <= 0.6, frac_right
    # the density is symmetric: histogram of x against that of -x
    bins = np.linspace(-1.6, 1.6, 17)
    p, _ = np.histogram(x, bins=bins)
    q, _ = np.histogram(-x, bins=bins)
    total_variation = 0.5 * np.abs(p / p.sum() - q / q.sum()).sum()
    assert total_variation < 0.1, total_variation
    # mass concentrated around the wells at +-1, little at the barrier
    assert np.mean(np.abs(np.abs(x) - 1.0) < 0.4) > 0.6
    n_hops = sum(_transitions(row, [-1.0, 1.0], 0.5)[0] for row in x)
    # about one hop per 20 time units: ~450 expected in 4 x 2400 time units
    assert n_hops > 200, n_hops


def test_bistable_multiplicative_transitions_and_asymmetry():
    X = make_bistable_multiplicative(
        n_trajectories=4, n_steps=25_000, dt=0.1, random_state=0
    )
    x = X[:, 1000:, 0]
    n_hops = sum(_transitions(row, [-1.0, 1.0], 0.5)[0] for row in x)
    assert n_hops > 200, n_hops
    # stronger forcing at x > 0 empties the right well: more time on the left
    frac_left = (x < 0).mean()
    assert 0.55 < frac_left < 0.85, frac_left


def test_multiplicative_with_zero_alpha_is_additive():
    kw = dict(n_trajectories=2, n_steps=300, random_state=7)
    np.testing.assert_array_equal(
        make_bistable_multiplicative(alpha=0.0, **kw), make_bistable_additive(**kw)
    )


def test_tristable_visits_all_wells_with_transitions():
    bunch = make_tristable(
        n_trajectories=2, n_steps=25_000, dt=0.2, random_state=0, return_bunch=True
    )
    x = bunch.X[:, :, 0]
    wells = [-1.69, 0.0, 1.69]
    visits = [np.mean(np.abs(x - c) < 0.4) for c in wells]
    assert min(visits) > 0.1, visits
    n_hops, pairs = 0, set()
    for row in x:
        n, p = _transitions(row, wells, 0.4)
        n_hops += n
        pairs |= p
    assert n_hops > 50, n_hops
    # the outer wells are reached from the middle one and left towards it
    assert {(1, 0), (0, 1), (1, 2), (2, 1)} <= pairs, pairs
    # the phase features are the exact clock of the forcing
    omega = 2 * np.pi * 0.002
    for k, fn in ((1, np.sin), (2, np.cos)):
        expected = np.broadcast_to(fn(omega * bunch.time), x.shape)
        np.testing.assert_allclose(bunch.X[:, :, k], expected, atol=1e-12)
    np.testing.assert_array_equal(bunch.X[:, :, 0], bunch.full_state[:, :, 0])


def test_tristable_t0_shifts_phase():
    X = make_tristable(n_steps=5, dt=0.5, t0=125.0, random_state=0)
    t = 125.0 + 0.5 * np.arange(5)
    np.testing.assert_allclose(X[0, :, 1], np.sin(2 * np.pi * 0.002 * t))


# --- numerics --------------------------------------------------------------


def test_rk4_is_fourth_order():
    # one observation interval of 0.2 from a state on the attractor, against a
    # run with a 32 times smaller step
    y0 = make_bistable_additive(
        n_steps=1, random_state=0, return_bunch=True
    ).full_state[0, 0, 1:]
    kw = dict(n_steps=2, dt=0.2, x0=0.3, y0=y0, random_state=0, return_bunch=True)
    ref = make_bistable_additive(integration_dt=0.2 / 6400, **kw).full_state[0, -1]
    err = [
        np.max(
            np.abs(
                make_bistable_additive(integration_dt=0.2 / n, **kw).full_state[0, -1]
                - ref
            )
        )
        for n in (200, 400)
    ]
    order = np.log2(err[0] / err[1])
    assert 3.7 < order < 4.3, (err, order)


def test_numba_kernel_matches_python_loop():
    state0 = np.array([0.2, 1.0, -2.0, 22.0])
    coefs = SlowFastCoefficients(
        coupling=0.16,
        alpha=0.3,
        amplitude=0.1,
        omega=0.0126,
        sigma=10.0,
        rho=28.0,
        beta=8.0 / 3.0,
        inv_eps2=4.0,
        bound=1e4,
    )
    outs = []
    for fn in (_integrate_slow_fast, _integrate_slow_fast.py_func):
        for kind in (0, 1, 2):
            out = np.empty((6, 4))
            status = fn(kind, state0, 3.0, 1e-3, 20, 6, coefs, out)
            assert status == -1
            outs.append(out)
    for a, b in zip(outs[:3], outs[3:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_blow_up_names_step_and_member():
    # eps = 0.02 makes L63 2500 times faster: RK4 with step 1e-3 is unstable
    with pytest.raises(SimulationBlowUpError, match=r"step \d+ .*member 0"):
        make_bistable_additive(n_steps=50, eps=0.02, random_state=0)
    assert issubclass(SimulationBlowUpError, ValueError)


# --- shapes, bunch, reproducibility ----------------------------------------


@pytest.mark.parametrize(
    "maker, n_features",
    [
        (make_bistable_additive, 1),
        (make_bistable_multiplicative, 1),
        (make_tristable, 3),
    ],
)
def test_shapes_and_bunch(maker, n_features):
    X = maker(n_trajectories=3, n_steps=40, dt=0.05, random_state=1)
    assert X.shape == (3, 40, n_features)
    assert X.dtype == np.float64 and np.all(np.isfinite(X))
    bunch = maker(
        n_trajectories=3, n_steps=40, dt=0.05, random_state=1, return_bunch=True
    )
    np.testing.assert_array_equal(bunch.X, X)
    assert bunch.full_state.shape == (3, 40, 4)
    assert bunch.slow_indices == [0]
    np.testing.assert_array_equal(bunch.full_state[:, :, 0], X[:, :, 0])
    np.testing.assert_allclose(
        bunch.time, bunch.params.get("t0", 0.0) + 0.05 * np.arange(40)
    )
    assert bunch.params["stride"] == 50
    assert bunch.params["eps"] == 0.5 and bunch.params["s"] == 0.08
    assert len(bunch.feature_names) == n_features
    # the driver starts on the attractor, not at the random draw
    y = bunch.full_state[:, :, 1:]
    assert np.all(np.abs(y[:, :, :2]) < 30)
    assert np.all((y[:, :, 2] > 0) & (y[:, :, 2] < 55))


@pytest.mark.parametrize("maker", MAKERS)
def test_reproducible_with_random_state(maker):
    a = maker(n_trajectories=2, n_steps=200, random_state=11)
    b = maker(n_trajectories=2, n_steps=200, random_state=11)
    c = maker(n_trajectories=2, n_steps=200, random_state=12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[:, :, 0], c[:, :, 0])
    assert not np.array_equal(a[0, :, 0], a[1, :, 0])  # members differ
    # a Generator or SeedSequence works as well
    d = maker(n_trajectories=1, n_steps=50, random_state=np.random.SeedSequence(11))
    np.testing.assert_array_equal(d[0], a[0, :50])


def test_initial_conditions_respected():
    X = make_bistable_additive(
        n_trajectories=3, n_steps=10, x0=[-1.0, 0.0, 1.0], random_state=0
    )
    np.testing.assert_array_equal(X[:, 0, 0], [-1.0, 0.0, 1.0])
    X = make_bistable_additive(n_trajectories=2, n_steps=10, x0=0.7, random_state=0)
    np.testing.assert_array_equal(X[:, 0, 0], [0.7, 0.7])
    bunch = make_tristable(
        n_trajectories=2,
        n_steps=10,
        y0=[1.0, 2.0, 20.0],
        x0=0.0,
        random_state=0,
        return_bunch=True,
    )
    np.testing.assert_array_equal(bunch.full_state[:, 0], [[0.0, 1.0, 2.0, 20.0]] * 2)
    # same initial state, different seeds: the system is deterministic
    other = make_tristable(
        n_trajectories=2,
        n_steps=10,
        y0=[1.0, 2.0, 20.0],
        x0=0.0,
        random_state=5,
        return_bunch=True,
    )
    np.testing.assert_array_equal(bunch.full_state, other.full_state)
    one = make_bistable_additive(n_steps=1, x0=0.25, random_state=0)
    assert one.shape == (1, 1, 1) and one[0, 0, 0] == 0.25


def test_input_arrays_not_mutated():
    x0 = np.array([0.1, -0.1])
    y0 = np.array([[1.0, 1.0, 20.0], [2.0, 2.0, 21.0]])
    x0c, y0c = x0.copy(), y0.copy()
    make_bistable_additive(n_trajectories=2, n_steps=20, x0=x0, y0=y0, random_state=0)
    np.testing.assert_array_equal(x0, x0c)
    np.testing.assert_array_equal(y0, y0c)


# --- bad arguments ---------------------------------------------------------


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(n_trajectories=0), ValueError, "n_trajectories"),
        (dict(n_trajectories=2.0), TypeError, "n_trajectories"),
        (dict(n_trajectories=True), TypeError, "n_trajectories"),
        (dict(n_steps=0), ValueError, "n_steps"),
        (dict(n_steps="10"), TypeError, "n_steps"),
        (dict(dt=0.0), ValueError, "dt"),
        (dict(dt=-0.01), ValueError, "dt"),
        (dict(dt=np.nan), ValueError, "dt"),
        (dict(dt=0.0015), ValueError, "integer"),
        (dict(dt=0.0005), ValueError, "integer"),
        (dict(eps=0.0), ValueError, "eps"),
        (dict(s=-0.1), ValueError, "s must"),
        (dict(integration_dt=-1e-3), ValueError, "integration_dt"),
        (dict(spin_up=-1.0), ValueError, "spin_up"),
        (dict(x0=[0.1, 0.2, 0.3]), ValueError, "x0"),
        (dict(x0=np.nan), ValueError, "x0"),
        (dict(y0=[1.0, 2.0]), ValueError, "y0"),
        (dict(y0=[1.0, np.inf, 2.0]), ValueError, "y0"),
        (dict(random_state=-1), ValueError, "random_state"),
        (dict(random_state="seed"), TypeError, "random_state"),
        (dict(n_jobs=1.5), TypeError, "n_jobs"),
        (dict(unknown_option=1), TypeError, "unknown_option"),
    ],
)
def test_bad_arguments_rejected(maker, kwargs, error, match):
    base = dict(n_trajectories=2, n_steps=5)
    base.update(kwargs)
    with pytest.raises(error, match=match):
        maker(**base)


def test_system_specific_bad_arguments():
    with pytest.raises(ValueError, match="alpha"):
        make_bistable_multiplicative(n_steps=5, alpha=1.0)
    with pytest.raises(ValueError, match="alpha"):
        make_bistable_multiplicative(n_steps=5, alpha=-0.2)
    with pytest.raises(ValueError, match="amplitude"):
        make_tristable(n_steps=5, amplitude=-0.1)
    with pytest.raises(ValueError, match="t0"):
        make_tristable(n_steps=5, t0=np.inf)
    with pytest.raises(TypeError, match="t0"):
        make_tristable(n_steps=5, t0="0")
    with pytest.raises(TypeError):
        make_bistable_additive(1, 10, 0.01, 0.08)  # s is keyword-only


def test_constant_forcing_zero_is_bit_identical_and_shifts_the_well():
    kw = dict(n_trajectories=1, n_steps=300, x0=1.0, random_state=4)
    for make in (make_bistable_additive, make_bistable_multiplicative):
        base = make(**kw)
        np.testing.assert_array_equal(base, make(**kw, constant_forcing=0.0))
        # in the well x' ~ -2 (x - 1) + c: the path moves up by about c / 2
        shifted = make(**kw, constant_forcing=0.02)
        assert 0.005 < (shifted - base)[0, 100:].mean() < 0.015
    b = make_bistable_additive(**kw, constant_forcing=0.5, return_bunch=True)
    assert b.params["constant_forcing"] == 0.5
    with pytest.raises(ValueError, match="constant_forcing"):
        make_bistable_additive(**kw, constant_forcing=np.inf)
