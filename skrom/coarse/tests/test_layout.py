"""The field layout and the geometry of the filter, stencil and convolutions."""

import numpy as np
import pytest
import torch

from skrom.coarse._encoder import FieldAutoencoder, _AxisPad
from skrom.coarse._layout import axis_nodes, flatten_fields, resolve_layout
from skrom.coarse._prior import LocalDriftSDE

# fits and samples on one torch thread: a fixed reduction order, and no
# oversubscription of a shared machine
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _layout(shape, **kw):
    params = dict(grid_shape=None, n_channels=None, n_coarse=(4, 3), periodic=True)
    return resolve_layout(shape, **{**params, **kw})


def test_forms_of_the_data():
    flat_1d = _layout((2, 5, 20), n_coarse=5)
    assert flat_1d.grid_shape == (20,) and flat_1d.field_shape == (20,)
    grid = _layout((2, 5, 32, 24))
    assert (grid.grid_shape, grid.n_channels, grid.field_shape) == (
        (32, 24),
        1,
        (32, 24),
    )
    assert grid.n_macro == 12 and grid.periodic == (True, True)
    chan = _layout((2, 5, 2, 32, 24), n_channels=2, periodic=(False, True))
    assert chan.field_shape == (2, 32, 24) and chan.n_macro == 24
    assert chan.periodic == (False, True)
    given = _layout((2, 5, 2 * 32 * 24), grid_shape=(32, 24), n_channels=2)
    assert given.grid_shape == (32, 24) and given.field_shape == (2 * 32 * 24,)
    single = _layout((5, 32, 24), grid_shape=(32, 24))
    assert single.field_shape == (32, 24)
    # one int per axis or a single int for every axis
    assert _layout((2, 5, 16, 16), n_coarse=4).n_coarse == (4, 4)


@pytest.mark.parametrize(
    "shape, kw, match",
    [
        ((2, 5, 30, 24), {}, "not divide"),
        ((2, 5, 32, 24), dict(n_coarse=(4, 3, 2)), "one value per axis"),
        ((2, 5, 32, 24), dict(n_coarse=(64, 3)), "exceeds"),
        ((2, 5, 3, 32, 24), dict(n_channels=2), "3 channels"),
        ((2, 5, 32), dict(n_channels=2), "grid_shape=None"),
        ((2, 5, 100), dict(grid_shape=(8, 8)), "fits neither"),
        ((2, 5, 4, 4, 4), dict(n_coarse=2), "1-D or 2-D"),
    ],
)
def test_bad_layouts_are_named(shape, kw, match):
    with pytest.raises(ValueError, match=match):
        _layout(shape, **kw)


def test_flatten_fields_and_channel_mismatch():
    lay = _layout((2, 5, 2, 8, 6), n_channels=2)
    X = np.arange(2 * 5 * 2 * 8 * 6, dtype=float).reshape(2, 5, 2, 8, 6)
    flat = flatten_fields(X, lay)
    assert flat.shape == (2, 5, 96)
    # channels first: the first 48 values are channel 0
    np.testing.assert_array_equal(flat[0, 0, :48], X[0, 0, 0].ravel())
    assert flatten_fields(X[0, 0], lay).shape == (96,)
    assert flatten_fields(flat, lay).shape == (2, 5, 96)
    with pytest.raises(ValueError, match="3 channels.*fitted on 2"):
        flatten_fields(np.zeros((2, 5, 3, 8, 6)), lay)
    with pytest.raises(ValueError, match="snapshots of shape"):
        flatten_fields(np.zeros((2, 5, 2, 8, 7)), lay)


def test_bounded_axes_put_nodes_at_cell_centres():
    np.testing.assert_array_equal(axis_nodes(32, 4, True), [0, 8, 16, 24])
    np.testing.assert_array_equal(axis_nodes(32, 4, False), [4, 12, 20, 28])


def _filter_jacobian_of_first_node(layout):
    ae = FieldAutoencoder(layout, 0)
    x = torch.zeros(1, layout.n_features, requires_grad=True)
    (g,) = torch.autograd.grad(ae.filter(x)[0, 0], x)
    return g.reshape(layout.grid_shape).numpy()


def test_no_wrap_around_on_bounded_axes():
    # the first node's filter reaches the opposite wall only if periodic
    periodic = _filter_jacobian_of_first_node(_layout((1, 3, 32, 24)))
    assert periodic[-1, -1] > 0 and periodic[-1, 0] > 0
    bounded = _filter_jacobian_of_first_node(_layout((1, 3, 32, 24), periodic=False))
    assert np.all(bounded[-8:] == 0) and np.all(bounded[:, -8:] == 0)
    mixed = _filter_jacobian_of_first_node(
        _layout((1, 3, 32, 24), periodic=(False, True))
    )
    assert np.all(mixed[-8:] == 0) and mixed[0, -1] > 0
    # the prior's stencil and the micro encoder's convolutions likewise
    lay = _layout((1, 3, 32, 24), periodic=False)
    sde = LocalDriftSDE(lay, 1, 3, (8,), 0.1)
    z = torch.zeros(1, lay.n_macro + 1, requires_grad=True)
    (g,) = torch.autograd.grad(sde.drift(z)[0, 0], z)
    reads = (g[0, : lay.n_macro] != 0).reshape(4, 3).int().numpy()
    np.testing.assert_array_equal(reads, [[1, 1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0]])
    # the convolutions' padding: edge values on a bounded axis, wrapped otherwise
    pad = _AxisPad((5, 4), (2, 1), (False, True))
    out = pad(torch.arange(20.0).reshape(1, 5, 4))[0]
    np.testing.assert_array_equal(out[:, 0], [3, 3, 3, 7, 11, 15, 19, 19, 19])
    np.testing.assert_array_equal(out[0], [3, 0, 1, 2, 3, 0])


def test_bounded_decoder_reproduces_a_constant_up_to_the_walls():
    # the transpose filter would pile the taps past a wall onto the edge point
    for periodic in (False, (False, True)):
        lay = _layout((1, 3, 2, 32, 24), n_channels=2, periodic=periodic)
        ae = FieldAutoencoder(lay, 0)
        x = torch.full((1, lay.n_features), 0.7)
        with torch.no_grad():
            rec = ae.transpose_filter(ae.filter(x)).reshape(2, 32, 24)
        if periodic is False:
            assert float((rec - 0.7).abs().max()) < 1e-5
        else:
            # the wrapped axis keeps the periodic filter's few-percent ripple
            assert float((rec - 0.7).abs().max()) < 0.05


def test_separable_filter_of_a_product_field():
    # filtering along y then x: a field f(y) g(x) gives F(y) G(x)
    lay = _layout((1, 3, 32, 24), periodic=(False, True))
    ae = FieldAutoencoder(lay, 0)
    fy, gx = torch.linspace(-1, 2, 32), torch.cos(torch.linspace(0, 6, 24))
    z = (ae.filter((fy[:, None] * gx[None, :]).reshape(1, -1)) - ae.bias).reshape(4, 3)
    Fy = _layout((1, 3, 32), n_coarse=4, periodic=False)
    Gx = _layout((1, 3, 24), n_coarse=3, periodic=True)
    zy = FieldAutoencoder(Fy, 0).filter(fy[None]) - ae.bias
    zx = FieldAutoencoder(Gx, 0).filter(gx[None]) - ae.bias
    torch.testing.assert_close(z, zy[0][:, None] * zx[0][None, :])


@pytest.mark.parametrize("grid", [(8, 12), (8, 8)])
def test_sub_pixel_decoder_lays_each_cell_out_on_its_grid_points(grid):
    # sub-pixel channel (c, i, j) of a node is grid point (i, j) of its cell
    lay = _layout((1, 3, 2, *grid), n_channels=2, n_coarse=(4, 4), periodic=False)
    ry, rx = grid[0] // 4, grid[1] // 4
    ae = FieldAutoencoder(lay, 1)
    paint = ae.micro_decoder.paint
    with torch.no_grad():
        paint.weight.zero_()
        paint.bias.copy_(torch.arange(paint.bias.numel(), dtype=torch.float32))
        fine = ae.micro_decoder(torch.zeros(1, 1)).reshape(2, *grid).numpy()
    c, y, x = np.meshgrid(*map(np.arange, (2, *grid)), indexing="ij")
    np.testing.assert_array_equal(fine, c * ry * rx + (y % ry) * rx + x % rx)


@pytest.mark.parametrize("shape", [(1, 3, 40), (1, 3, 32, 24)])
def test_node_position_breaks_translation_invariance_only_when_asked(shape):
    # on a periodic mesh every node of a constant field sees the same stencil:
    # the shared drift gives them one value, unless it also reads the node's
    # coordinates (as the authors' cylinder-wake model does)
    n_coarse = (8,) if len(shape) == 3 else (4, 3)
    lay = _layout(shape, n_coarse=n_coarse)
    z = torch.full((1, lay.n_macro + 2), 0.3)
    torch.manual_seed(0)
    invariant = LocalDriftSDE(lay, 2, 3, (16,), 0.1).drift(z)[0, : lay.n_macro]
    assert torch.allclose(invariant, invariant[0].expand_as(invariant))
    torch.manual_seed(0)
    sde = LocalDriftSDE(lay, 2, 3, (16,), 0.1, node_position=True)
    varying = sde.drift(z)[0, : lay.n_macro]
    assert torch.unique(varying).numel() == lay.n_macro
    # coordinates span [-1, 1] on each axis, in the mesh's flat order
    pos = sde._node_features.numpy()
    assert pos.shape == (lay.n_macro, len(n_coarse))
    np.testing.assert_array_equal(pos[0], -1.0)
    np.testing.assert_array_equal(pos[-1], 1.0)
    if len(n_coarse) == 2:
        np.testing.assert_array_equal(pos[1], [-1.0, 0.0])


def test_prior_pickled_before_node_position_still_loads():
    # the wall features were stored as "_walls" before node_position joined
    # them: such a pickle must load and give the same drift
    import pickle

    lay = _layout((1, 3, 32, 24), periodic=False)
    sde = LocalDriftSDE(lay, 1, 3, (8,), 0.1)
    z = torch.linspace(-1, 1, lay.n_macro + 1)[None]
    old = pickle.loads(pickle.dumps(sde))
    old._buffers["_walls"] = old._buffers.pop("_node_features")
    loaded = pickle.loads(pickle.dumps(old))
    torch.testing.assert_close(loaded.drift(z), sde.drift(z), rtol=0, atol=0)
