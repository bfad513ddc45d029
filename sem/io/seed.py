"""SEED naming of synthetic channels: band codes and component letters.

Needs nothing but the standard library, so that both `sem.result` and the io modules that describe
stations (`sem.io.stations`) can import it without importing each other.
"""

from __future__ import annotations

CARTESIAN = ("X", "Y", "Z")
"""Component letters of Cartesian (x, y, z) seismograms."""
GEOGRAPHIC = ("Z", "N", "E")
"""Component letters of seismograms rotated to (up, north, east) at geographic receivers."""
INSTRUMENT = "X"
"""SEED instrument code of synthetic data."""


def band_code(dt: float) -> str:
    """SEED band code for a sampling interval dt (s) (SEED manual, appendix A; broadband periods)."""
    rate = 1.0 / dt
    for code, low in (("F", 1000), ("C", 250), ("H", 80), ("B", 10), ("M", 1.0001), ("L", 0.95),
                      ("V", 0.095), ("U", 0.0095)):
        if rate >= low:
            return code
    return "R"


def channel_code(dt: float, component: str) -> str:
    """SEED channel code of a synthetic trace: band code, instrument 'X', component letter."""
    return f"{band_code(dt)}{INSTRUMENT}{component}"
