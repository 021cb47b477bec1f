"""The torch training loop (skrom._torch.train) and its callbacks."""

import functools
import math

import numpy as np
import pytest
import torch

from skrom._torch import (
    Callback,
    EarlyStopping,
    GradientClipping,
    LRSchedule,
    StopAtTarget,
    train,
)
from skrom.exceptions import TrainingDivergedError


def _problem(n=40, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g, dtype=dtype)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=dtype) + 0.1
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        module = torch.nn.Linear(3, 1, dtype=dtype)
    return module, X, y


def _batches(n, batch_size, seed=0):
    rng = np.random.default_rng(seed)

    def batches(epoch):
        perm = rng.permutation(n)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            yield idx, len(idx)

    return batches


def test_matches_a_hand_written_loop_bit_for_bit():
    """Same Adam steps, schedule and float64 running totals as a plain loop."""
    module, X, y = _problem()
    ref, _, _ = _problem()
    opt = torch.optim.Adam(ref.parameters(), lr=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5 * 3)
    rng = np.random.default_rng(0)
    expected = []
    for _ in range(5):
        perm = rng.permutation(40)
        total = 0.0
        for i in range(0, 40, 16):
            idx = perm[i : i + 16]
            loss = ((ref(X[idx]) - y[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        expected.append(total / 40)

    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 16),
        max_epochs=5,
        learning_rate=0.05,
        callbacks=[
            LRSchedule(
                lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=15),
                every="step",
            )
        ],
    )
    assert [h["train_loss"] for h in history] == expected
    assert [h["epoch"] for h in history] == list(range(5))
    for a, b in zip(module.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)


def test_epoch_schedule_logs_the_rate_the_epoch_used():
    module, X, y = _problem()
    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=3,
        learning_rate=1e-2,
        callbacks=[
            LRSchedule(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.5))
        ],
    )
    assert [h["lr"] for h in history] == [1e-2, 5e-3, 2.5e-3]
    with pytest.raises(ValueError, match="every"):
        LRSchedule(lambda o: None, every="batch")


def test_early_stopping_stops_and_restores_the_best_weights():
    module, X, y = _problem()
    scripted = iter([3.0, 1.0, 2.0, 2.5, 0.5, 0.1])
    snapshots = []

    class Snapshot(Callback):
        def on_epoch_end(self, loop, log):
            snapshots.append(module.weight.detach().clone())

    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=6,
        learning_rate=1e-2,
        evaluate=lambda: next(scripted),
        callbacks=[EarlyStopping("eval_loss", patience=2), Snapshot()],
    )
    # best at epoch 1, no improvement in epochs 2 and 3: stop after 3
    assert [h["eval_loss"] for h in history] == [3.0, 1.0, 2.0, 2.5]
    assert torch.equal(module.weight, snapshots[1])


def test_early_stopping_without_patience_runs_all_epochs_and_keeps_best():
    module, X, y = _problem()
    scripted = iter([3.0, 1.0, 2.0])
    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=3,
        learning_rate=1e-2,
        evaluate=lambda: next(scripted),
        callbacks=[EarlyStopping("eval_loss")],
    )
    assert len(history) == 3


def test_evaluate_runs_in_eval_mode_without_gradients():
    module, X, y = _problem()
    seen = []

    def evaluate():
        seen.append((module.training, torch.is_grad_enabled()))
        return 0.0

    train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=2,
        learning_rate=1e-2,
        evaluate=evaluate,
    )
    assert seen == [(False, False), (False, False)]
    assert module.training


def test_stop_at_target():
    module, X, y = _problem()
    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 10),
        max_epochs=500,
        learning_rate=0.05,
        callbacks=[StopAtTarget("train_loss", 0.5)],
    )
    assert history[-1]["train_loss"] <= 0.5 < history[-2]["train_loss"]
    assert len(history) < 500


def test_gradient_clipping_before_the_update():
    module, X, y = _problem()
    norms = []

    class Norm(Callback):
        def on_after_backward(self, loop):
            norms.append(
                float(
                    torch.linalg.vector_norm(
                        torch.stack([p.grad.norm() for p in loop.params])
                    )
                )
            )

    train(
        module,
        lambda idx: 1e3 * ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=2,
        learning_rate=1e-3,
        callbacks=[GradientClipping(0.25), Norm()],
    )
    assert max(norms) <= 0.25 * (1 + 1e-6)


def test_metrics_are_weighted_means_over_the_epoch():
    module, X, y = _problem()

    def step(idx):
        loss = ((module(X[idx]) - y[idx]) ** 2).mean()
        return loss, torch.stack(
            (loss, torch.tensor(float(len(idx)), dtype=loss.dtype))
        )

    history = train(
        module,
        step,
        _batches(40, 16),
        max_epochs=2,
        learning_rate=1e-2,
        metric_names=("same", "size"),
    )
    for h in history:
        assert h["same"] == h["train_loss"]
        # batches of 16, 16 and 8 rows, weighted by their rows
        assert h["size"] == pytest.approx((16 * 16 + 16 * 16 + 8 * 8) / 40)


def test_lbfgs_through_the_closure_and_loss_unit():
    module, X, y = _problem()
    lbfgs = functools.partial(
        torch.optim.LBFGS, max_iter=20, line_search_fn="strong_wolfe"
    )
    history = train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        lambda epoch: [(slice(None), 40)],
        max_epochs=3,
        learning_rate=1.0,
        optimizer=lbfgs,
        evaluate=lambda: float(((module(X) - y) ** 2).mean()),
        monitor="eval_loss",
        loss_unit=2.0,
    )
    assert history[-1]["eval_loss"] < 1e-8
    # the training loss is the one at the start of each step, in loss_unit
    assert history[0]["train_loss"] > 2.0 * history[0]["eval_loss"]


def test_dtype_device_and_threads():
    module, X, y = _problem(dtype=torch.float32)
    X, y = X.double(), y.double()
    seen = []

    def step(idx):
        seen.append(torch.get_num_threads())
        return ((module(X[idx]) - y[idx]) ** 2).mean()

    before = torch.get_num_threads()
    train(
        module,
        step,
        _batches(40, 40),
        max_epochs=1,
        learning_rate=1e-2,
        dtype=torch.float64,
        device=torch.device("cpu"),
        n_threads=1,
    )
    assert module.weight.dtype == torch.float64
    assert seen == [1] and torch.get_num_threads() == before


def test_verbose_progress_bar(capsys):
    module, X, y = _problem()
    train(
        module,
        lambda idx: ((module(X[idx]) - y[idx]) ** 2).mean(),
        _batches(40, 40),
        max_epochs=2,
        learning_rate=1e-2,
        name="MyEstimator",
        verbose=1,
    )
    assert "MyEstimator" in capsys.readouterr().err


def test_no_host_sync_per_step(monkeypatch):
    """The step losses are read back once per epoch, never one by one."""
    module, X, y = _problem()
    storages = set()
    reads = {"each": 0, "epoch": 0}

    def step(idx):
        loss = ((module(X[idx]) - y[idx]) ** 2).mean()
        storages.add(loss.data_ptr())
        return loss

    def counting(method, key, loss_only):
        def wrapped(self, *args):
            if not loss_only or self.data_ptr() in storages:
                reads[key] += 1
            return method(self, *args)

        return wrapped

    for name in ("item", "__float__"):
        method = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, counting(method, "each", True))
    monkeypatch.setattr(
        torch.Tensor, "tolist", counting(torch.Tensor.tolist, "epoch", False)
    )
    train(module, step, _batches(40, 4), max_epochs=3, learning_rate=1e-2)
    assert reads == {"each": 0, "epoch": 3}


# ------------------------------------------------------------- divergence
def test_error_class_catches_as_before():
    assert issubclass(TrainingDivergedError, FloatingPointError)
    assert issubclass(TrainingDivergedError, ValueError)
    import skrom._torch

    assert skrom._torch.TrainingDivergedError is TrainingDivergedError


def test_non_finite_loss_raises_naming_estimator_epoch_and_advice():
    module, X, y = _problem()
    y = y.clone()
    losses = iter([1.0, 2.0, math.inf])

    def step(idx):
        loss = ((module(X[idx]) - y[idx]) ** 2).mean()
        return loss * 0.0 + next(losses)

    with pytest.raises(TrainingDivergedError) as info:
        train(
            module,
            step,
            lambda epoch: [(slice(None), 1)],
            max_epochs=5,
            learning_rate=1e-2,
            name="MyEstimator",
            divergence_hint="or window",
        )
    message = str(info.value)
    for part in ("MyEstimator", "epoch 3 of 5", "inf", "lower learning_rate or window"):
        assert part in message


def _scripted(losses, **kwargs):
    module, X, y = _problem()
    values = iter(losses)

    def step(idx):
        return ((module(X[idx]) - y[idx]) ** 2).mean() * 0.0 + next(values)

    return train(
        module,
        step,
        lambda epoch: [(slice(None), 1)],
        max_epochs=len(losses),
        learning_rate=1e-3,
        name="MyEstimator",
        **kwargs,
    )


def test_blow_up_raises():
    with pytest.raises(TrainingDivergedError, match="started at 0.5"):
        _scripted([0.5, 10.0, 3e23])


@pytest.mark.parametrize(
    "losses",
    [
        [0.5, 0.1, 400.0],  # above the start, but less than 1e3 x max(|L0|, 1)
        [-2.0, -5.0, 1500.0],  # negative log-likelihoods: 1998 is the bar
        [1e-9, 1e-3, 1e-2],  # tiny start: the floor, not 1e3 x 1e-9
        [5000.0, 1e4, 4e6],  # large start: relative
    ],
)
def test_rises_below_the_criterion_pass(losses):
    assert len(_scripted(losses)) == len(losses)


def test_blow_up_of_the_monitored_loss():
    scripted = iter([1.0, 2.0, 5e6])
    with pytest.raises(TrainingDivergedError, match="evaluated loss"):
        _scripted([1.0, 1.0, 1.0], evaluate=lambda: next(scripted), monitor="eval_loss")
