"""Shared test fixtures that are plain functions (importable as `helpers`)."""

import numpy as np


def wavy(x, amplitude=1.0):
    """A smooth map of the unit box onto a curved body (every element stays valid), (..., 3) -> (..., 3)."""
    out = x.copy()
    out[..., 0] += amplitude * 0.06 * np.sin(2.0 * x[..., 1]) * np.sin(1.5 * x[..., 2])
    out[..., 1] += amplitude * 0.05 * np.sin(1.7 * x[..., 2] + 0.3)
    out[..., 2] += amplitude * 0.04 * np.cos(1.3 * x[..., 0]) * x[..., 2]
    return out


def relative_l2(a, b):
    """||a - b|| / ||b|| over the last axis, any leading shape."""
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)
