"""Forecast skill against lead time."""

import numpy as np

from ._axes import get_axes

__all__ = ["plot_forecast_skill"]


def plot_forecast_skill(
    lead_times, skills, *, lyapunov_time=None, ylabel="skill", ax=None
):
    """Forecast skill of several models against lead time.

    Parameters
    ----------
    lead_times : array-like of shape (n_leads,)
        Lead times.
    skills : dict of str to array-like of shape (n_leads,)
        Skill (or error) of each model at each lead time.
    lyapunov_time : float, optional
        If given, the lead-time axis is in Lyapunov times.
    ylabel : str, default="skill"
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_forecast_skill
    >>> lead = np.linspace(0, 1, 5)
    >>> ax = plot_forecast_skill(lead, {"hybrid": 1 - lead / 3, "langevin": 1 - lead / 2},
    ...                          lyapunov_time=0.28)
    >>> ax.get_xlabel()
    'lead time (Lyapunov times)'
    """
    ax = get_axes(ax)
    lead = np.asarray(lead_times, dtype=float)
    x = lead / lyapunov_time if lyapunov_time else lead
    for label, s in skills.items():
        s = np.asarray(s, dtype=float)
        if s.shape != lead.shape:
            raise ValueError(
                f"skills[{label!r}] has shape {s.shape}, lead_times {lead.shape}."
            )
        ax.plot(x, s, marker="o", ms=3, label=label)
    ax.set_xlabel("lead time (Lyapunov times)" if lyapunov_time else "lead time")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax
