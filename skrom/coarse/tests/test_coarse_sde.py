import copy
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

import skrom.coarse._coarse_sde as coarse_module
import skrom.coarse._solver as solver_module
from skrom.coarse import CoarseSDE
from skrom.coarse._posterior import DeepKernelGP
from skrom.datasets import (
    make_burgers_1d,
    make_burgers_2d,
    make_cylinder_wake,
    make_kdv,
    simulate_coarse_burgers_1d,
    simulate_coarse_burgers_2d,
    simulate_coarse_kdv,
)

# the fields-of-any-shape tests fit and sample on one torch thread (a fixed
# reduction order, no oversubscription of a shared machine); the older tests'
# measured figures were taken on the default thread count, so they keep it
ONE_THREAD = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(
    n_coarse=4,
    n_micro=2,
    stencil=3,
    hidden_layers=(8,),
    window=4,
    n_quadrature=4,
    max_epochs=2,
    batches_per_epoch=2,
    batch_size=4,
)


def _checks_instance():
    return CoarseSDE(
        n_coarse=1,
        n_micro=1,
        stencil=1,
        hidden_layers=(4,),
        window=3,
        n_quadrature=2,
        max_epochs=1,
        batches_per_epoch=1,
        batch_size=2,
        random_state=0,
    )


@parametrize_with_checks([_checks_instance()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def burgers_small():
    return make_burgers_1d(4, 20, n_grid=100, random_state=0)


@pytest.fixture(scope="module")
def fitted_small(burgers_small):
    return CoarseSDE(**TINY, random_state=0).fit(burgers_small)


def _rel_err(A, B, field_axes=1):
    """Relative error per field; a 2-D field (field_axes=2) is one vector."""
    A = A.reshape(A.shape[: A.ndim - field_axes] + (-1,))
    B = B.reshape(B.shape[: B.ndim - field_axes] + (-1,))
    return np.linalg.norm(A - B, axis=-1) / np.linalg.norm(B, axis=-1)


def test_shapes_and_first_point(fitted_small, burgers_small):
    m = fitted_small
    assert m.transform(burgers_small).shape == (4, 20, 6)
    assert m.transform(burgers_small[0]).shape == (20, 6)
    S = m.sample(7, x0=burgers_small[1, 0], n_paths=3, random_state=1)
    assert S.shape == (3, 7, 100)
    np.testing.assert_array_equal(
        S[:, 0], np.broadcast_to(burgers_small[1, 0], (3, 100))
    )
    S2 = m.sample(5, x0=burgers_small[:2, 0], n_paths=2, random_state=1)
    np.testing.assert_array_equal(S2[:, 0], burgers_small[:2, 0])
    assert m.sample(3).shape == (1, 3, 100)
    assert m.inverse_transform(m.transform(burgers_small)).shape == burgers_small.shape
    assert np.isfinite(m.score(burgers_small))
    assert len(m.history_) == TINY["max_epochs"]
    assert m.diffusion_.shape == (6,)
    assert all(not p.requires_grad for p in m.sde_.parameters())


def test_closure_only_model(burgers_small):
    m = CoarseSDE(**{**TINY, "n_micro": 0}, random_state=0).fit(burgers_small)
    assert m.transform(burgers_small).shape == (4, 20, 4)
    assert m.sample(4, x0=burgers_small[0, 0], random_state=0).shape == (1, 4, 100)


def test_training_never_calls_the_sde_solver(monkeypatch, burgers_small):
    def forbidden(*args, **kwargs):
        raise AssertionError("the SDE solver was called")

    monkeypatch.setattr(solver_module, "integrate", forbidden)
    m = CoarseSDE(**TINY, random_state=0).fit(burgers_small)
    m.score(burgers_small)
    # the patch is live: prediction does go through the solver
    with pytest.raises(AssertionError, match="solver was called"):
        m.sample(3, x0=burgers_small[0, 0])


def test_epoch_cost_independent_of_trajectory_length(monkeypatch):
    seen = []
    real = coarse_module.window_elbo

    def spy(autoencoder, gp, sde, x, *args, **kwargs):
        seen.append(tuple(x.shape))
        return real(autoencoder, gp, sde, x, *args, **kwargs)

    monkeypatch.setattr(coarse_module, "window_elbo", spy)
    shapes = {}
    for n_steps in (8, 80):
        seen.clear()
        X = make_burgers_1d(2, n_steps, n_grid=100, random_state=0)
        CoarseSDE(**TINY, random_state=0).fit(X)
        shapes[n_steps] = list(seen)
    # same number of ELBO evaluations on same-sized windows, whatever the length
    assert shapes[8] == shapes[80]
    assert len(shapes[8]) == TINY["max_epochs"] * TINY["batches_per_epoch"]
    assert shapes[8][0] == (TINY["batch_size"], TINY["window"], 100)


def test_reproducible(burgers_small):
    a = CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    b = CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    c = CoarseSDE(**TINY, random_state=6).fit(burgers_small)
    assert a.history_ == b.history_
    x0 = burgers_small[0, 0]
    np.testing.assert_array_equal(
        a.sample(6, x0=x0, n_paths=2, random_state=0),
        b.sample(6, x0=x0, n_paths=2, random_state=0),
    )
    assert a.history_ != c.history_
    assert not np.array_equal(
        a.sample(6, x0=x0, random_state=0), a.sample(6, x0=x0, random_state=1)
    )
    # fitting leaves the caller's torch random stream alone
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    assert torch.equal(torch.rand(1), before)


def test_pickle_joblib_clone_round_trip(tmp_path, fitted_small, burgers_small):
    x0 = burgers_small[2, 0]
    ref = fitted_small.sample(6, x0=x0, n_paths=2, random_state=3)
    back = pickle.loads(pickle.dumps(fitted_small))
    np.testing.assert_array_equal(back.sample(6, x0=x0, n_paths=2, random_state=3), ref)
    path = tmp_path / "coarse.joblib"
    joblib.dump(fitted_small, path)
    np.testing.assert_array_equal(
        joblib.load(path).sample(6, x0=x0, n_paths=2, random_state=3), ref
    )
    assert back.score(burgers_small) == fitted_small.score(burgers_small)
    fresh = clone(fitted_small)
    assert not hasattr(fresh, "sde_")
    assert fresh.get_params() == fitted_small.get_params()


def test_node_position_is_learned_and_off_by_default(fitted_small, burgers_small):
    # the default drift is translation invariant: the fitted model must be
    # bit-identical to one fitted with node_position=False spelt out (the
    # pinned outputs rest on it); with coordinates the drift has two more
    # inputs and the predictions move
    X = burgers_small
    spelt = CoarseSDE(**TINY, node_position=False, random_state=0).fit(X)
    same = spelt.sample(5, x0=X[0, 0], n_paths=2, random_state=0)
    ref = fitted_small.sample(5, x0=X[0, 0], n_paths=2, random_state=0)
    np.testing.assert_array_equal(same, ref)
    located = CoarseSDE(**TINY, node_position=True, random_state=0).fit(X)
    first = located.sde_.macro_net[0]
    assert first.in_features == fitted_small.sde_.macro_net[0].in_features + 1
    moved = located.sample(5, x0=X[0, 0], n_paths=2, random_state=0)
    assert np.all(np.isfinite(moved)) and not np.allclose(moved, ref)


def test_observation_noise_widens_the_band_by_the_decoder_noise(
    fitted_small, burgers_small
):
    # the same latent paths, plus one draw of p(x | z)'s noise per value:
    # the difference is that noise (its spread the decoder's, in data units)
    m, x0 = fitted_small, burgers_small[0, 0]
    mean = m.sample(30, x0=x0, n_paths=40, random_state=3)
    noisy = m.sample(30, x0=x0, n_paths=40, random_state=3, observation_noise=True)
    np.testing.assert_array_equal(noisy[:, 0], mean[:, 0])
    with torch.no_grad():
        _, var = m.autoencoder_.decode(torch.zeros(1, m.n_latent_))
    expected = np.sqrt(var.numpy()[0]) * m.field_scale_
    diff = (noisy - mean)[:, 1:]
    np.testing.assert_allclose(diff.std(axis=(0, 1)), expected, rtol=0.15)
    assert abs(diff.mean()) < 0.05 * expected.mean()
    with pytest.raises(TypeError, match="observation_noise"):
        m.sample(3, x0=x0, observation_noise="yes")


def _rotation(omega):
    # dz = A z with A a rotation generator: a mode of frequency omega
    A = torch.tensor([[0.0, -omega], [omega, 0.0]], dtype=torch.float64)
    return lambda z: z @ A.T


@pytest.mark.parametrize(
    "scheme, growth",
    [
        ("euler", lambda wh: np.sqrt(1 + wh**2)),
        ("heun", lambda wh: np.sqrt(1 + wh**4 / 4)),
    ],
)
def test_integrator_amplitude_on_an_oscillation(scheme, growth):
    # the reason Heun exists here: Euler's amplification per step of an
    # undamped oscillation is (1 + w^2 h^2)^(1/2), Heun's (1 + w^4 h^4/4)^(1/2)
    omega, n_sub, n_steps = 0.6, 4, 30
    z0 = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    Z = solver_module.integrate(
        _rotation(omega),
        torch.zeros(2, dtype=torch.float64),
        z0,
        n_steps,
        n_sub,
        np.random.default_rng(0),
        scheme=scheme,
    )
    radius = torch.linalg.norm(Z[0], dim=-1).numpy()
    k = np.arange(n_steps) * n_sub
    np.testing.assert_allclose(radius, growth(omega / n_sub) ** k, rtol=1e-12)


def test_integrators_share_the_noise_and_heun_reads_both_ends_of_a_step():
    # a zero drift leaves pure noise: one seed, the same paths by either
    # scheme; with inputs, Heun's corrector reads them at the sub-step's end
    d, rng_seed = 3, 5
    zero = lambda z, u=None: torch.zeros_like(z)  # noqa: E731
    runs = [
        solver_module.integrate(
            zero,
            torch.full((d,), 0.7),
            torch.zeros(4, d),
            6,
            3,
            np.random.default_rng(rng_seed),
            scheme=scheme,
        )
        for scheme in solver_module.SCHEMES
    ]
    torch.testing.assert_close(runs[0], runs[1], rtol=0, atol=0)
    seen = []

    def drift(z, u):
        seen.append(float(u[0, 0]))
        return torch.zeros_like(z)

    def one_step(scheme):
        inputs = torch.tensor([[[0.0], [4.0]]])
        rng = np.random.default_rng(0)
        one = (torch.zeros(1), torch.zeros(1, 1), 2, 2, rng, inputs)
        return solver_module.integrate(drift, *one, scheme=scheme)

    one_step("heun")
    assert seen == [0.0, 2.0, 2.0, 4.0]
    with pytest.raises(ValueError, match="scheme"):
        one_step("rk4")


@pytest.mark.parametrize("scheme", ["euler", "heun"])
def test_integrator_stationary_variance_of_an_ou_process(scheme):
    # dz = -z dt + s dW at h = 1/2: each scheme's stationary variance has a
    # closed form, z' = a z + b s dW => b^2 s^2 h / (1 - a^2) (Euler: a = 1 -
    # h, b = 1; Heun: a = 1 - h + h^2/2, b = 1 - h/2, the corrector's kick
    # taken through the drift); the exact s^2/2 lies between them
    h, s = 0.5, 0.8
    a, b = (1 - h, 1.0) if scheme == "euler" else (1 - h + h * h / 2, 1 - h / 2)
    expected = b * b * s * s * h / (1 - a * a)
    Z = solver_module.integrate(
        lambda z: -z,
        torch.full((1,), s, dtype=torch.float64),
        torch.zeros(20000, 1, dtype=torch.float64),
        40,
        2,
        np.random.default_rng(1),
        scheme=scheme,
    )
    # 20000 paths decorrelated over 20 time units: sampling error ~1%
    np.testing.assert_allclose(Z[:, -1, 0].var().item(), expected, rtol=0.04)


def test_heun_integrator_is_chosen_after_fit_and_converges_with_euler(
    fitted_small, burgers_small
):
    # training never integrates: switching the scheme needs no refit. With
    # many sub-steps both schemes approach the same SDE solution for the same
    # noise; at few, Heun stays nearer to it than Euler does
    x0 = burgers_small[0, 0]
    m = copy.deepcopy(fitted_small).set_params(integrator="heun")
    ref = m.set_params(n_substeps=256).sample(12, x0=x0, n_paths=3, random_state=0)
    errors = {}
    for scheme in ("euler", "heun"):
        m.set_params(integrator=scheme, n_substeps=2)
        errors[scheme] = np.abs(m.sample(12, x0=x0, n_paths=3, random_state=0) - ref)
    assert errors["heun"].max() < errors["euler"].max()
    with pytest.raises(ValueError, match="integrator"):
        m.set_params(integrator="rk4").sample(3, x0=x0)


def test_model_pickled_before_integrator_and_node_position_still_loads(
    fitted_small, burgers_small
):
    # such a pickle has neither attribute: it loads with the values that
    # reproduce its behaviour (Euler, translation-invariant drift), not with
    # today's default integrator
    state = dict(fitted_small.__getstate__())
    del state["integrator"], state["node_position"]
    old = CoarseSDE.__new__(CoarseSDE)
    old.__setstate__(state)
    assert old.get_params()["integrator"] == "euler"
    assert old.get_params()["node_position"] is False
    x0 = burgers_small[1, 0]
    euler = copy.deepcopy(fitted_small).set_params(integrator="euler")
    np.testing.assert_array_equal(
        old.sample(4, x0=x0, n_paths=2, random_state=1),
        euler.sample(4, x0=x0, n_paths=2, random_state=1),
    )


def test_input_validation(burgers_small):
    X = burgers_small
    with pytest.raises(NotFittedError):
        CoarseSDE().sample(3)
    bad = [
        (dict(n_micro=-1), ValueError, "n_micro"),
        (dict(stencil=4), ValueError, "odd"),
        (dict(stencil=7, n_coarse=4), ValueError, "stencil"),
        (dict(n_coarse=200), ValueError, "n_coarse"),
        (dict(window=50), ValueError, "steps"),
        (dict(learning_rate=-1.0), ValueError, "learning_rate"),
        (dict(node_position="yes"), ValueError, "node_position"),
        (dict(hidden_layers=(8, "a")), TypeError, "hidden_layers"),
        (
            dict(device="cuda:7" if not torch.cuda.is_available() else "nonsense"),
            ValueError,
            "device",
        ),
    ]
    for kwargs, err, msg in bad:
        with pytest.raises(err, match=msg):
            CoarseSDE(**{**TINY, **kwargs}).fit(X)
    Xnan = X.copy()
    Xnan[0, 3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CoarseSDE(**TINY).fit(Xnan)
    with pytest.raises(ValueError, match="reshape"):
        CoarseSDE(**TINY).fit(X[0, 0])
    m = CoarseSDE(**TINY, random_state=0).fit(X)
    with pytest.raises(ValueError, match="x0"):
        m.sample(3, x0=np.ones(7))
    with pytest.raises(ValueError, match="x0"):
        m.sample(3, x0=np.ones((3, 100)), n_paths=2)
    with pytest.raises(ValueError, match="features"):
        m.transform(np.ones((2, 5, 7)))
    with pytest.raises(ValueError, match="n_steps"):
        m.sample(0)
    Xc = X.copy()
    m.fit(Xc)
    np.testing.assert_array_equal(Xc, X)


def test_verbose_progress_bar(capsys, burgers_small):
    CoarseSDE(**TINY, verbose=1, random_state=0).fit(burgers_small)
    assert "CoarseSDE" in capsys.readouterr().err


def test_gp_derivative_matches_finite_difference():
    torch.manual_seed(0)
    gp = DeepKernelGP(8).double()
    for p in gp.warp.parameters():
        torch.nn.init.normal_(p, std=0.5)
    codes = torch.randn(2, 8, 3, dtype=torch.float64)
    alpha, nodes = gp.fit_window(codes)
    tau = torch.tensor([[0.3, 2.5, 6.9], [1.0, 4.2, 7.0]], dtype=torch.float64)
    m, dm = gp.mean_and_derivative(alpha, nodes, tau)
    h = 1e-5
    fd = (gp.mean(alpha, nodes, tau + h) - gp.mean(alpha, nodes, tau - h)) / (2 * h)
    torch.testing.assert_close(dm, fd, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(m, gp.mean(alpha, nodes, tau))


def test_score_rises_with_training():
    X = make_burgers_1d(5, 20, n_grid=100, random_state=2)
    kw = dict(
        TINY,
        n_micro=2,
        batch_size=8,
        batches_per_epoch=4,
        beta_warmup=2,
        random_state=0,
    )
    short = CoarseSDE(**{**kw, "max_epochs": 1}).fit(X[:4])
    longer = CoarseSDE(**{**kw, "max_epochs": 12}).fit(X[:4])
    assert longer.score(X[4:]) > short.score(X[4:]) + 100.0


def _burgers_errors(model, data, n_train, n_paths=16, params=None):
    """Relative error of the ensemble-mean field and 5-95% coverage on held-out data.

    ``params`` (n_held_out, n_inputs): a known parameter per held-out
    trajectory, passed to ``sample`` as ``U`` constant over the horizon.
    """
    truth = data.X_clean[n_train:]
    field_axes = truth.ndim - 2
    errs, inside = [], []
    for i in range(truth.shape[0]):
        kw = {} if params is None else dict(U=np.tile(params[i], (truth.shape[1], 1)))
        S = model.sample(
            truth.shape[1],
            x0=data.X[n_train + i, 0],
            n_paths=n_paths,
            random_state=i,
            **kw,
        )
        errs.append(_rel_err(S.mean(axis=0), truth[i], field_axes).mean())
        lo, hi = np.percentile(S[:, 1:], [5, 95], axis=0)
        inside.append(np.mean((truth[i, 1:] >= lo) & (truth[i, 1:] <= hi)))
    return float(np.mean(errs)), float(np.mean(inside))


def test_learning_beats_the_coarse_solver():
    # a short training run already predicts the held-out fine field markedly
    # better than the finite-difference scheme run on the same 20-node mesh
    # (fields observed on every other point of the 1000-point grid, for speed;
    # measured: 7.6-8.7% against 17.9% over seeds 0-2; on one torch thread
    # 10.8 / 7.9 / 8.4% with the Heun sampler, within 0.1 point of Euler's)
    n_train, n_steps = 8, 101
    data = make_burgers_1d(n_train + 2, n_steps, random_state=1, return_bunch=True)
    X, truth = data.X[..., ::2], data.X_clean[n_train:, :, ::2]
    model = CoarseSDE(
        n_coarse=20,
        n_micro=5,
        dt=0.01,
        max_epochs=20,
        batches_per_epoch=10,
        beta_warmup=5,
        learning_rate=1e-2,
        random_state=0,
    )
    model.fit(X[:n_train])
    errs = [
        _rel_err(
            model.sample(n_steps, x0=X[n_train + i, 0], n_paths=8, random_state=i).mean(
                axis=0
            ),
            truth[i],
        ).mean()
        for i in range(2)
    ]
    coarse = simulate_coarse_burgers_1d(X[n_train:, 0], n_steps)
    fd = _rel_err(coarse, truth).mean()
    assert np.mean(errs) < 0.6 * fd, (errs, fd)


@pytest.mark.slow
def test_burgers_accuracy_against_closure_only_and_coarse_solver():
    # issue 6: <= 2% with 5 micro states, >= 5x better than closure-only and
    # than the coarse finite-difference solver, calibrated ensemble spread.
    # Measured (this test, one torch thread, the Heun sampler): 0.98% vs
    # closure-only 6.57% (6.7x) and coarse FD 17.03% (17x), coverage 81%;
    # 567 s for both fits; training seeds 1 and 2 (n_micro=5): 0.99% and
    # 1.11%. Under Euler it measured 1.16% (two threads)
    n_train = 20
    data = make_burgers_1d(n_train + 5, 101, random_state=0, return_bunch=True)
    errors, coverage = {}, {}
    for n_micro in (5, 0):
        model = CoarseSDE(
            n_coarse=20, n_micro=n_micro, dt=0.01, max_epochs=600, random_state=0
        ).fit(data.X[:n_train])
        errors[n_micro], coverage[n_micro] = _burgers_errors(model, data, n_train, 32)
    truth = data.X_clean[n_train:]
    fd = _rel_err(simulate_coarse_burgers_1d(data.X[n_train:, 0], 101), truth).mean()
    print(
        f"rel. errors: n_micro=5 {errors[5]:.2%}, closure-only {errors[0]:.2%}, "
        f"coarse FD {fd:.2%}; coverage {coverage[5]:.0%}"
    )
    assert errors[5] <= 0.02
    assert errors[0] >= 5 * errors[5]
    assert fd >= 5 * errors[5]
    assert coverage[5] >= 0.5


def _diffusing_bumps(n_traj, n_steps, shape=(16, 12), seed=0):
    """Two channels on a bounded box: bumps spreading towards fixed wall values."""
    rng = np.random.default_rng(seed)
    y, x = np.meshgrid(np.linspace(0, 1, shape[0]), np.linspace(0, 1, shape[1]))
    y, x = y.T, x.T
    X = np.empty((n_traj, n_steps, 2, *shape))
    for i in range(n_traj):
        cy, cx = rng.uniform(0.3, 0.7, 2)
        for k in range(n_steps):
            w = 0.01 + 0.002 * k
            bump = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / w)
            X[i, k, 0] = bump
            X[i, k, 1] = 0.5 * bump * (x - cx) + 0.2
    return X


@pytest.fixture(scope="module")
def bumps():
    return _diffusing_bumps(3, 8)


GRID_TINY = dict(TINY, n_channels=2, n_coarse=(4, 3), periodic=(False, True))


@ONE_THREAD
def test_fields_on_a_2d_grid_with_channels(bumps):
    m = CoarseSDE(**GRID_TINY, random_state=0).fit(bumps)
    assert m.grid_shape_ == (16, 12) and m.n_channels_ == 2
    assert m.field_shape_ == (2, 16, 12) and m.n_coarse_ == (4, 3)
    assert m.periodic_ == (False, True) and m.field_mean_.shape == (2,)
    assert m.n_latent_ == 2 * 12 + 2 and m.n_features_in_ == 384
    S = m.sample(5, x0=bumps[0, 0], n_paths=3, random_state=0)
    assert S.shape == (3, 5, 2, 16, 12)
    np.testing.assert_array_equal(S[:, 0], np.broadcast_to(bumps[0, 0], S[:, 0].shape))
    assert m.sample(3).shape == (1, 3, 2, 16, 12)
    Z = m.transform(bumps)
    assert Z.shape == (3, 8, 26) and m.transform(bumps[0]).shape == (8, 26)
    assert m.inverse_transform(Z).shape == bumps.shape
    # the macro states are the filtered channels at the nodes, in data units
    macro = Z[..., :24].reshape(3, 8, 2, 4, 3)
    assert abs(macro[:, :, 1].mean() - bumps[:, :, 1].mean()) < 0.1
    # the flat form, channels first, gives the same numbers
    flat = bumps.reshape(3, 8, -1)
    assert m.score(flat) == m.score(bumps)
    np.testing.assert_array_equal(m.transform(flat), Z)
    g = CoarseSDE(**GRID_TINY, grid_shape=(16, 12), random_state=0).fit(flat)
    assert g.field_shape_ == (384,) and g.history_ == m.history_
    np.testing.assert_array_equal(
        g.sample(4, x0=flat[1, 0], n_paths=2, random_state=1),
        m.sample(4, x0=bumps[1, 0], n_paths=2, random_state=1).reshape(2, 4, -1),
    )
    back = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(
        back.sample(4, random_state=2), m.sample(4, random_state=2)
    )


@ONE_THREAD
def test_single_channel_2d_and_bounded_1d(bumps):
    one = bumps[:, :, 0]
    m = CoarseSDE(**{**TINY, "n_coarse": (4, 3)}, periodic=False, random_state=0)
    assert m.fit(one).sample(3, x0=one[0, 0]).shape == (1, 3, 16, 12)
    closure = CoarseSDE(**{**TINY, "n_micro": 0, "n_coarse": (4, 4)}, random_state=0)
    assert closure.fit(one).transform(one).shape == (3, 8, 16)
    line = bumps[:, :, :, 8]
    b = CoarseSDE(**TINY, n_channels=2, periodic=False, random_state=0).fit(line)
    assert b.sample(3, x0=line[0, 0], n_paths=2).shape == (2, 3, 2, 12)


@ONE_THREAD
def test_bad_field_input_is_refused(bumps):
    with pytest.raises(ValueError, match="not divide"):
        CoarseSDE(**{**GRID_TINY, "n_coarse": (5, 3)}).fit(bumps)
    with pytest.raises(ValueError, match="stencil=3 exceeds"):
        CoarseSDE(**{**GRID_TINY, "n_coarse": (4, 2)}).fit(bumps)
    with pytest.raises(ValueError, match="2 channels on its axis 2.*n_channels=3"):
        CoarseSDE(**{**GRID_TINY, "n_channels": 3}).fit(bumps)
    nan = bumps.copy()
    nan[1, 4, 1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CoarseSDE(**GRID_TINY).fit(nan)
    m = CoarseSDE(**GRID_TINY, random_state=0).fit(bumps)
    three = np.concatenate([bumps, bumps[:, :, :1]], axis=2)
    for call in (
        lambda: m.score(three),
        lambda: m.transform(three),
        lambda: m.sample(3, x0=three[0, 0]),
        lambda: m.sample(3, x0=bumps[0, 0, :1]),
    ):
        with pytest.raises(ValueError, match="channels"):
            call()
    with pytest.raises(ValueError, match="snapshots of shape"):
        m.score(bumps[..., :8])
    with pytest.raises(ValueError, match="NaN"):
        m.score(nan)


@ONE_THREAD
def test_2d_burgers_score_rises_with_training():
    # the 2-D path learns: bounded 32 x 32 Burgers on an 8 x 8 mesh
    # (measured: held-out ELBO/step -5857 after 1 epoch, +3198 after 10)
    X = make_burgers_2d(4, 12, n_grid=32, random_state=0)
    kw = dict(
        TINY,
        n_coarse=(8, 8),
        periodic=False,
        batch_size=8,
        batches_per_epoch=4,
        beta_warmup=2,
        learning_rate=1e-2,
        random_state=0,
    )
    short = CoarseSDE(**{**kw, "max_epochs": 1}).fit(X[:3])
    longer = CoarseSDE(**{**kw, "max_epochs": 10}).fit(X[:3])
    assert longer.score(X[3:]) > short.score(X[3:]) + 1000.0


@pytest.mark.slow
@ONE_THREAD
def test_kdv_accuracy_against_closure_only_and_coarse_solver():
    # issue 16: the authors' KdV case (delta = 0.022, 1000 -> 20 nodes),
    # theirs 31.7% closure-only -> 5.8% with 5 micro states. Measured with
    # these settings (bench_coarse.py --case kdv --models 5 0 --epochs 300
    # --beta-warmup 30 --lr 1e-2 --paths 32 --threads 1, the Heun sampler at
    # 4 substeps): 3.24% vs 32.78% (10.1x), coarse FD 53.98%, coverage 62%
    # (predictive 87%), encode-decode floor 1.37%; the authors' root mean
    # square over time: 3.45%; training 192 s + 88 s on the 2-core CPU;
    # training seeds 1 and 2 (n_micro=5): 3.73% and 3.12%.
    # The same models under Euler at 4 substeps: 5.23% (RMS 5.92%) vs 32.85%
    # (and 7.33% at 150 epochs)
    n_train = 20
    data = make_kdv(n_train + 5, 101, random_state=0, return_bunch=True)
    errors, coverage = {}, {}
    for n_micro in (5, 0):
        model = CoarseSDE(
            n_coarse=20,
            n_micro=n_micro,
            dt=0.01,
            max_epochs=300,
            learning_rate=1e-2,
            beta_warmup=30,
            random_state=0,
        ).fit(data.X[:n_train])
        errors[n_micro], coverage[n_micro] = _burgers_errors(model, data, n_train, 32)
    truth = data.X_clean[n_train:]
    fd = _rel_err(simulate_coarse_kdv(data.X[n_train:, 0], 101), truth).mean()
    print(
        f"KdV rel. errors: n_micro=5 {errors[5]:.2%}, closure-only {errors[0]:.2%}, "
        f"coarse FD {fd:.2%}; coverage {coverage[5]:.0%}"
    )
    assert errors[5] <= 0.058
    assert errors[0] >= 3 * errors[5]


@pytest.mark.slow
@ONE_THREAD
def test_burgers_2d_accuracy_against_closure_only():
    # issue 16: the authors' 2-D Burgers case (128 x 128 -> 8 x 8, walls
    # held), theirs 12.7% closure-only -> 1.3% with 5 micro states. Measured
    # with these settings (bench_coarse.py --case burgers2d --models 5 0
    # --epochs 800 --beta-warmup 30 --lr 1e-2 --batch-size 8 --paths 16
    # --threads 1, the Heun sampler at 4 substeps): 1.29% vs 14.89% (11.5x),
    # coarse FD 38.71%, coverage 47% (predictive draws 92%); training 2641 s
    # + 803 s on the shared 2-core CPU. Close to the bar: the converged SDE
    # solution of this model is at 1.24-1.29% (Heun at 4 and 16 substeps,
    # Euler at 64, 16 and 64 paths, two sets of sampling seeds); Euler at 4
    # substeps gives 1.53% (it adds energy to the advected bump) and at 16
    # 1.18-1.21%, an error of the scheme in the model's favour. The
    # training budget matters too (Euler, 4 substeps: 5.08% / 2.56% / 1.72%
    # / 1.53% at 30 / 100 / 300 / 800 epochs)
    n_train = 20
    data = make_burgers_2d(n_train + 5, 101, random_state=0, return_bunch=True)
    errors, coverage = {}, {}
    for n_micro in (5, 0):
        model = CoarseSDE(
            n_coarse=(8, 8),
            periodic=False,
            n_micro=n_micro,
            dt=0.01,
            max_epochs=800,
            batch_size=8,
            learning_rate=1e-2,
            beta_warmup=30,
            random_state=0,
        ).fit(data.X[:n_train])
        errors[n_micro], coverage[n_micro] = _burgers_errors(model, data, n_train, 16)
    truth = data.X_clean[n_train:]
    fd = _rel_err(
        simulate_coarse_burgers_2d(data.X[n_train:, 0], 101, dt=0.01), truth, 2
    ).mean()
    print(
        f"2-D Burgers rel. errors: n_micro=5 {errors[5]:.2%}, closure-only "
        f"{errors[0]:.2%}, coarse FD {fd:.2%}; coverage {coverage[5]:.0%}"
    )
    assert errors[5] <= 0.013
    assert errors[0] >= 5 * errors[5]


@pytest.mark.slow
def test_cylinder_wake_accuracy_against_closure_only():
    # issue 16: the authors' cylinder case (velocity on 320 x 80 -> 32 x 8,
    # bounded axes, the mean flow kept in the field and in the error), theirs
    # 12.4% closure-only -> 4.9% with 5 micro states, in their setting: one
    # Reynolds number, tested on stretches of the flow not trained on (here
    # runs starting at random phases over ten shedding periods), 100
    # snapshots 0.01 apart. Measured with these settings
    # (bench_coarse.py --case cylinder_re100 --models 5 0 --epochs 300
    # --node-position --threads 1, the Heun sampler at 4 substeps):
    # n_micro=5 1.55% (floor 0.30%, coverage 88%, predictive 93%; train
    # 1996 s), closure-only 12.11% (train 353 s), 7.8x. The sampler matters
    # more than anything else here: the same models under Euler-Maruyama
    # give 20.55% / 19.95% at 4 substeps and 5.23% / 12.91% at 16; with other
    # sampling seeds, 1.67% / 12.26% at 64, converging on Heun's 1.48 / 1.50
    # / 1.43% at 4 / 8 / 16 substeps (12.21 / 12.16% closure-only at 4 / 8).
    # Without node_position (translation-invariant drift): 8.55% and 15.93%.
    # The figure is one training's: training seeds 1 and 2 (same data) give
    # 9.34% and 4.92% (the median of the three 4.92%), and seed 0 at 600
    # epochs 11.33% (a higher ELBO, a worse forecast). Held-out Reynolds
    # numbers in (90, 110), Re given as an input (bench --case cylinder
    # --inputs): 36.7% under Heun, 39.6% under Euler at 4 substeps (the
    # paths grow out of the training range).
    # The flow data take ~13 CPU-minutes.
    n_train = 15
    data = make_cylinder_wake(
        n_train + 5,
        101,
        dt=0.01,
        reynolds=(100.0, 100.0),
        t_start=(6.0, 9.3),
        random_state=0,
        return_bunch=True,
    )
    errors, coverage = {}, {}
    for n_micro in (5, 0):
        model = CoarseSDE(
            n_channels=2,
            n_coarse=(8, 32),
            periodic=False,
            n_micro=n_micro,
            dt=0.01,
            window=8,
            max_epochs=300,
            batches_per_epoch=10,
            batch_size=8,
            learning_rate=1e-2,
            beta_warmup=10,
            node_position=True,
            random_state=0,
        ).fit(data.X[:n_train])
        errors[n_micro], coverage[n_micro] = _burgers_errors(model, data, n_train, 32)
    print(
        f"cylinder rel. errors: n_micro=5 {errors[5]:.2%}, closure-only "
        f"{errors[0]:.2%}; coverage {coverage[5]:.0%}"
    )
    assert errors[5] <= 0.049
    assert errors[0] >= 2 * errors[5]


def test_runaway_prediction_is_refused(fitted_small, burgers_small, monkeypatch):
    # a learned drift can run away to huge but finite fields (seen: KdV with
    # one micro state, 1e17): sample raises instead of returning them
    from skrom.exceptions import SimulationBlowUpError

    real = solver_module.integrate

    def runaway(*args, **kwargs):
        Z = real(*args, **kwargs)
        growth = torch.arange(Z.shape[1], dtype=Z.dtype)[None, :, None]
        return Z * 10.0 ** (growth * 4)

    monkeypatch.setattr(solver_module, "integrate", runaway)
    with pytest.raises(SimulationBlowUpError, match="CoarseSDE.sample.*step"):
        fitted_small.sample(6, x0=burgers_small[0, 0], n_paths=2, random_state=0)
