"""The direct reference: perturbed against unperturbed runs with common noise."""

import numbers

import numpy as np
from sklearn.utils import Bunch

from .._ensemble import check_n_jobs, run_ensemble
from .._validation import SimulationBlowUpError, check_int
from ._linear import check_kind
from ._observables import evaluate_observable
from ._perturbations import check_perturbation

__all__ = ["ensemble_response"]


def _run(simulator, state, n_steps, seed, forcing, index, which, amplitude):
    try:
        path = np.asarray(simulator(state, n_steps, seed, forcing=forcing))
    except SimulationBlowUpError as exc:
        raise SimulationBlowUpError(
            f"ensemble_response: the {which} run of member {index} blew up "
            f"(amplitude={amplitude:g}): {exc} Lower the amplitude or n_steps."
        ) from exc
    if path.ndim == 3 and path.shape[0] == 1:
        path = path[0]
    if path.ndim != 2 or path.shape[0] != n_steps:
        raise ValueError(
            f"ensemble_response: the simulator returned shape {path.shape} for "
            f"n_steps={n_steps}; expected (n_steps, n_features)."
        )
    if not np.all(np.isfinite(path)):
        raise SimulationBlowUpError(
            f"ensemble_response: the {which} run of member {index} returned "
            f"NaN/inf (amplitude={amplitude:g}). Lower the amplitude or n_steps."
        )
    return path


def _member(rng, index, simulator, states, n_steps, u, amplitude, kind, observable):
    # ``kind`` is "step", "impulse" or "impulse2" (the kick both ways)
    # one seed for both runs of the member: the common noise
    seed = int(rng.integers(2**63))
    state = states[index]
    d = u.size
    zero = np.zeros(d)
    base = _run(simulator, state, n_steps, seed, zero, index, "unperturbed", amplitude)
    if kind == "step":
        pert = _run(
            simulator,
            state,
            n_steps,
            seed,
            amplitude * u,
            index,
            "perturbed",
            amplitude,
        )
    else:
        kicked = state.copy()
        kicked[:d] += amplitude * u
        pert = _run(
            simulator, kicked, n_steps, seed, zero, index, "perturbed", amplitude
        )
    a_pert = evaluate_observable(observable, pert)
    a_base = evaluate_observable(observable, base)
    if kind != "impulse2":
        return (a_pert - a_base) / amplitude
    kicked = state.copy()
    kicked[:d] -= amplitude * u
    minus = _run(simulator, kicked, n_steps, seed, zero, index, "perturbed", amplitude)
    a_minus = evaluate_observable(observable, minus)
    # central differences: first order without the delta^2 bias, and the second
    return np.stack(
        [
            (a_pert - a_minus) / (2.0 * amplitude),
            (a_pert + a_minus - 2.0 * a_base) / amplitude**2,
        ]
    )


def ensemble_response(
    simulator,
    initial_states,
    perturbation,
    *,
    n_steps=100,
    amplitude=0.05,
    observable=None,
    kind="step",
    order=1,
    random_state=None,
    n_jobs=None,
):
    r"""Response of ``<A>`` measured by perturbation ensembles of a simulator.

    From each initial state (drawn from the invariant measure, e.g. states of
    a long unperturbed run), the simulator runs twice with the same noise:
    once unperturbed, once perturbed by ``amplitude * u`` (a constant forcing
    from ``t = 0`` for ``kind="step"``, a kick of the initial state for
    ``kind="impulse"``). The response is the mean of
    ``(A(perturbed) - A(unperturbed)) / amplitude`` over the members, with
    its standard error; common noise cancels most of the spread, so far
    fewer members are needed than with independent runs.

    Read more in the :ref:`User Guide <response>`.

    Parameters
    ----------
    simulator : callable
        ``simulator(initial_state, n_steps, random_state, *, forcing)``
        returning the observed trajectory of shape (n_steps, n_features),
        with ``forcing`` of shape (n_features,) added to the drift of the
        observed features, which are the first ``n_features`` entries of
        ``initial_state``. It must be picklable for ``n_jobs > 1``; see
        :class:`SlowFastSimulator` and :class:`Lorenz96Simulator`.
    initial_states : array-like of shape (n_members, n_state)
        One initial (full) state per member.
    perturbation : array-like of shape (n_features,)
        The constant perturbation ``u``.
    n_steps : int, default=100
        Observed points per run, the initial one included.
    amplitude : float, default=0.05
        ``delta``: small enough for a linear response, large enough to stand
        above round-off.
    observable : None or callable, default=None
        ``A`` (see :func:`score_response`).
    kind : {"step", "impulse"}, default="step"
        Constant forcing from ``t = 0``, or kick at ``t = 0``.
    order : {1, 2}, default=1
        2 (with ``kind="impulse"``) also kicks by ``-amplitude * u`` and
        returns the second-order response ``second_order`` (the coefficient
        of ``delta**2 / 2``, from ``A(+) + A(-) - 2 A(0)``), with
        ``second_order_stderr``; the first order is then the central
        difference ``(A(+) - A(-)) / (2 delta)``.
    random_state : None, int, SeedSequence or Generator, default=None
        Member ``i`` draws its noise seed from child ``i`` of one
        ``SeedSequence``: the result does not depend on ``n_jobs``.
    n_jobs : int or None, default=None
        Members run in parallel with joblib.

    Returns
    -------
    result : Bunch
        ``time`` of shape (n_steps,) (in units of ``simulator.dt`` when it has
        one, else steps); ``response`` and ``stderr`` (standard error of the
        mean over members) of shape (n_steps, n_observables); ``kind``;
        ``n_members``; ``amplitude``; with ``order=2``, ``second_order`` and
        ``second_order_stderr`` of the same shape as ``response``.

    Raises
    ------
    SimulationBlowUpError
        If a run blows up; names the member and whether it was perturbed.

    See Also
    --------
    score_response : The same response from unperturbed data and a score.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.datasets import make_lorenz96
    >>> from skrom.response import Lorenz96Simulator, ensemble_response
    >>> starts = make_lorenz96(1, 40, noise=0.5, random_state=0)[0]
    >>> u = np.eye(8)[0]
    >>> r = ensemble_response(Lorenz96Simulator(noise=0.5), starts, u, n_steps=10,
    ...                       random_state=0)
    >>> r.response.shape, r.stderr.shape
    ((10, 8), (10, 8))
    """
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    if (
        isinstance(amplitude, bool)
        or not isinstance(amplitude, numbers.Real)
        or not (np.isfinite(amplitude) and amplitude != 0)
    ):
        raise ValueError(
            f"amplitude must be a finite nonzero number, got {amplitude!r}."
        )
    check_kind(kind)
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}.")
    if order == 2 and kind != "impulse":
        raise ValueError("order=2 needs kind='impulse'.")
    check_n_jobs(n_jobs)
    if not callable(simulator):
        raise TypeError(f"simulator must be callable, got {type(simulator).__name__}.")
    states = np.array(initial_states, dtype=np.float64)
    if states.ndim != 2 or states.shape[0] < 2:
        raise ValueError(
            "initial_states must have shape (n_members, n_state) with at least 2 "
            f"members (for the error bar); got shape {states.shape}."
        )
    if not np.all(np.isfinite(states)):
        raise ValueError("initial_states contains NaN or infinity.")
    _, u = check_perturbation(perturbation, np.size(perturbation))
    if u is None:
        raise ValueError(
            "ensemble_response perturbs by a constant vector; got a "
            "GradientPerturbation."
        )
    if u.size > states.shape[1]:
        raise ValueError(
            f"the perturbation has {u.size} entries but the initial states only "
            f"{states.shape[1]}."
        )
    # one observed point from the first state: a simulator that does not fit
    # the perturbation is named before the ensemble starts
    try:
        probe = np.asarray(simulator(states[0], 1, 0, forcing=np.zeros(u.size)))
    except ValueError as exc:
        raise ValueError(
            f"ensemble_response: the simulator does not take a perturbation of "
            f"{u.size} entries from initial states of {states.shape[1]}: {exc}"
        ) from exc
    if probe.shape[-1] != u.size:
        raise ValueError(
            f"ensemble_response: the simulator observes {probe.shape[-1]} features "
            f"but the perturbation has {u.size} entries."
        )
    diffs = run_ensemble(
        _member,
        states.shape[0],
        random_state=random_state,
        n_jobs=n_jobs,
        args=(
            simulator,
            states,
            n_steps,
            u,
            float(amplitude),
            "impulse2" if order == 2 else kind,
            observable,
        ),
    )
    n = diffs.shape[0]
    dt = getattr(simulator, "dt", 1.0)
    second = None
    if order == 2:
        diffs, second = diffs[:, 0], diffs[:, 1]
    result = Bunch(
        time=dt * np.arange(n_steps),
        response=diffs.mean(axis=0),
        stderr=diffs.std(axis=0, ddof=1) / np.sqrt(n),
        kind=kind,
        n_members=n,
        amplitude=float(amplitude),
    )
    if second is not None:
        result.second_order = second.mean(axis=0)
        result.second_order_stderr = second.std(axis=0, ddof=1) / np.sqrt(n)
    return result
