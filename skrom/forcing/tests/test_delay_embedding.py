"""decorrelation_lag on edge cases: constant features, lags past the data."""

import numpy as np

from skrom.forcing._delay_embedding import decorrelation_lag
from skrom.metrics import autocorrelation


def _ar1(a, n, seed):
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for i in range(1, n):
        y[i] = a * y[i - 1] + rng.normal()
    return y


def test_lag_is_where_the_metrics_acf_falls_below_the_threshold():
    Y = np.stack([_ar1(0.8, 3000, 0), _ar1(0.8, 3000, 1)])[:, :, None]
    acf = autocorrelation(Y, 1500)[:, 0]
    want = int(np.flatnonzero(acf[1:] < 0.3)[0]) + 1
    assert decorrelation_lag(Y, threshold=0.3) == want


def test_constant_features_count_as_decorrelated():
    y = _ar1(0.9, 5000, 0)
    Y = np.stack([y, np.full_like(y, 2.0)], axis=1)[None]
    assert decorrelation_lag(Y) == decorrelation_lag(Y[:, :, :1])
    assert decorrelation_lag(np.zeros((2, 50, 3))) == 1
    assert decorrelation_lag(np.zeros((1, 1, 1))) == 0


def test_max_lag_is_clipped_to_the_data():
    y = _ar1(0.5, 40, 0)[None, :, None]
    # a threshold no ACF falls below: the answer is the largest lag examined
    assert decorrelation_lag(y, threshold=-10.0, max_lag=500) == 39
    assert decorrelation_lag(y, threshold=-10.0, max_lag=7) == 7
