"""Figures for judging reduced models (needs the ``plot`` extra: matplotlib).

Every function draws on a given ``ax`` (or a new one), returns the axes and
never calls ``show()``, so figures compose into papers and notebooks.
"""

from ._calibration import plot_rank_histogram, plot_reliability_diagram
from ._ensembles import plot_fan_chart
from ._fields import plot_space_time
from ._forecast import plot_forecast_skill
from ._save import save_figures
from ._statistics import plot_acf, plot_pdf

__all__ = [
    "save_figures",
    "plot_acf",
    "plot_fan_chart",
    "plot_forecast_skill",
    "plot_pdf",
    "plot_rank_histogram",
    "plot_reliability_diagram",
    "plot_space_time",
]
