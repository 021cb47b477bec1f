import numpy as np
import pytest
import torch

from skrom._torch import make_mlp, resolve_device, to_tensor, torch_seed, torch_threads


def test_torch_seed_reproducible_and_restores_state():
    before = torch.random.get_rng_state()
    with torch_seed(3):
        a = torch.randn(4)
    with torch_seed(3):
        b = torch.randn(4)
    assert torch.equal(a, b)
    assert torch.equal(before, torch.random.get_rng_state())


def test_mlp_shapes_and_bad_activation():
    net = make_mlp(3, (8, 4), 2, "swish")
    assert net(torch.zeros(5, 3, dtype=torch.float64)).shape == (5, 2)
    with pytest.raises(ValueError, match="activation"):
        make_mlp(3, (8,), 2, "sigmoidish")


def test_device_checks():
    assert resolve_device(None).type == "cpu"
    with pytest.raises(ValueError):
        resolve_device("not-a-device")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device("cuda")


def test_old_helpers_importable_from_the_package():
    import skrom._torch as package

    for name in (
        "resolve_device",
        "torch_seed",
        "make_mlp",
        "ACTIVATIONS",
        "to_tensor",
    ):
        assert hasattr(package, name)


def test_torch_threads_sets_and_restores():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_torch_threads_restores_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError
    assert torch.get_num_threads() == before


def test_to_tensor_copies():
    a = np.arange(3.0)
    t = to_tensor(a)
    t[0] = 7.0
    assert a[0] == 0.0 and t.dtype == torch.float64
