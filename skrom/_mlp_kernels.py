"""Evaluate small multilayer perceptrons inside numba kernels.

Torch modules cannot enter a ``numba.njit`` kernel, so a fitted MLP is first
*packed* into plain arrays by :func:`pack_mlp` and then evaluated, one input
vector at a time, by the njit functions of this module. The score-based
Langevin kernels (:mod:`skrom.score`) and the neural-ODE rollouts of the hybrid
ROM use it.

Contract
--------
``pack_mlp(module_or_layers, activation=None)`` returns an :class:`MLPPack`
``(weights, biases, sizes, activation)``:

- ``sizes`` : int64 array ``[n_in, h_1, ..., h_L, n_out]`` (any depth >= 1
  layer);
- ``weights`` : float64 array, the weight matrices of all layers, each of
  shape ``(sizes[l + 1], sizes[l])`` as in :class:`torch.nn.Linear`, flattened
  row-major and concatenated in layer order;
- ``biases`` : float64 array, the biases of all layers concatenated;
- ``activation`` : int64 code (see :data:`ACTIVATION_CODES`) applied after
  every layer except the last, which is linear.

The njit evaluators never allocate: the caller passes an output array and a
work buffer of at least :func:`mlp_work_size` ``(sizes, jacobian)`` float64
entries, allocated once outside the hot loop and reused for every call:

- ``mlp_forward(x, weights, biases, sizes, act, out, work)`` writes the MLP's
  output at the 1-D input ``x`` (length ``sizes[0]``) into ``out`` (length
  ``sizes[-1]``);
- ``mlp_forward_jacobian(x, weights, biases, sizes, act, out, jac, work)``
  also writes the Jacobian ``d out_i / d x_j`` into ``jac`` of shape
  ``(sizes[-1], sizes[0])`` (forward-mode differentiation, exact up to
  rounding);
- ``mlp_forward_pair(x, weights, biases, sizes, act, out, out_neg, work)``
  writes the outputs at ``x`` and at ``-x`` (the two halves of an odd
  field), bit for bit what two ``mlp_forward`` calls give, with the first
  layer's products computed once; ``work`` needs twice
  :func:`mlp_work_size` ``(sizes)`` entries;
- ``mlp_forward_batch(X, weights, biases, sizes, act, out)`` evaluates the
  rows of a 2-D ``X`` into the rows of ``out`` (a convenience for tests and
  tables; it allocates one work buffer per call).

All arithmetic is float64; in float64 the result agrees with the torch module
(converted to float64) to rounding, about 1e-15 relative.
"""

import math
from collections import namedtuple

import numba
import numpy as np

__all__ = [
    "MLPPack",
    "ACTIVATION_CODES",
    "pack_mlp",
    "mlp_work_size",
    "mlp_forward",
    "mlp_forward_jacobian",
    "mlp_forward_pair",
    "mlp_forward_batch",
]

#: Activation name -> integer code understood by the kernels.
ACTIVATION_CODES = {
    "identity": 0,
    "tanh": 1,
    "relu": 2,
    "swish": 3,
    "silu": 3,
    "elu": 4,
    "softplus": 5,
    "gelu": 6,
}

MLPPack = namedtuple("MLPPack", ["weights", "biases", "sizes", "activation"])
MLPPack.__doc__ = """Plain-array form of an MLP, ready for the njit evaluators.

Fields: ``weights`` (float64, flattened row-major per layer), ``biases``
(float64), ``sizes`` (int64, ``[n_in, ..., n_out]``) and ``activation``
(int64 code from :data:`ACTIVATION_CODES`).
"""

_MODULE_ACTIVATIONS = {
    "SiLU": "swish",
    "Tanh": "tanh",
    "ReLU": "relu",
    "ELU": "elu",
    "Softplus": "softplus",
    "GELU": "gelu",
    "Identity": "identity",
}


def _layers_from_module(module):
    from torch import nn

    linears, acts = [], []
    for child in module.modules():
        if isinstance(child, nn.Linear):
            linears.append(child)
        elif type(child).__name__ in _MODULE_ACTIVATIONS:
            acts.append(child)
        elif isinstance(child, nn.Sequential) or child is module:
            continue
        elif isinstance(child, (nn.Dropout,)):
            continue
        else:
            raise TypeError(
                f"pack_mlp cannot pack a module containing {type(child).__name__}; "
                "only Linear layers and elementwise activations are supported."
            )
    names = {_MODULE_ACTIVATIONS[type(a).__name__] for a in acts}
    if len(names) > 1:
        raise ValueError(
            f"pack_mlp needs one activation throughout, found {sorted(names)}."
        )
    for a in acts:
        if isinstance(a, nn.ELU) and a.alpha != 1.0:
            raise ValueError("pack_mlp supports ELU only with alpha=1.")
        if isinstance(a, nn.Softplus) and (a.beta != 1.0 or a.threshold != 20.0):
            raise ValueError(
                "pack_mlp supports Softplus only with beta=1, threshold=20."
            )
        if isinstance(a, nn.GELU) and a.approximate != "none":
            raise ValueError(
                "pack_mlp supports only the exact GELU (approximate='none')."
            )
    if len(linears) > 1 and len(acts) not in (0, len(linears) - 1):
        raise ValueError(
            f"pack_mlp expects one activation between consecutive Linear layers; "
            f"found {len(linears)} Linear layers and {len(acts)} activations."
        )
    layers = []
    for lin in linears:
        w = lin.weight.detach().cpu().to(dtype=_torch_float64()).numpy()
        if lin.bias is None:
            b = np.zeros(w.shape[0])
        else:
            b = lin.bias.detach().cpu().to(dtype=_torch_float64()).numpy()
        layers.append((w, b))
    return layers, (names.pop() if names else None)


def _torch_float64():
    import torch

    return torch.float64


def pack_mlp(module_or_layers, activation=None):
    """Pack an MLP into plain float64/int64 arrays for the njit evaluators.

    Parameters
    ----------
    module_or_layers : torch.nn.Module or sequence of (W, b)
        Either a module made of :class:`torch.nn.Linear` layers with one
        elementwise activation between consecutive layers (as built by
        :func:`skrom._torch.make_mlp`), or a sequence of ``(W, b)`` pairs with
        ``W`` of shape ``(n_out_l, n_in_l)`` and ``b`` of shape ``(n_out_l,)``.
    activation : str or None
        Activation name (a key of :data:`ACTIVATION_CODES`). Inferred from the
        module when None; required for a sequence of pairs with more than one
        layer.

    Returns
    -------
    pack : MLPPack
        ``(weights, biases, sizes, activation)`` as described in the module
        docstring. The arrays are fresh copies.
    """
    if hasattr(module_or_layers, "modules") and hasattr(module_or_layers, "parameters"):
        layers, inferred = _layers_from_module(module_or_layers)
        if activation is None:
            activation = inferred if inferred is not None else "identity"
        elif inferred is not None and ACTIVATION_CODES[
            inferred
        ] != ACTIVATION_CODES.get(activation, -1):
            raise ValueError(
                f"activation={activation!r} disagrees with the module's {inferred!r}."
            )
    else:
        layers = [
            (np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for w, b in module_or_layers
        ]
        if activation is None:
            if len(layers) > 1:
                raise ValueError("activation is required when packing (W, b) pairs.")
            activation = "identity"
    if activation not in ACTIVATION_CODES:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATION_CODES)}, got {activation!r}."
        )
    if not layers:
        raise ValueError("pack_mlp needs at least one Linear layer.")
    sizes = [layers[0][0].shape[1]]
    for i, (w, b) in enumerate(layers):
        if w.ndim != 2 or b.shape != (w.shape[0],):
            raise ValueError(f"layer {i}: W must be 2-D and b of shape (W.shape[0],).")
        if w.shape[1] != sizes[-1]:
            raise ValueError(
                f"layer {i} takes {w.shape[1]} inputs but the previous layer gives "
                f"{sizes[-1]}."
            )
        sizes.append(w.shape[0])
    weights = np.concatenate([np.ascontiguousarray(w).ravel() for w, _ in layers])
    biases = np.concatenate([b for _, b in layers])
    if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(biases))):
        raise ValueError("pack_mlp: the network has non-finite weights.")
    return MLPPack(
        weights=weights.astype(np.float64, copy=True),
        biases=biases.astype(np.float64, copy=True),
        sizes=np.asarray(sizes, dtype=np.int64),
        activation=np.int64(ACTIVATION_CODES[activation]),
    )


def mlp_work_size(sizes, jacobian=False):
    """Length of the float64 work buffer the evaluators need for ``sizes``."""
    sizes = np.asarray(sizes)
    width = int(sizes.max())
    if jacobian:
        return 2 * width * (1 + int(sizes[0]))
    return 2 * width


@numba.njit(cache=True, inline="always")
def _act(v, code):
    if code == 3:
        return v / (1.0 + math.exp(-v))
    if code == 1:
        return math.tanh(v)
    if code == 2:
        return v if v > 0.0 else 0.0
    if code == 4:
        return v if v > 0.0 else math.expm1(v)
    if code == 5:
        # torch's Softplus returns v itself above its threshold of 20
        return v if v > 20.0 else math.log1p(math.exp(v))
    if code == 6:
        return 0.5 * v * (1.0 + math.erf(v * 0.7071067811865476))
    return v


@numba.njit(cache=True, inline="always")
def _act_grad(v, code):
    if code == 3:
        s = 1.0 / (1.0 + math.exp(-v))
        return s + v * s * (1.0 - s)
    if code == 1:
        t = math.tanh(v)
        return 1.0 - t * t
    if code == 2:
        return 1.0 if v > 0.0 else 0.0
    if code == 4:
        return 1.0 if v > 0.0 else math.exp(v)
    if code == 5:
        return 1.0 if v > 20.0 else 1.0 / (1.0 + math.exp(-v))
    if code == 6:
        return (
            0.5 * (1.0 + math.erf(v * 0.7071067811865476))
            + v * math.exp(-0.5 * v * v) * 0.3989422804014327
        )
    return 1.0


_SWISH = ACTIVATION_CODES["swish"]

# Cody-Waite split of log(2): kf * _LN2_HI is exact for |kf| < 2**11
_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _swish_inplace(v):
    """Overwrite ``v`` with ``v * sigmoid(v)``, vectorised.

    numba's LLVM has no vector math library, so ``math.exp`` is a scalar
    libm call that keeps the loop from vectorising and cost about a quarter
    of a forcing-network evaluation. Here ``exp(-v) = 2**k exp(r)`` with
    ``|r| <= log(2) / 2`` (Cody-Waite reduction), ``exp(r)`` by its degree-13
    Taylor polynomial (truncation below 1e-17) and ``2**k`` built from its
    exponent bits: 4e-16 relative to libm, and a loop LLVM turns into SIMD.
    ``error_model="numpy"`` drops the zero-division check that would also
    block it.
    """
    for i in range(v.shape[0]):
        a = min(max(-v[i], -708.0), 708.0)
        kf = np.floor(a * _LOG2E + 0.5)
        r = (a - kf * _LN2_HI) - kf * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        e = p * np.int64((np.int64(kf) + 1023) << 52).view(np.float64)
        # below -708 sigmoid underflows: torch's v * 0 (-0.0, NaN for -inf)
        v[i] = 0.0 * v[i] if -v[i] >= 708.0 else v[i] / (1.0 + e)


@numba.njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def _affine(weights, w_off, biases, b_off, n_a, n_b, inp, dst):
    """``dst = W inp + b`` for the layer at ``w_off``/``b_off``.

    ``reassoc`` lets LLVM split each dot product into SIMD partial sums
    (results differ from torch's by rounding only, ~1e-15 relative); two rows
    share every load of ``inp``. Distinct views tell LLVM that the input, the
    weight rows and the output do not overlap.
    """
    n_pair = n_b - n_b % 2
    for i in range(0, n_pair, 2):
        r0 = weights[w_off + i * n_a : w_off + (i + 1) * n_a]
        r1 = weights[w_off + (i + 1) * n_a : w_off + (i + 2) * n_a]
        a0 = 0.0
        a1 = 0.0
        for j in range(n_a):
            a0 += r0[j] * inp[j]
            a1 += r1[j] * inp[j]
        dst[i] = a0 + biases[b_off + i]
        dst[i + 1] = a1 + biases[b_off + i + 1]
    for i in range(n_pair, n_b):
        r0 = weights[w_off + i * n_a : w_off + (i + 1) * n_a]
        a0 = 0.0
        for j in range(n_a):
            a0 += r0[j] * inp[j]
        dst[i] = a0 + biases[b_off + i]


@numba.njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def _affine_pm(weights, w_off, biases, b_off, n_a, n_b, inp, dst, dst_neg):
    """``dst = W inp + b`` and ``dst_neg = W (-inp) + b`` with one set of products.

    The dot products are :func:`_affine`'s loops, so each is rounded as
    there; rounding to nearest is odd, so the sum for ``-inp`` is exactly
    minus the sum for ``inp``.
    """
    n_pair = n_b - n_b % 2
    for i in range(0, n_pair, 2):
        r0 = weights[w_off + i * n_a : w_off + (i + 1) * n_a]
        r1 = weights[w_off + (i + 1) * n_a : w_off + (i + 2) * n_a]
        a0 = 0.0
        a1 = 0.0
        for j in range(n_a):
            a0 += r0[j] * inp[j]
            a1 += r1[j] * inp[j]
        dst[i] = a0 + biases[b_off + i]
        dst[i + 1] = a1 + biases[b_off + i + 1]
        dst_neg[i] = -a0 + biases[b_off + i]
        dst_neg[i + 1] = -a1 + biases[b_off + i + 1]
    for i in range(n_pair, n_b):
        r0 = weights[w_off + i * n_a : w_off + (i + 1) * n_a]
        a0 = 0.0
        for j in range(n_a):
            a0 += r0[j] * inp[j]
        dst[i] = a0 + biases[b_off + i]
        dst_neg[i] = -a0 + biases[b_off + i]


@numba.njit(cache=True)
def _mlp_layers(weights, biases, sizes, act, out, work, first):
    """The layers from ``first`` on, the input to that layer being in ``work``."""
    n_layers = sizes.shape[0] - 1
    width = work.shape[0] // 2
    src = 0
    w_off = 0
    b_off = 0
    for layer in range(first):
        w_off += sizes[layer] * sizes[layer + 1]
        b_off += sizes[layer + 1]
    for layer in range(first, n_layers):
        n_a = sizes[layer]
        n_b = sizes[layer + 1]
        inp = work[src : src + n_a]
        if layer == n_layers - 1:
            _affine(weights, w_off, biases, b_off, n_a, n_b, inp, out)
        else:
            dst = width - src
            h = work[dst : dst + n_b]
            _affine(weights, w_off, biases, b_off, n_a, n_b, inp, h)
            if act == _SWISH:
                _swish_inplace(h)
            else:
                for i in range(n_b):
                    h[i] = _act(h[i], act)
            src = dst
        w_off += n_a * n_b
        b_off += n_b


@numba.njit(cache=True)
def mlp_forward_pair(x, weights, biases, sizes, act, out, out_neg, work):
    """Write the MLP's outputs at ``x`` and at ``-x`` into ``out`` and ``out_neg``.

    Bit for bit two :func:`mlp_forward` calls; the first layer's products
    are shared (those for ``-x`` are exactly their negatives). ``work``
    needs ``2 * mlp_work_size(sizes)`` entries; nothing is allocated.
    """
    half = work.shape[0] // 2
    work_pos = work[:half]
    work_neg = work[half:]
    n_a = sizes[0]
    n_b = sizes[1]
    if sizes.shape[0] == 2:
        _affine_pm(weights, 0, biases, 0, n_a, n_b, x, out, out_neg)
        return
    h = work_pos[:n_b]
    h_neg = work_neg[:n_b]
    _affine_pm(weights, 0, biases, 0, n_a, n_b, x, h, h_neg)
    if act == _SWISH:
        _swish_inplace(h)
        _swish_inplace(h_neg)
    else:
        for i in range(n_b):
            h[i] = _act(h[i], act)
            h_neg[i] = _act(h_neg[i], act)
    _mlp_layers(weights, biases, sizes, act, out, work_pos, 1)
    _mlp_layers(weights, biases, sizes, act, out_neg, work_neg, 1)


@numba.njit(cache=True)
def mlp_forward(x, weights, biases, sizes, act, out, work):
    """Write the MLP's output at ``x`` into ``out``; ``work`` is scratch.

    ``work`` needs ``mlp_work_size(sizes)`` entries; nothing is allocated.
    The hot loops (:func:`_affine`, :func:`_swish_inplace`) are separate
    functions because numba applies a function's ``fastmath`` flags to the
    code it inlines into it.
    """
    for j in range(sizes[0]):
        work[j] = x[j]
    _mlp_layers(weights, biases, sizes, act, out, work, 0)


@numba.njit(cache=True)
def mlp_forward_jacobian(x, weights, biases, sizes, act, out, jac, work):
    """Write the MLP's output at ``x`` into ``out`` and its Jacobian into ``jac``.

    ``jac`` has shape ``(sizes[-1], sizes[0])``; ``work`` needs
    ``mlp_work_size(sizes, jacobian=True)`` entries. Forward mode: the
    tangents of all ``sizes[0]`` input directions are carried layer by layer.
    """
    n_layers = sizes.shape[0] - 1
    n_in = sizes[0]
    width = work.shape[0] // (2 * (1 + n_in))
    # layout: [values A | values B | tangents A (n_in * width) | tangents B]
    tan0 = 2 * width
    tan_half = n_in * width
    for j in range(n_in):
        work[j] = x[j]
        for k in range(n_in):
            work[tan0 + k * width + j] = 1.0 if k == j else 0.0
    src = 0
    tsrc = tan0
    w_off = 0
    b_off = 0
    for layer in range(n_layers):
        n_a = sizes[layer]
        n_b = sizes[layer + 1]
        last = layer == n_layers - 1
        dst = width - src
        tdst = tan0 + tan_half if tsrc == tan0 else tan0
        for i in range(n_b):
            acc = biases[b_off + i]
            row = w_off + i * n_a
            for j in range(n_a):
                acc += weights[row + j] * work[src + j]
            g = 1.0
            if last:
                out[i] = acc
            else:
                work[dst + i] = _act(acc, act)
                g = _act_grad(acc, act)
            for k in range(n_in):
                t = 0.0
                tk = tsrc + k * width
                for j in range(n_a):
                    t += weights[row + j] * work[tk + j]
                if last:
                    jac[i, k] = t
                else:
                    work[tdst + k * width + i] = g * t
        w_off += n_a * n_b
        b_off += n_b
        src = dst
        tsrc = tdst


@numba.njit(cache=True)
def mlp_forward_batch(X, weights, biases, sizes, act, out):
    """Evaluate the MLP at every row of ``X`` into the rows of ``out``."""
    work = np.empty(2 * np.max(sizes))
    for n in range(X.shape[0]):
        mlp_forward(X[n], weights, biases, sizes, act, out[n], work)
