"""Seismograms of a run: times, data and receiver metadata, with conversion to ObsPy and files."""

from __future__ import annotations

import numpy as np

CARTESIAN = ("X", "Y", "Z")


def band_code(dt: float) -> str:
    """SEED band code for a sampling interval dt (s) (SEED manual, appendix A; broadband periods)."""
    rate = 1.0 / dt
    for code, low in (("F", 1000), ("C", 250), ("H", 80), ("B", 10), ("M", 1.0001), ("L", 0.95),
                      ("V", 0.095), ("U", 0.0095)):
        if rate >= low:
            return code
    return "R"


class Result:
    """times (nt,) s relative to the origin time; data (nrec, 3, nt) in SI units (m, m/s or m/s^2)."""

    def __init__(self, times, data, receivers, quantity="displacement", sources=(), origin_time=None,
                 components=CARTESIAN):
        self.times = np.asarray(times)
        self.data = np.asarray(data)
        self.receivers = list(receivers)
        self.quantity = quantity
        self.sources = list(sources)
        self.origin_time = origin_time
        self.components = tuple(components)
        if self.data.shape != (len(self.receivers), 3, len(self.times)):
            raise ValueError(f"data shape {self.data.shape} does not match {len(self.receivers)} receivers "
                             f"and {len(self.times)} times")

    @property
    def dt(self) -> float:
        return float(self.times[1] - self.times[0])

    def trace(self, name: str) -> np.ndarray:
        """Data (3, nt) of the receiver with station code `name`."""
        for r, d in zip(self.receivers, self.data):
            if r.name == name:
                return d
        raise KeyError(f"no receiver named {name!r}")

    def to_stream(self):
        """An obspy Stream: one trace per receiver and component, starting at origin time + times[0].

        Channel codes: SEED band code from the sampling rate, instrument 'X' (synthetic), component
        X/Y/Z (Cartesian) or Z/N/E (geographic).
        """
        from obspy import Stream, Trace, UTCDateTime
        origin = UTCDateTime(self.origin_time if self.origin_time is not None else 0)
        band = band_code(self.dt)
        traces = []
        for r, d in zip(self.receivers, self.data):
            for c, comp in enumerate(self.components):
                tr = Trace(data=np.ascontiguousarray(d[c]))
                tr.stats.network, tr.stats.station = r.network, r.name
                tr.stats.location, tr.stats.channel = r.location, f"{band}X{comp}"
                tr.stats.delta = self.dt
                tr.stats.starttime = origin + float(self.times[0])
                traces.append(tr)
        return Stream(traces)

    def save_hdf5(self, path):
        from .io.hdf5 import write_result
        write_result(self, path)

    def save_asdf(self, path):
        from .io.asdf import write_asdf
        write_asdf(self, path)
