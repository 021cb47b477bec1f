"""CoarseSDE with known inputs: parameters per trajectory and a forcing in time."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skrom.coarse import CoarseSDE
from skrom.coarse._elbo import inputs_at
from skrom.coarse._solver import integrate
from skrom.datasets import make_burgers_1d, simulate_coarse_burgers_1d

pytestmark = pytest.mark.usefixtures("one_torch_thread")

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


@pytest.fixture(scope="module")
def burgers_nu():
    return make_burgers_1d(
        4, 12, n_grid=40, nu=(3e-4, 1e-3), random_state=0, return_bunch=True
    )


@pytest.fixture(scope="module")
def fitted_nu(burgers_nu):
    # a module fixture runs before the per-test one_torch_thread
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return CoarseSDE(**TINY, random_state=0).fit(
            burgers_nu.X, U=burgers_nu.nu[:, None]
        )
    finally:
        torch.set_num_threads(before)


# ------------------------------------------------------------------ fit --
def test_fit_records_inputs_and_standardisation(fitted_nu, burgers_nu):
    assert fitted_nu.n_inputs_in_ == 1
    np.testing.assert_allclose(fitted_nu.input_mean_, [burgers_nu.nu.mean()])
    np.testing.assert_allclose(fitted_nu.input_scale_, [burgers_nu.nu.std()])
    plain = CoarseSDE(**TINY, random_state=0).fit(burgers_nu.X)
    assert plain.n_inputs_in_ == 0 and plain.input_mean_.shape == (0,)


def test_per_trajectory_parameters_equal_columns_constant_in_time(
    fitted_nu, burgers_nu
):
    U3 = np.repeat(burgers_nu.nu[:, None, None], burgers_nu.X.shape[1], axis=1)
    model = CoarseSDE(**TINY, random_state=0).fit(burgers_nu.X, U=U3)
    x0 = burgers_nu.X[0, 0]
    a = model.sample(6, x0=x0, n_paths=2, random_state=1, U=np.full((6, 1), 5e-4))
    b = fitted_nu.sample(6, x0=x0, n_paths=2, random_state=1, U=np.full((6, 1), 5e-4))
    np.testing.assert_array_equal(a, b)
    assert model.score(burgers_nu.X, U=U3) == fitted_nu.score(
        burgers_nu.X, U=burgers_nu.nu[:, None]
    )


def test_the_caller_inputs_are_not_mutated(burgers_nu):
    U = burgers_nu.nu[:, None].copy()
    CoarseSDE(**TINY, random_state=0).fit(burgers_nu.X, U=U)
    np.testing.assert_array_equal(U, burgers_nu.nu[:, None])


# --------------------------------------------------------------- sample --
def test_sample_input_forms_agree(fitted_nu, burgers_nu):
    x0 = burgers_nu.X[1, 0]
    shared = np.full((7, 1), 6e-4)
    a = fitted_nu.sample(7, x0=x0, n_paths=3, random_state=2, U=shared)
    b = fitted_nu.sample(7, x0=x0, n_paths=3, random_state=2, U=lambda t: [6e-4])
    c = fitted_nu.sample(
        7, x0=x0, n_paths=3, random_state=2, U=np.broadcast_to(shared, (3, 7, 1))
    )
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert a.shape == (3, 7, 40) and np.all(np.isfinite(a))


def test_the_input_changes_the_prediction(fitted_nu, burgers_nu):
    x0 = burgers_nu.X[1, 0]
    low = fitted_nu.sample(8, x0=x0, random_state=3, U=lambda t: [3e-4])
    high = fitted_nu.sample(8, x0=x0, random_state=3, U=lambda t: [1e-3])
    # same noise, same start: only the drift's input differs
    np.testing.assert_array_equal(low[:, 0], high[:, 0])
    assert np.abs(low[:, 1:] - high[:, 1:]).max() > 1e-6


def test_integrator_interpolates_the_inputs_to_each_substep():
    seen = []

    def drift(z, u):
        seen.append(u[:, 0].clone())
        return torch.zeros_like(z)

    inputs = torch.tensor([[[0.0], [4.0], [2.0]]])
    rng = np.random.default_rng(0)
    integrate(drift, torch.zeros(1), torch.zeros(1, 1), 3, 4, rng, inputs)
    got = torch.cat(seen).numpy()
    np.testing.assert_allclose(got, [0, 1, 2, 3, 4, 3.5, 3, 2.5])


def test_elbo_inputs_at_quadrature_times_are_linear_interpolation():
    u = torch.tensor([[[0.0, 10.0], [2.0, 10.0], [6.0, 12.0]]])
    tau = torch.tensor([[0.0, 0.5, 1.25, 2.0]])
    got = inputs_at(u, tau)[0].numpy()
    np.testing.assert_allclose(got[:, 0], [0.0, 1.0, 3.0, 6.0])
    np.testing.assert_allclose(got[:, 1], [10.0, 10.0, 10.5, 12.0])


def test_time_varying_forcing_on_a_two_dimensional_bounded_field():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8, 2, 8, 4))
    U = np.sin(np.arange(8) * 0.5)[None, :, None] * np.ones((3, 1, 2))
    model = CoarseSDE(
        **{**TINY, "n_coarse": (2, 2), "stencil": 1, "n_micro": 1},
        n_channels=2,
        periodic=(False, True),
        random_state=0,
    ).fit(X, U=U)
    S = model.sample(5, x0=X[0, 0], U=lambda t: [np.sin(t), np.cos(t)])
    assert S.shape == (1, 5, 2, 8, 4) and np.all(np.isfinite(S))
    assert np.isfinite(model.score(X, U=U))


# ------------------------------------------------------------ bad input --
def test_missing_and_unexpected_inputs_are_refused(fitted_nu, burgers_nu):
    x0 = burgers_nu.X[0, 0]
    with pytest.raises(ValueError, match="fitted with 1 input.*pass U="):
        fitted_nu.sample(5, x0=x0)
    with pytest.raises(ValueError, match="fitted with 1 input.*pass U="):
        fitted_nu.score(burgers_nu.X)
    plain = CoarseSDE(**TINY, random_state=0).fit(burgers_nu.X)
    with pytest.raises(ValueError, match="fitted without inputs"):
        plain.sample(5, x0=x0, U=np.zeros((5, 1)))
    with pytest.raises(ValueError, match="fitted without inputs"):
        plain.score(burgers_nu.X, U=burgers_nu.nu[:, None])


@pytest.mark.parametrize(
    "U, match",
    [
        (np.zeros((5, 2)), "shape"),  # two inputs for one
        (np.zeros((4, 1)), "n_steps=5"),  # wrong length
        (np.zeros((2, 5, 1)), "n_paths=3"),  # wrong number of paths
        (lambda t: [0.0, 1.0], r"U\(0\) must return shape \(1,\)"),
        (np.full((5, 1), np.nan), "NaN"),
    ],
)
def test_sample_inputs_of_wrong_shape_or_value_are_refused(fitted_nu, U, match):
    with pytest.raises(ValueError, match=match):
        fitted_nu.sample(5, n_paths=3, U=U)


@pytest.mark.parametrize(
    "U, match",
    [
        (np.zeros((3, 1)), r"\(4, n_inputs\) for parameters"),  # rows != trajectories
        (np.zeros((4, 11, 1)), r"\(4, 12, n_inputs\)"),  # wrong length
        (np.zeros((4,)), "shape"),  # 1-D
        (np.array([[1.0], [np.nan], [0.0], [0.0]]), "NaN or infinity at"),
    ],
)
def test_fit_inputs_of_wrong_shape_or_value_are_refused(burgers_nu, U, match):
    with pytest.raises(ValueError, match=match):
        CoarseSDE(**TINY).fit(burgers_nu.X, U=U)


def test_score_input_count_must_match_fit(fitted_nu, burgers_nu):
    with pytest.raises(ValueError, match="has 2 input.*fitted with 1"):
        fitted_nu.score(burgers_nu.X, U=np.zeros((4, 2)))


# ------------------------------------------------------ model selection --
def test_inputs_are_split_with_their_trajectories_in_cross_validation(burgers_nu):
    seen = []

    class Recording(CoarseSDE):
        def fit(self, X, y=None, U=None):
            seen.append((len(X), None if U is None else len(U)))
            return super().fit(X, U=U)

    X, U = burgers_nu.X, burgers_nu.nu[:, None]
    with sklearn.config_context(enable_metadata_routing=True):
        est = Recording(**TINY, random_state=0)
        est.set_fit_request(U=True).set_score_request(U=True)
        search = GridSearchCV(est, {"n_micro": [0, 1]}, cv=KFold(2)).fit(X, U=U)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        assert seen[:4] == [(2, 2)] * 4 and seen[-1] == (4, 4)
        scores = cross_val_score(est, X, cv=KFold(2), params={"U": U})
        assert np.all(np.isfinite(scores))
        with pytest.raises(UnsetMetadataPassedError):
            GridSearchCV(CoarseSDE(**TINY), {"n_micro": [1]}, cv=KFold(2)).fit(X, U=U)


# -------------------------------------------------------------- datasets --
def test_burgers_viscosity_range_keeps_the_bumps_and_is_reproducible():
    fixed = make_burgers_1d(4, 6, n_grid=60, random_state=3, return_bunch=True)
    ranged = make_burgers_1d(
        4, 6, n_grid=60, nu=(3e-4, 1e-3), random_state=3, return_bunch=True
    )
    np.testing.assert_array_equal(fixed.ic_params, ranged.ic_params)
    np.testing.assert_array_equal(fixed.nu, np.full(4, 5e-4))
    assert np.all((ranged.nu >= 3e-4) & (ranged.nu <= 1e-3))
    assert len(np.unique(ranged.nu)) == 4
    parallel = make_burgers_1d(
        4, 6, n_grid=60, nu=(3e-4, 1e-3), random_state=3, n_jobs=2, return_bunch=True
    )
    np.testing.assert_array_equal(ranged.X, parallel.X)
    np.testing.assert_array_equal(ranged.nu, parallel.nu)


def test_burgers_viscosity_per_trajectory_matches_single_viscosity_runs():
    # long enough for the viscosity to show: 0.2 time units
    nu = np.array([5e-4, 2e-3])
    both = make_burgers_1d(2, 21, n_grid=60, nu=nu, random_state=1, return_bunch=True)
    fixed = make_burgers_1d(2, 21, n_grid=60, random_state=1, return_bunch=True)
    np.testing.assert_array_equal(both.nu, nu)
    np.testing.assert_array_equal(both.X[0], fixed.X[0])
    assert np.abs(both.X_clean[1] - fixed.X_clean[1]).max() > 1e-4


@pytest.mark.parametrize(
    "nu, match",
    [
        ((1e-3, 3e-4), "low <= high"),
        ((1e-4, 2e-4, 3e-4), "range"),
        (np.array([1e-3, 2e-3, 3e-3]), r"shape \(2,\)"),
        (np.array([1e-3, -1e-3]), ">= 0"),
        (-1e-3, ">= 0"),
    ],
)
def test_burgers_bad_viscosity_is_refused(nu, match):
    with pytest.raises(ValueError, match=match):
        make_burgers_1d(2, 3, n_grid=20, nu=nu)


def test_coarse_baseline_takes_one_viscosity_per_field():
    data = make_burgers_1d(2, 2, n_grid=60, random_state=0)
    x0 = data[:, 0]
    nu = np.array([5e-4, 2e-3])
    both = simulate_coarse_burgers_1d(x0, 11, n_coarse=20, nu=nu)
    for m in range(2):
        alone = simulate_coarse_burgers_1d(x0[m], 11, n_coarse=20, nu=nu[m])
        # the restriction of one field and of two round differently
        np.testing.assert_allclose(both[m], alone[0], rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="not a range"):
        simulate_coarse_burgers_1d(x0, 3, nu=(1e-4, 1e-3))


# ------------------------------------------------------------- accuracy --
@pytest.mark.slow
def test_burgers_unseen_viscosity_within_twice_the_seen_error():
    # issue 17: trained at nu = 3e-4, 5e-4, 1e-3 (8 runs each), five held-out
    # bumps at the seen 5e-4 and at the unseen 4e-4 and 7e-4; the settings of
    # benchmarks/bench_coarse_viscosity.py (seed 0), whose figures they are:
    # seen 3.49%, unseen 4e-4 2.87% (0.82x), unseen 7e-4 2.44% (0.70x); the
    # same model blind to nu 3.36%, 4.65%, 4.88%; coarse FD 26.5%, 20.7%,
    # 19.9%. Training 880 s on one torch thread of a loaded 2-core machine.
    train = make_burgers_1d(
        24, 101, nu=np.repeat([3e-4, 5e-4, 1e-3], 8), random_state=0, return_bunch=True
    )
    test = make_burgers_1d(
        15,
        101,
        nu=np.repeat([5e-4, 4e-4, 7e-4], 5),
        random_state=1000,
        return_bunch=True,
    )
    model = CoarseSDE(n_coarse=20, n_micro=5, dt=0.01, max_epochs=400, random_state=0)
    model.fit(train.X, U=train.nu[:, None])
    per_run = np.empty(15)
    for i in range(15):
        mean = model.sample(
            101,
            x0=test.X[i, 0],
            n_paths=32,
            random_state=i,
            U=np.full((101, 1), test.nu[i]),
        ).mean(axis=0)
        truth = test.X_clean[i]
        per_run[i] = np.mean(
            np.linalg.norm(mean - truth, axis=-1) / np.linalg.norm(truth, axis=-1)
        )
    errors = {nu: per_run[test.nu == nu].mean() for nu in (5e-4, 4e-4, 7e-4)}
    print({f"{k:g}": f"{v:.2%}" for k, v in errors.items()})
    assert errors[4e-4] <= 2 * errors[5e-4]
    assert errors[7e-4] <= 2 * errors[5e-4]
    # and the model is accurate, not uniformly poor
    assert errors[5e-4] <= 0.05
