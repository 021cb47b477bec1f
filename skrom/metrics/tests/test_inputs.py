"""The metrics take trajectories with the estimators' input checks."""

import numpy as np
import pytest

from skrom.metrics import acf_error, pdf_kl_divergence


def test_numeric_object_arrays_are_converted():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 500, 1)), rng.standard_normal((2, 500, 1))
    assert pdf_kl_divergence(a.astype(object), b) == pdf_kl_divergence(a, b)
    assert acf_error(a[0, :, 0].astype(object), b[0, :, 0], 10) == acf_error(
        a[0, :, 0], b[0, :, 0], 10
    )


@pytest.mark.parametrize(
    "bad, err",
    [
        (np.array([["a"], ["b"]] * 50, dtype=object), TypeError),
        (np.array(["x"] * 100, dtype=object), TypeError),
        (np.ones((100, 1)) + 1j, ValueError),
    ],
)
def test_non_numeric_and_complex_are_refused(bad, err):
    with pytest.raises(err):
        pdf_kl_divergence(bad, np.ones((100, 1)))
