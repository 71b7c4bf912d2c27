"""Show escsim's figures on screen or in a notebook: :func:`display`.

escsim draws on plain :class:`~matplotlib.figure.Figure` objects (no pyplot state), so a figure
appears on its own only as the last value of a notebook cell. In a loop, in a script, or with
``plt.show()``, hand it to :func:`display`::

    for fig in (sim.plot_rungs(), sim.plot_survival()):
        escsim.display(fig)          # a notebook shows each; a script opens a window each
"""

from __future__ import annotations

from typing import Any


def display(*figures: Any) -> None:
    """Show ``figures``: in a notebook, inline, one after another; in a script, through
    pyplot's current backend (``plt.show()`` then shows them, as it shows pyplot's own).

    Args:
        figures: matplotlib Figures, as escsim's plot functions and ``Simulation.plot_*``
            return them.
    """
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display as ipy_display

        for fig in figures:
            ipy_display(fig)
        return
    import matplotlib.pyplot as plt

    for fig in figures:
        # adopt the figure into pyplot: a manager of the current backend gets its canvas
        manager = plt.figure().canvas.manager
        if manager is None:  # a non-interactive backend (Agg): nothing to open
            continue
        manager.canvas.figure = fig
        fig.set_canvas(manager.canvas)
