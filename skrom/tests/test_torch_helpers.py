import pytest
import torch

from skrom._torch import make_mlp, resolve_device, torch_seed


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
