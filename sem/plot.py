"""Quick-look plots of seismograms (matplotlib, the `plot` extra)."""

from __future__ import annotations

import numpy as np

from .io.atomic import atomic_path


def plot_seismograms(result, path, title: str | None = None):
    """One panel per component, traces offset by receiver and normalised together; saved as PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    nrec = len(result.receivers)
    fig, axes = plt.subplots(1, 3, figsize=(12, 1.0 + 0.5 * max(nrec, 4)), sharey=True)
    scale = np.abs(result.data).max() or 1.0
    for c, ax in enumerate(axes):
        for r in range(nrec):
            ax.plot(result.times, r + 0.45 * result.data[r, c] / scale, "k", lw=0.8)
        ax.set_title(f"component {result.components[c]}")
        ax.set_xlabel("time after origin (s)")
    axes[0].set_yticks(range(nrec), [r.name for r in result.receivers])
    fig.suptitle(title or f"sem {result.quantity} (peak {scale:.3g})")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
