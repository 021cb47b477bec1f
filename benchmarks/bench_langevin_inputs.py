"""Speed of the Langevin kernel driven by known inputs, against the clock form.

The forced Ornstein-Uhlenbeck process ``dx = (-x + A cos(wt)) dt + sqrt(2 D)
dW`` (the one of ``skrom/score/tests/test_langevin.py``) is fitted twice by
:class:`skrom.score.LangevinROM`: with its clock as clock features
(``clock_features=(1, 2)``: bilinear drift tables in ``(x, phase)``) and with
the clock passed as inputs ``U = (sin, cos)`` (polynomial input tables, see
:mod:`skrom.score._input_drift`). One path of each kernel is timed per
Euler-Maruyama substep:

- the clock-table kernel ``simulate_clocked_path``;
- the input-table kernel ``simulate_input_path``, with the transport velocity
  and without it (the quasi-static drift);
- the same input-table loop in C (``benchmarks/c/langevin_input_em.c``,
  ``gcc -O3 -march=native -ffp-contract=off``), drawing from the *same*
  numpy generator through ctypes; it must agree with the numba path bit for
  bit (skipped without gcc).

Prints ns per substep, numba / C and input / clock. Target: numba within
1.2x of C.

Usage::

    python benchmarks/bench_langevin_inputs.py           # about a minute
    python benchmarks/bench_langevin_inputs.py --quick   # rough
"""

import argparse
import ctypes
import os
import sys
import tempfile
import time
from pathlib import Path

import c_twin
import numba
import numpy as np
import torch

from skrom.score import KGMMScore, LangevinROM
from skrom.score._input_kernels import input_scratch, simulate_input_path
from skrom.score._langevin_kernels import simulate_clocked_path

DT = 0.01


def forced_ou(n_traj, n_steps, amplitude=1.0, omega=1.0, diffusion=0.1, seed=0):
    """``dx = (-x + A cos(wt)) dt + sqrt(2 D) dW`` as ``[x, sin wt, cos wt]``
    (Euler-Maruyama, 10 substeps per ``DT``)."""
    rng = np.random.default_rng(seed)
    h = DT / 10
    x = rng.normal(scale=np.sqrt(diffusion), size=n_traj)
    out = np.empty((n_traj, n_steps, 3))
    for n in range(n_steps):
        out[:, n, 0] = x
        out[:, n, 1] = np.sin(omega * n * DT)
        out[:, n, 2] = np.cos(omega * n * DT)
        for j in range(10):
            t = n * DT + j * h
            x = (
                x
                + (-x + amplitude * np.cos(omega * t)) * h
                + np.sqrt(2 * diffusion * h) * rng.normal(size=n_traj)
            )
    return out


def fit_models(max_epochs):
    P = forced_ou(4, 10_000)
    kw = dict(sigma=0.05, prob=2e-3, max_epochs=max_epochs, random_state=0)
    clock = LangevinROM(
        score_estimator=KGMMScore(**kw), clock_features=(1, 2), random_state=0
    ).fit(P)
    inputs = LangevinROM(score_estimator=KGMMScore(**kw), random_state=0).fit(
        P[..., :1], U=P[..., 1:]
    )
    return P, clock.langevin_kernel_, inputs.langevin_kernel_


def _best_times(runs, repeats):
    """Best time of every runner, the runners interleaved in each repeat (so
    a change of the machine's load falls on all of them alike)."""
    best = dict.fromkeys(runs, np.inf)
    results = {name: run() for name, run in runs.items()}  # compile, load caches
    for _ in range(repeats):
        for name, run in runs.items():
            t = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t)
    return best, results


def clock_runner(model, x0, n_records):
    def run():
        out = np.empty((n_records, x0.shape[0]))
        simulate_clocked_path(x0, n_records, model, np.random.default_rng(0), out)
        return out

    return run


def input_runner(model, x0, U):
    def run():
        out = np.empty((U.shape[0], 1))
        simulate_input_path(x0, U, U.shape[0], model, np.random.default_rng(0), out)
        return out[:, 0]

    return run


class _CModel(ctypes.Structure):
    _fields_ = [
        *[
            (name, ctypes.c_double)
            for name in (
                "lo",
                "step",
                "inv_step",
                "floor",
                "v_max",
                "phi_kk",
                "kick",
                "inv_var",
                "h",
                "bound",
            )
        ],
        *[
            (name, ctypes.c_long)
            for name in ("n_x", "n_inputs", "n_terms", "n_t", "substeps")
        ],
        *[
            (name, ctypes.c_void_p)
            for name in (
                "parent",
                "var",
                "t_parent",
                "t_var",
                "lower",
                "expo",
                "score",
                "density",
                "cdf",
                "mean",
                "scale",
                "v_lo",
                "v_hi",
            )
        ],
    ]


def _c_model(model):
    """The ``input_model`` struct of the C twin, and the arrays it points to."""
    t = model.inputs
    sc = input_scratch(t)
    scale = model.score.scale[0]
    arrays = dict(
        parent=sc.parent,
        var=sc.var,
        t_parent=sc.t_parent,
        t_var=sc.t_var,
        lower=sc.lower,
        expo=sc.expo,
        score=t.score,
        density=t.density,
        cdf=t.cdf,
        mean=t.mean,
        scale=t.scale,
        v_lo=t.v_lo,
        v_hi=t.v_hi,
    )
    arrays = {k: np.ascontiguousarray(a) for k, a in arrays.items()}
    struct = _CModel(
        lo=t.lo,
        step=t.step,
        inv_step=1.0 / t.step,
        floor=t.floor,
        v_max=t.v_max,
        phi_kk=model.phi[0, 0],
        kick=np.sqrt(2.0 * model.h) * model.noise[0, 0],
        inv_var=1.0 / (scale * scale),
        h=model.h,
        bound=model.score.bound,
        n_x=t.score.shape[0],
        n_inputs=t.mean.shape[0],
        n_terms=t.score.shape[1],
        n_t=t.t_powers.shape[0],
        substeps=model.substeps,
        **{k: a.ctypes.data for k, a in arrays.items()},
    )
    return struct, arrays


def compile_c(tmp):
    """The C twin as a ctypes function, or None and why not."""
    source = Path(__file__).with_name("c") / "langevin_input_em.c"
    flags = ["-O3", "-march=native", "-ffp-contract=off"]
    clib, why = c_twin.build(source, tmp, flags=flags, numpy_random=True)
    if clib is None:
        return None, why
    fn = clib.input_path
    fn.restype = ctypes.c_long
    fn.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(_CModel),
        ctypes.c_double,
        ctypes.c_void_p,
        ctypes.c_long,
        ctypes.c_void_p,
    ]
    return fn, ""


def c_runner(fn, model, x0, U):
    struct, keep = _c_model(model)
    U = np.ascontiguousarray(U, dtype=np.float64)

    def run():
        bit_gen = np.random.PCG64(np.random.SeedSequence(0))
        out = np.empty(U.shape[0])
        fn(
            bit_gen.ctypes.bit_generator.value,
            ctypes.byref(struct),
            x0[0],
            U.ctypes.data,
            U.shape[0],
            out.ctypes.data,
        )
        run.keep = keep  # the arrays the struct points to
        return out

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short, rough run")
    opts = parser.parse_args(argv)
    torch.set_num_threads(1)
    repeats = 5 if opts.quick else 15
    n_records = 20_001 if opts.quick else 100_001
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, numba "
        f"{numba.__version__}, cpus visible: {os.cpu_count()}, load average: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    P, clock, inputs = fit_models(30 if opts.quick else 100)
    quasi = inputs._replace(
        inputs=inputs.inputs._replace(t_powers=inputs.inputs.t_powers[:0])
    )
    t = DT * np.arange(n_records)
    U = np.stack([np.sin(t), np.cos(t)], axis=1)
    x0 = P[0, 0].copy()
    n_sub = (n_records - 1) * inputs.substeps
    assert clock.substeps == inputs.substeps
    runs = {
        "clock tables (numba)": clock_runner(clock, x0, n_records),
        "input tables (numba)": input_runner(inputs, x0[:1], U),
        "input tables, no transport (numba)": input_runner(quasi, x0[:1], U),
    }
    with tempfile.TemporaryDirectory() as tmp:
        fn, why = compile_c(tmp)
        if fn is not None:
            runs["input tables (C, same loop)"] = c_runner(fn, inputs, x0[:1], U)
            runs["input tables, no transport (C)"] = c_runner(fn, quasi, x0[:1], U)
        rows, outs = _best_times(runs, repeats)
    tab = inputs.inputs
    print()
    print(
        f"forced OU, one path of {n_records - 1} records x {inputs.substeps} "
        f"substeps; {tab.mean.shape[0]} inputs, {tab.score.shape[1]} score "
        f"terms, {tab.t_powers.shape[0]} density terms"
    )
    clock_s = rows["clock tables (numba)"]
    print(f"{'kernel':<40}{'ns/substep':>12}{'/ clock':>10}")
    for name, seconds in rows.items():
        print(f"{name:<40}{1e9 * seconds / n_sub:>12.1f}{seconds / clock_s:>10.2f}")
    if fn is None:
        print(f"C twin skipped: {why}")
        return
    names = (
        "input tables (numba)",
        "input tables (C, same loop)",
        "input tables, no transport (numba)",
        "input tables, no transport (C)",
    )
    ratio = rows[names[0]] / rows[names[1]]
    ratio_quasi = rows[names[2]] / rows[names[3]]
    print()
    print(
        f"numba / C: {ratio:.2f} with transport, {ratio_quasi:.2f} without "
        "(target <= 1.2)"
    )
    print(
        "numba and C paths bit-identical: "
        f"{np.array_equal(outs[names[0]], outs[names[1]])} with transport, "
        f"{np.array_equal(outs[names[2]], outs[names[3]])} without"
    )


if __name__ == "__main__":
    main()
