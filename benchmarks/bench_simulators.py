"""Speed of the L63-driven simulators: numba kernel against its baselines.

Prints, from one run, RK4 steps per second of the additive bistable system
(state ``(x, y1, y2, y3)``, step 1e-3, observed every 10 steps) for

- the numba kernel ``skrom.datasets._lorenz._integrate_slow_fast``;
- the same loop run by the Python interpreter (the kernel's ``py_func``, with
  its right-hand side also in pure Python);
- a vectorised NumPy RK4 advancing many members at once (member-steps/s);
- the same loop in C compiled with ``gcc -O3`` (skipped without gcc);

and the wall-clock speed-up of a joblib ensemble on 2 cores against 1 core
(``make_bistable_additive(n_jobs=...)``, loky and threading backends).

Targets: numba >= 100x Python, numba within 1.2x of C, ensemble speed-up
>= 1.7x on 2 cores.

Then the field simulators, one row each (single thread): cell-steps per
second of 2-D Burgers (128 x 128, Heun), of the coarse KdV baseline (20
nodes, RK4 sub-steps) and of the cylinder-wake lattice Boltzmann (MLUPS,
million fluid-node updates per second, DFG channel at 20 cells per
diameter), the last against its C twin ``c/lbm_d2q9_trt.c`` (same loop, same
lattice read from a file, ``gcc -O3 -march=native -ffp-contract=off`` so
that both do the same arithmetic; the final forces must agree bit for bit).
Target: C / numba <= 1.2.

Usage::

    python benchmarks/bench_simulators.py           # about a minute
    python benchmarks/bench_simulators.py --quick   # a few seconds, rough
    python benchmarks/bench_simulators.py --fields  # field simulators only
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import c_twin
import numpy as np
from joblib import parallel_config

from skrom.datasets import _lorenz, make_bistable_additive

H = 1e-3
EPS = 0.5
S = 0.08
STRIDE = 10
ARGS = _lorenz.SlowFastCoefficients(
    coupling=S / EPS,
    alpha=0.0,
    amplitude=0.0,
    omega=0.0,
    sigma=_lorenz.L63_SIGMA,
    rho=_lorenz.L63_RHO,
    beta=_lorenz.L63_BETA,
    inv_eps2=1.0 / EPS**2,
    bound=_lorenz.STATE_BOUND,
)
STATE0 = np.array([0.5, 1.0, 1.0, 25.0])


def _kernel_call(fn, n_obs):
    out = np.empty((n_obs, 4))
    status = fn(_lorenz._ADDITIVE, STATE0, 0.0, H, STRIDE, n_obs, ARGS, out)
    assert status == -1
    return out


def _best_time(fn, repeats):
    best = np.inf
    result = None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def bench_numba(n_steps, repeats):
    n_obs = n_steps // STRIDE + 1
    _kernel_call(_lorenz._integrate_slow_fast, 3)  # compile / load the cache
    seconds, out = _best_time(
        lambda: _kernel_call(_lorenz._integrate_slow_fast, n_obs), repeats
    )
    return (n_obs - 1) * STRIDE / seconds, out[-1, 0]


def _pure_python_kernel():
    # the kernel's own source run by the interpreter, with its right-hand side
    # swapped for the interpreted one too (not a numba dispatcher call per stage)
    fn = _lorenz._integrate_slow_fast.py_func
    namespace = dict(fn.__globals__, _slow_rhs=_lorenz._slow_rhs.py_func)
    return types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__)


def bench_python(n_steps):
    n_obs = n_steps // STRIDE + 1
    fn = _pure_python_kernel()
    seconds, out = _best_time(lambda: _kernel_call(fn, n_obs), 1)
    return (n_obs - 1) * STRIDE / seconds, out


def _numpy_ensemble(state0, n_steps):
    """Vectorised RK4: all members advanced together, one array op per term."""
    x, y1, y2, y3 = (state0[:, k].copy() for k in range(4))
    a = ARGS
    c, sf, ie, rho, beta = (
        a.coupling,
        a.sigma * a.inv_eps2,
        a.inv_eps2,
        a.rho,
        a.beta,
    )

    def rhs(x, y1, y2, y3):
        return (
            x * (1.0 - x * x) + c * y2,
            sf * (y2 - y1),
            ie * (y1 * (rho - y3) - y2),
            ie * (y1 * y2 - beta * y3),
        )

    half, sixth = 0.5 * H, H / 6.0
    for _ in range(n_steps):
        xa, a1, b1, c1 = rhs(x, y1, y2, y3)
        xb, a2, b2, c2 = rhs(
            x + half * xa, y1 + half * a1, y2 + half * b1, y3 + half * c1
        )
        xc, a3, b3, c3 = rhs(
            x + half * xb, y1 + half * a2, y2 + half * b2, y3 + half * c2
        )
        xd, a4, b4, c4 = rhs(x + H * xc, y1 + H * a3, y2 + H * b3, y3 + H * c3)
        x = x + sixth * (xa + 2.0 * (xb + xc) + xd)
        y1 = y1 + sixth * (a1 + 2.0 * (a2 + a3) + a4)
        y2 = y2 + sixth * (b1 + 2.0 * (b2 + b3) + b4)
        y3 = y3 + sixth * (c1 + 2.0 * (c2 + c3) + c4)
    return np.stack([x, y1, y2, y3], axis=1)


def bench_numpy(n_members, n_steps):
    state0 = np.tile(STATE0, (n_members, 1))
    seconds, out = _best_time(lambda: _numpy_ensemble(state0, n_steps), 1)
    return n_members * n_steps / seconds, out


def bench_c(n_steps, repeats):
    source = Path(__file__).with_name("c") / "l63_bistable_rk4.c"
    with tempfile.TemporaryDirectory() as tmp:
        exe, why = c_twin.build(source, tmp, flags=["-O3"], program=True)
        if exe is None:
            return None, why
        n_obs = n_steps // STRIDE + 1
        best, x_end = np.inf, None
        for _ in range(repeats):
            res = subprocess.run(
                [exe, str(n_obs), str(STRIDE)],
                check=True,
                capture_output=True,
                text=True,
            )
            seconds, x_end = res.stdout.split()
            best = min(best, float(seconds))
    return (n_obs - 1) * STRIDE / best, float(x_end)


def _busy(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def bench_control(n, repeats):
    """Speed-up of 4 independent pure-Python busy loops on 2 loky workers.

    Nothing to share, nothing to transfer: this is the best any 2-core
    ensemble can do on this machine at this moment (1.0 when other processes
    already keep both cores busy).
    """
    from joblib import Parallel, delayed

    serial = parallel = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        [_busy(n) for _ in range(4)]
        serial = min(serial, time.perf_counter() - t)
        t = time.perf_counter()
        Parallel(n_jobs=2, backend="loky")(delayed(_busy)(n) for _ in range(4))
        parallel = min(parallel, time.perf_counter() - t)
    return serial / parallel


def bench_ensemble(n_members, n_steps_per_member, repeats):
    # dt = 0.1 keeps the stored output small while each member does real work
    kw = dict(
        n_trajectories=n_members,
        n_steps=n_steps_per_member // 100 + 1,
        dt=0.1,
        integration_dt=H,
        random_state=0,
    )
    # start the worker processes (and load the numba cache there) beforehand
    make_bistable_additive(**dict(kw, n_trajectories=2, n_steps=3), n_jobs=2)
    configs = (
        ("1 core", 1, "loky"),
        ("2 cores, loky", 2, "loky"),
        ("2 cores, threading", 2, "threading"),
    )
    times = {label: np.inf for label, _, _ in configs}
    results = {}
    # interleaved repeats, best of each: on a shared machine the load drifts,
    # and timing all serial runs before all parallel ones would compare
    # different loads
    for _ in range(repeats):
        for label, n_jobs, backend in configs:
            with parallel_config(backend=backend):
                t = time.perf_counter()
                results[label] = make_bistable_additive(n_jobs=n_jobs, **kw)
                times[label] = min(times[label], time.perf_counter() - t)
    identical = all(np.array_equal(r, results["1 core"]) for r in results.values())
    return times, identical


def bench_burgers_2d(n_steps, repeats):
    """Cell-steps/s of the 2-D Burgers kernel on the 128 x 128 data-set grid."""
    from skrom.datasets import _burgers_2d

    x = np.linspace(0.0, 1.0, 128)
    u0 = np.exp(-((x[None, :] - 0.3) ** 2 + (x[:, None] - 0.3) ** 2) / 0.04)
    out = np.empty((11, 128, 128))
    stride = max(1, n_steps // 10)

    def call():
        return _burgers_2d._burgers_2d_run(u0, stride, 1e-3, 0.005, 1 / 127, out)

    call()
    seconds, _ = _best_time(call, repeats)
    return 128 * 128 * 10 * stride / seconds


def bench_coarse_kdv(n_fields, repeats):
    """Cell-steps/s of the KdV kernel on the 20-node coarse grid."""
    from skrom.datasets import _fields, make_kdv

    x0 = make_kdv(n_fields, 2, noise=0.0, random_state=0)[:, 0]
    v0 = _fields.restrict_periodic(x0, 20)
    n_sub = _fields._kdv_substeps(0.01, 0.5, 0.022, 1.5 * np.abs(v0).max())
    _fields.simulate_coarse_kdv(x0, 3)
    seconds, _ = _best_time(lambda: _fields.simulate_coarse_kdv(x0, 101), repeats)
    return n_fields * 20 * 100 * n_sub / seconds


def _lbm_setup():
    from skrom.datasets import _cylinder

    geo, dx = _cylinder._build_lattice(20)
    rlx = _cylinder._relaxation(100.0, 20)
    state = _cylinder._initial_state(geo, dx, perturbation=0.1)
    return _cylinder, geo, rlx, state


def bench_lbm(n_steps, repeats):
    """MLUPS of the cylinder-wake kernel; its last force for the C check."""
    cyl, geo, rlx, state = _lbm_setup()
    cyl._run([s.copy() for s in state], geo, rlx, 2, "warm-up")
    best, forces = np.inf, None
    for _ in range(repeats):
        run_state = [s.copy() for s in state]
        t = time.perf_counter()
        forces = cyl._run(run_state, geo, rlx, n_steps, "benchmark")
        best = min(best, time.perf_counter() - t)
    n_fluid = int((geo.kind != cyl.SOLID).sum())
    return n_fluid * n_steps / best / 1e6, tuple(forces[-1])


def bench_lbm_c(n_steps, repeats):
    source = Path(__file__).with_name("c") / "lbm_d2q9_trt.c"
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["-O3", "-march=native", "-ffp-contract=off"]
        exe, why = c_twin.build(source, tmp, flags=flags, program=True)
        if exe is None:
            return None, why
        cyl, geo, rlx, state = _lbm_setup()
        lattice = os.path.join(tmp, "lattice.bin")
        with open(lattice, "wb") as fh:
            np.array(geo.kind.shape, dtype=np.int64).tofile(fh)
            np.array([rlx.omega_plus, rlx.omega_minus]).tofile(fh)
            geo.kind.astype(np.int8).tofile(fh)
            for arr in (geo.q, geo.u_node, geo.u_edge, state[0]):
                np.ascontiguousarray(arr, dtype=np.float64).tofile(fh)
        best, force = np.inf, None
        for _ in range(repeats):
            res = subprocess.run(
                [exe, lattice, str(n_steps)], check=True, capture_output=True, text=True
            )
            seconds, fx, fy, _ = res.stdout.split()
            best = min(best, float(seconds))
            force = (float(fx), float(fy))
    n_fluid = int((geo.kind != cyl.SOLID).sum())
    return n_fluid * n_steps / best / 1e6, force


def bench_fields(scale, repeats):
    """Print the field-simulator rows; return C / numba of the LBM (or None)."""
    burgers = bench_burgers_2d(int(1000 * scale), repeats)
    kdv = bench_coarse_kdv(max(1, int(20 * scale)), repeats)
    n_lbm = max(20, int(2000 * scale))
    lbm, lbm_force = bench_lbm(n_lbm, repeats)
    lbm_c, c_force = bench_lbm_c(n_lbm, repeats)
    print()
    print("field simulators, one thread")
    print(f"{'simulator':<40}{'rate':>14}{'unit':>16}")
    print(f"{'2-D Burgers 128 x 128, Heun':<40}{burgers:>14.3e}{'cell-steps/s':>16}")
    print(f"{'coarse KdV, 20 nodes, RK4':<40}{kdv:>14.3e}{'cell-steps/s':>16}")
    print(f"{'cylinder LBM D2Q9 TRT, 440 x 82':<40}{lbm:>14.2f}{'MLUPS':>16}")
    if lbm_c is None:
        print(f"C baseline skipped: {c_force}")
        return None
    print(f"{'  same LBM loop in C (gcc -O3)':<40}{lbm_c:>14.2f}{'MLUPS':>16}")
    same = (
        "identical" if lbm_force == c_force else f"differs ({lbm_force} vs {c_force})"
    )
    print(f"final cylinder force of numba and C runs: {same}")
    return lbm_c / lbm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short, rough run")
    parser.add_argument(
        "--fields", action="store_true", help="only the field simulators"
    )
    opts = parser.parse_args(argv)
    scale = 0.1 if opts.quick else 1.0
    repeats = 2 if opts.quick else 5

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"cpus visible: {os.cpu_count()}, load average: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    lbm_ratio = bench_fields(scale, repeats)
    if lbm_ratio is not None:
        ok = "ok" if lbm_ratio <= 1.2 else "MISSED"
        print(f"  C / numba (LBM) <= 1.2   : {lbm_ratio:8.2f}  {ok}")
    if opts.fields:
        return
    n_numba = int(2e7 * scale)
    numba_rate, numba_x = bench_numba(n_numba, repeats)
    py_rate, _ = bench_python(int(2e5 * scale))
    np_rate, _ = bench_numpy(1000, int(2000 * scale))
    c_rate, c_x = bench_c(n_numba, repeats)

    print()
    print("RK4 on (x, y1, y2, y3), additive bistable, step 1e-3")
    print(f"{'implementation':<40}{'steps/s':>14}{'numba / it':>12}")
    rows = [
        ("numba kernel (1 thread)", numba_rate),
        ("pure Python, same loop", py_rate),
        ("NumPy, 1000 members vectorised", np_rate),
    ]
    if c_rate is not None:
        rows.append(("C, gcc -O3, same loop", c_rate))
    for name, rate in rows:
        print(f"{name:<40}{rate:>14.3e}{numba_rate / rate:>12.2f}")
    if c_rate is None:
        print(f"C baseline skipped: {c_x}")
    else:
        same = "identical" if numba_x == c_x else f"differs ({numba_x!r} vs {c_x!r})"
        print(f"final x of numba and C runs: {same}")
    print("(NumPy rate counts member-steps: members x steps per second)")

    n_members, per_member = 8, int(5e6 * scale)
    times, identical = bench_ensemble(n_members, per_member, repeats)
    print()
    print(
        f"joblib ensemble: make_bistable_additive, {n_members} members x "
        f"{per_member:.1e} RK4 steps (worker pool warmed up first)"
    )
    print(f"{'workers':<40}{'seconds':>14}{'speed-up':>12}")
    for label, seconds in times.items():
        print(f"{label:<40}{seconds:>14.3f}{times['1 core'] / seconds:>12.2f}")
    print(f"outputs bit-identical across runs: {identical}")
    control = bench_control(int(4e6 * scale), repeats)
    print(f"{'control: 4 pure-Python loops, 2 procs':<40}{'':>14}{control:>12.2f}")

    def verdict(ok):
        return "ok" if ok else "MISSED"

    vs_python = numba_rate / py_rate
    speed_up = times["1 core"] / times["2 cores, loky"]
    print()
    print("targets:")
    print(f"  numba / Python >= 100    : {vs_python:8.0f}  {verdict(vs_python >= 100)}")
    if c_rate is not None:
        vs_c = c_rate / numba_rate
        print(f"  C / numba <= 1.2         : {vs_c:8.2f}  {verdict(vs_c <= 1.2)}")
    print(f"  2-core speed-up >= 1.7   : {speed_up:8.2f}  {verdict(speed_up >= 1.7)}")
    print(
        "  (speed-ups need 2 idle cores: compare the load average printed above"
        " and the control row)"
    )


if __name__ == "__main__":
    main()
