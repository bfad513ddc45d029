"""Element colouring: no two elements of one colour share a global point.

Colours let a parallel loop over elements scatter into global arrays without atomics
(all elements of one colour are independent).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _greedy(ibool_flat, npts_per_elem, nglob):
    nspec = ibool_flat.shape[0] // npts_per_elem
    colors = np.full(nspec, -1, dtype=np.int64)
    # for each global point, a bit mask of colours already used by elements touching it
    used = np.zeros(nglob, dtype=np.uint64)
    for e in range(nspec):
        mask = np.uint64(0)
        for p in range(npts_per_elem):
            mask |= used[ibool_flat[e * npts_per_elem + p]]
        c = 0
        while (mask >> np.uint64(c)) & np.uint64(1):
            c += 1
        if c >= 64:
            return colors, False
        colors[e] = c
        bit = np.uint64(1) << np.uint64(c)
        for p in range(npts_per_elem):
            used[ibool_flat[e * npts_per_elem + p]] |= bit
    return colors, True


def greedy_colors(ibool: np.ndarray) -> np.ndarray:
    """Greedy colouring of elements in order, shape (nspec,) int64 colours starting at 0."""
    nspec = ibool.shape[0]
    npts = int(np.prod(ibool.shape[1:]))
    colors, ok = _greedy(np.ascontiguousarray(ibool.reshape(-1)), npts, int(ibool.max()) + 1)
    if not ok:
        raise RuntimeError("element colouring needs more than 64 colours; the mesh connectivity is unusual")
    return colors


def color_batches(colors: np.ndarray) -> list[np.ndarray]:
    """Element indices grouped by colour, a list of int64 arrays."""
    order = np.argsort(colors, kind="stable")
    splits = np.flatnonzero(np.diff(colors[order])) + 1
    return np.split(order, splits)
