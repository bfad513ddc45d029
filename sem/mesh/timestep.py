"""The Courant time-step rule, the one place it is defined.

    dt = COURANT * min over elements of (smallest GLL spacing / largest wave speed)

with the smallest distance between neighbouring GLL points of each element and the largest wave
speed at its GLL points. The explicit Newmark scheme measured stable up to Courant numbers of
0.55-0.7 on regular meshes for polynomial orders 1-8; the default 0.4 leaves room for distorted
elements.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COURANT", "courant_dt"]

#: The default Courant number of the rule above.
COURANT = 0.4


def courant_dt(min_gll_spacing, max_velocity, courant: float = COURANT) -> tuple[float, int]:
    """The Courant time step of a mesh and the element that sets it.

    min_gll_spacing : (nspec,) smallest GLL spacing of each element, m.
    max_velocity : (nspec,) largest wave speed in each element, m/s.
    Returns (dt in s, index of the element with the smallest spacing / velocity).
    """
    ratio = np.asarray(min_gll_spacing, dtype=np.float64) / np.asarray(max_velocity, dtype=np.float64)
    if ratio.ndim != 1 or ratio.size == 0:
        raise ValueError(f"courant_dt needs non-empty per-element arrays (nspec,), got shape {ratio.shape}")
    e = int(np.argmin(ratio))
    return float(courant * ratio[e]), e
