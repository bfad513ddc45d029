"""Source time functions. Each is a callable t (s, array) -> dimensionless values.

A moment tensor (N m) or a force (N) multiplies its time function. For moment tensors the time
function is the normalised moment function, which rises from 0 to 1 (GCMT convention, so the
moment-rate is its derivative). Each function knows `start_time`, the time (s) from which it is
simulated: before it the function is below 2e-5 of its peak (Ricker: 1.8e-5; Gaussian moment
function: 2.1e-6, its rate 2.5e-5 of the peak rate; smoothed Heaviside and samples: 0). The
simulation starts there if that is before the origin time 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf


class SourceTimeFunction:
    start_time = 0.0

    def __call__(self, t):
        raise NotImplementedError


class Ricker(SourceTimeFunction):
    """Ricker wavelet (second derivative of a Gaussian, peak 1 at t = delay).

    f0 : dominant (peak) frequency, Hz; delay : s, default 1.2 / f0 (the wavelet is 1.8e-5 of its peak at t=0).
    """

    def __init__(self, f0: float, delay: float | None = None):
        if not f0 > 0:
            raise ValueError(f"Ricker f0 must be > 0 Hz, got {f0}")
        self.f0 = float(f0)
        self.delay = 1.2 / f0 if delay is None else float(delay)
        self.start_time = self.delay - 1.2 / self.f0

    def __call__(self, t):
        a = (np.pi * self.f0 * (np.asarray(t, dtype=float) - self.delay)) ** 2
        return (1.0 - 2.0 * a) * np.exp(-a)

    def __repr__(self):
        return f"Ricker(f0={self.f0}, delay={self.delay})"


class Gaussian(SourceTimeFunction):
    """GCMT moment function for a Gaussian moment rate of given half duration.

    M(t) = (1 + erf(alpha (t - time_shift))) / 2 with alpha = 1.628 / half_duration, the
    convention SPECFEM3D_GLOBE uses for a CMTSOLUTION half duration (a Gaussian whose width
    matches the GCMT triangle). With half_duration 0 it is a step at time_shift.
    """

    def __init__(self, half_duration: float, time_shift: float = 0.0):
        if not half_duration >= 0:
            raise ValueError(f"half_duration must be >= 0 s, got {half_duration}")
        self.half_duration = float(half_duration)
        self.time_shift = float(time_shift)
        self.start_time = self.time_shift - 2.0 * self.half_duration

    def __call__(self, t):
        t = np.asarray(t, dtype=float) - self.time_shift
        if self.half_duration == 0:
            return (t >= 0).astype(float)
        return 0.5 * (1.0 + erf(1.628 / self.half_duration * t))

    def __repr__(self):
        return f"Gaussian(half_duration={self.half_duration}, time_shift={self.time_shift})"


class SmoothedHeaviside(SourceTimeFunction):
    """A step from 0 to 1 with a raised-cosine ramp from `delay` to `delay + rise_time` (s)."""

    def __init__(self, rise_time: float, delay: float = 0.0):
        if not rise_time > 0:
            raise ValueError(f"rise_time must be > 0 s, got {rise_time}")
        self.rise_time = float(rise_time)
        self.delay = float(delay)
        self.start_time = self.delay

    def __call__(self, t):
        s = np.clip((np.asarray(t, dtype=float) - self.delay) / self.rise_time, 0.0, 1.0)
        return 0.5 * (1.0 - np.cos(np.pi * s))

    def __repr__(self):
        return f"SmoothedHeaviside(rise_time={self.rise_time}, delay={self.delay})"


class Sampled(SourceTimeFunction):
    """Any time function given as samples; linear interpolation between them.

    Before the first sample the value is values[0], after the last it is values[-1] (so a moment
    function that ends at 1 stays at 1).
    """

    def __init__(self, times, values):
        self.times = np.asarray(times, dtype=float)
        self.values = np.asarray(values, dtype=float)
        if self.times.ndim != 1 or self.times.shape != self.values.shape or len(self.times) < 2:
            raise ValueError("Sampled needs 1-D times and values of the same length (>= 2), got shapes "
                             f"{self.times.shape} and {self.values.shape}")
        if np.any(np.diff(self.times) <= 0) or not np.all(np.isfinite(self.values)):
            raise ValueError("Sampled needs strictly increasing times and finite values")
        self.start_time = float(self.times[0])

    def __call__(self, t):
        return np.interp(np.asarray(t, dtype=float), self.times, self.values)

    def __repr__(self):
        return f"Sampled({len(self.times)} samples from {self.times[0]} s to {self.times[-1]} s)"
