"""The numba MLP evaluator agrees with torch in float64."""

import numpy as np
import pytest
import torch

from skrom._mlp_kernels import (
    _swish_inplace,
    mlp_forward,
    mlp_forward_batch,
    mlp_forward_jacobian,
    mlp_forward_pair,
    mlp_work_size,
    pack_mlp,
)
from skrom._torch import make_mlp


def _module(n_in, hidden, n_out, activation, seed=0):
    torch.manual_seed(seed)
    net = make_mlp(n_in, hidden, n_out, activation=activation)
    # larger weights than the default init so every activation's nonlinear
    # range (and ReLU's kink) is exercised
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(2.0)
    return net


@pytest.mark.parametrize(
    "activation", ["swish", "tanh", "relu", "elu", "softplus", "gelu"]
)
@pytest.mark.parametrize(
    "shape", [(1, (), 1), (1, (7,), 1), (3, (16, 8), 2), (2, (5, 6, 4), 3)]
)
def test_forward_matches_torch(activation, shape):
    n_in, hidden, n_out = shape
    net = _module(n_in, hidden, n_out, activation)
    pack = pack_mlp(net)
    X = np.random.default_rng(1).normal(scale=3.0, size=(50, n_in))
    with torch.no_grad():
        expected = net(torch.as_tensor(X)).numpy()
    out = np.empty((50, n_out))
    mlp_forward_batch(X, *pack, out)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)

    # single-vector call with an oversized work buffer reused across calls
    work = np.full(mlp_work_size(pack.sizes) + 6, np.nan)
    one = np.empty(n_out)
    for n in range(5):
        mlp_forward(X[n], *pack, one, work)
        np.testing.assert_allclose(one, expected[n], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["swish", "tanh", "gelu"])
@pytest.mark.parametrize(
    "shape", [(1, (), 1), (3, (7,), 2), (8, (128, 128), 8), (5, (33, 6, 9), 1)]
)
def test_forward_pair_is_two_forward_calls_bit_for_bit(activation, shape):
    # the odd part of a symmetric neural ODE; the pinned outputs and the
    # calibrated time change rest on this equality, not on closeness
    n_in, hidden, n_out = shape
    pack = pack_mlp(_module(n_in, hidden, n_out, activation))
    X = np.random.default_rng(2).normal(scale=3.0, size=(40, n_in))
    size = mlp_work_size(pack.sizes)
    work, pair_work = np.empty(size), np.full(2 * size + 3, np.nan)
    for x in X:
        expected, expected_neg = np.empty(n_out), np.empty(n_out)
        mlp_forward(x, *pack, expected, work)
        mlp_forward(-x, *pack, expected_neg, work)
        out, out_neg = np.empty(n_out), np.empty(n_out)
        x_before = x.copy()
        mlp_forward_pair(x, *pack, out, out_neg, pair_work)
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(out_neg, expected_neg)
        np.testing.assert_array_equal(x, x_before)


def test_vectorised_swish_matches_torch_over_the_whole_range():
    # the kernel's own exp (Cody-Waite reduction, Taylor polynomial, exponent
    # bits): checked against torch's SiLU, including where sigmoid under- or
    # overflows and on non-finite input
    v = np.concatenate(
        [
            np.linspace(-760.0, 760.0, 200_001),
            np.geomspace(1e-300, 50.0, 2_001),
            -np.geomspace(1e-300, 50.0, 2_001),
            [0.0, -0.0, 5e-324, -5e-324, 707.9, -707.9, 708.0, -708.0, 709.9, -709.9],
        ]
    )
    got = v.copy()
    _swish_inplace(got)
    expected = torch.nn.functional.silu(torch.as_tensor(v)).numpy()
    # below v = -708 the kernel returns v * 0 where torch still has up to 1e-304
    np.testing.assert_allclose(got, expected, rtol=2e-15, atol=1e-300)
    special = np.array([np.nan, np.inf, -np.inf])
    got = special.copy()
    _swish_inplace(got)
    expected = torch.nn.functional.silu(torch.as_tensor(special)).numpy()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "activation", ["swish", "tanh", "relu", "elu", "softplus", "gelu"]
)
def test_jacobian_matches_torch(activation):
    net = _module(3, (16, 8), 2, activation, seed=3)
    pack = pack_mlp(net)
    X = np.random.default_rng(2).normal(scale=2.0, size=(10, 3))
    work = np.empty(mlp_work_size(pack.sizes, jacobian=True))
    out = np.empty(2)
    jac = np.empty((2, 3))
    for x in X:
        expected = torch.autograd.functional.jacobian(net, torch.as_tensor(x)).numpy()
        with torch.no_grad():
            value = net(torch.as_tensor(x)).numpy()
        mlp_forward_jacobian(x, *pack, out, jac, work)
        np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jac, expected, rtol=1e-10, atol=1e-12)


def test_pack_from_pairs_and_copies():
    rng = np.random.default_rng(0)
    layers = [
        (rng.normal(size=(4, 2)), rng.normal(size=4)),
        (rng.normal(size=(1, 4)), rng.normal(size=1)),
    ]
    pack = pack_mlp(layers, activation="tanh")
    assert pack.sizes.tolist() == [2, 4, 1]
    x = rng.normal(size=(3, 2))
    out = np.empty((3, 1))
    mlp_forward_batch(x, *pack, out)
    expected = (
        np.tanh(x @ layers[0][0].T + layers[0][1]) @ layers[1][0].T + layers[1][1]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    pack.weights[:] = 0.0
    assert np.any(layers[0][0] != 0.0)


def test_pack_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="activation is required"):
        pack_mlp(
            [
                (rng.normal(size=(4, 2)), np.zeros(4)),
                (rng.normal(size=(1, 4)), np.zeros(1)),
            ]
        )
    with pytest.raises(ValueError, match="takes 3 inputs"):
        pack_mlp(
            [(np.ones((4, 2)), np.zeros(4)), (np.ones((1, 3)), np.zeros(1))], "tanh"
        )
    with pytest.raises(ValueError, match="activation must be one of"):
        pack_mlp([(np.ones((1, 2)), np.zeros(1))], "sigmoidish")
    with pytest.raises(TypeError, match="cannot pack"):
        pack_mlp(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)))
    net = make_mlp(2, (3,), 1, activation="tanh")
    with pytest.raises(ValueError, match="disagrees"):
        pack_mlp(net, activation="relu")
