"""The torch estimators on a GPU: fit on CUDA, load on CPU, same numbers.

Run on a machine with CUDA: ``python benchmarks/check_gpu_path.py``. For each
torch estimator it fits the same small problem on the CPU and on the GPU and
prints the fit time of each, the held-out score of each (they differ only by
float rounding and the device's kernels), that the fitted modules live on the
CPU after a GPU fit, and that a pickled GPU-fitted model samples identically
after loading (to the last bit) on the CPU.
"""

import pickle
import sys
import time

import numpy as np
import torch

from skrom.coarse import CoarseSDE
from skrom.datasets import make_bistable_additive, make_burgers_1d, make_exp_ou
from skrom.flows import SFMLFlow
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM


def _module_devices(est):
    """Devices of every torch parameter held by ``est`` or its fitted sub-estimators."""
    devs = set()
    for value in vars(est).values():
        if isinstance(value, torch.nn.Module):
            devs |= {p.device.type for p in value.parameters()}
        elif hasattr(value, "get_params") and not isinstance(value, type):
            devs |= _module_devices(value)
    return devs


GPU = sys.argv[1] if len(sys.argv) > 1 else "cuda"  # "cpu" for a dry run


def check(name, make, X_train, X_test, sample_kw):
    rows = {}
    for label, device in (("cpu", "cpu"), ("cuda", GPU)):
        est = make(device)
        t0 = time.perf_counter()
        est.fit(X_train)
        if device == "cuda":
            torch.cuda.synchronize()
        rows[label] = (time.perf_counter() - t0, est.score(X_test), est)
    gpu_est = rows["cuda"][2]
    back = pickle.loads(pickle.dumps(gpu_est))
    a = gpu_est.sample(**sample_kw, random_state=3)
    b = back.sample(**sample_kw, random_state=3)
    print(
        f"{name:<18} fit cpu {rows['cpu'][0]:7.2f} s  gpu {rows['cuda'][0]:7.2f} s | "
        f"score cpu {rows['cpu'][1]: .4f}  gpu {rows['cuda'][1]: .4f} | "
        f"modules after gpu fit on {sorted(_module_devices(gpu_est))} | "
        f"pickled sample identical: {np.array_equal(a, b)} finite: {np.isfinite(a).all()}"
    )
    return np.array_equal(a, b) and np.isfinite(a).all()


def main():
    if GPU == "cuda" and not torch.cuda.is_available():
        print("CUDA is not available here: nothing to check.")
        return 0
    where = torch.cuda.get_device_name(0) if GPU == "cuda" else "cpu (dry run)"
    print(f"torch {torch.__version__} on {where}")
    ok = True
    ou = make_exp_ou(1000, 11, dt=0.01, x0_range="paper", random_state=0)
    ou_test = make_exp_ou(200, 11, dt=0.01, x0_range="paper", random_state=1)
    ok &= check(
        "SFMLFlow",
        lambda d: SFMLFlow(dt=0.01, max_epochs=10, device=d, random_state=0),
        ou,
        ou_test,
        dict(n_steps=50, x0=np.array([1.1]), n_paths=256),
    )
    bi = make_bistable_additive(2, 3000, dt=0.01, random_state=0)
    bi_test = make_bistable_additive(1, 2000, dt=0.01, random_state=1)
    ok &= check(
        "DelayNODEForcing",
        lambda d: DelayNODEForcing(
            dt=0.01,
            n_delays=6,
            hidden_layers=(64, 64),
            max_epochs=3,
            n_windows=128,
            window=30,
            device=d,
            random_state=0,
        ),
        bi,
        bi_test,
        dict(n_steps=100, n_paths=4),
    )
    ok &= check(
        "HybridLangevinROM",
        lambda d: HybridLangevinROM(
            forcing=DelayNODEForcing(
                dt=0.01,
                n_delays=6,
                hidden_layers=(64, 64),
                max_epochs=3,
                n_windows=128,
                window=30,
                device=d,
                random_state=0,
            ),
            dt=0.01,
            random_state=0,
        ),
        bi,
        bi_test,
        dict(n_steps=500, n_paths=4),
    )
    bu = make_burgers_1d(4, 41, dt=0.01, n_grid=200, random_state=0)
    bu_test = make_burgers_1d(2, 41, dt=0.01, n_grid=200, random_state=1)
    ok &= check(
        "CoarseSDE",
        lambda d: CoarseSDE(
            n_coarse=20, n_micro=3, dt=0.01, max_epochs=20, device=d, random_state=0
        ),
        bu,
        bu_test,
        dict(n_steps=20, x0=bu_test[0, 0], n_paths=4),
    )
    print("ALL OK" if ok else "SOME CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
