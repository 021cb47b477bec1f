"""Where torch runs: the device and the number of intra-op threads."""

import contextlib

import torch
from joblib import effective_n_jobs

__all__ = ["resolve_device", "torch_threads"]


def resolve_device(device):
    """Return a :class:`torch.device`, refusing CUDA where none is available."""
    if device is None:
        device = "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device {device!r} is not a valid torch device: {exc}"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available.")
    return dev


@contextlib.contextmanager
def torch_threads(n_jobs):
    """Run torch on ``n_jobs`` intra-op threads inside the block.

    One thread makes small networks bit-identical whatever the machine (a
    multi-threaded reduction may round differently) and costs little on
    them; larger ones may want more.

    Parameters
    ----------
    n_jobs : int or None
        Threads, in joblib's convention (``-1``: all cores). None leaves
        torch's setting as it is.
    """
    if n_jobs is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, effective_n_jobs(n_jobs)))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
