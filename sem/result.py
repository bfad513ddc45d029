"""Seismograms of a run: times, data and receiver metadata, with conversion to ObsPy and files."""

from __future__ import annotations

import numpy as np

from .io.seed import CARTESIAN, GEOGRAPHIC, band_code, channel_code

__all__ = ["Result", "CARTESIAN", "GEOGRAPHIC", "band_code"]


class Result:
    """times (nt,) s relative to the origin time; data (nrec, ncomp, nt) in SI units (m, m/s or m/s^2),
    ncomp = len(components) (3).

    `data` is always in the components `components`, Cartesian (x, y, z) for a simulation, also for
    geographic receivers. `data_zne` rotates it to (Z up, N, E) at each receiver, for runs whose
    receivers are all geographic (`Receiver.geographic`); `to_stream()` then writes Z/N/E channels.
    A simulation's result also has `log` (sem.solver.simulation.RunLog: wall time, steps, ns per
    element per step) and `state` (the final sem.State, when the run was asked to keep it).
    """

    def __init__(self, times, data, receivers, quantity="displacement", sources=(), origin_time=None,
                 components=CARTESIAN, log=None, state=None):
        self.times = np.asarray(times)
        self.data = np.asarray(data)
        self.receivers = list(receivers)
        self.quantity = quantity
        self.sources = list(sources)
        self.origin_time = origin_time
        self.components = tuple(components)
        self.log = log
        self.state = state
        if self.data.shape != (len(self.receivers), len(self.components), len(self.times)):
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

    @property
    def geographic(self) -> bool:
        """True when there are receivers and all are geographic (have a Z/N/E `rotation`).

        Raises ValueError when geographic and Cartesian receivers are mixed.
        """
        geo = [getattr(r, "rotation", None) is not None for r in self.receivers]
        if any(geo) and not all(geo):
            names = [f"{r.network}.{r.name}" for r, g in zip(self.receivers, geo) if not g]
            raise ValueError("receivers mix geographic (Z/N/E) and Cartesian (x/y/z) ones, which cannot share "
                             f"one set of components; Cartesian ones: {names}")
        return bool(geo) and all(geo)

    @property
    def data_zne(self) -> np.ndarray:
        """Data (nrec, 3, nt) rotated to (Z up, N, E) at each receiver; needs all receivers geographic."""
        if not self.geographic:
            raise ValueError("data_zne needs geographic receivers (sem.Receiver.geographic)")
        if self.components != CARTESIAN:
            raise ValueError(f"data_zne rotates Cartesian (x, y, z) data; these are {self.components}")
        rot = np.array([r.rotation for r in self.receivers])
        return np.einsum("rij,rjt->rit", rot, self.data)

    def to_stream(self):
        """An obspy Stream: one trace per receiver and component, starting at origin time + times[0].

        Channel codes: SEED band code from the sampling rate, instrument 'X' (synthetic), component
        X/Y/Z (Cartesian) or Z/N/E (geographic receivers: the data are rotated, see `data_zne`, and
        each trace carries `stats.coordinates` with latitude, longitude, elevation 0 and local_depth
        in m). Mixed geographic and Cartesian receivers raise ValueError.
        """
        from obspy import Stream, Trace, UTCDateTime
        origin = UTCDateTime(self.origin_time if self.origin_time is not None else 0)
        geographic = self.geographic and self.components == CARTESIAN
        data, components = (self.data_zne, GEOGRAPHIC) if geographic else (self.data, self.components)
        traces = []
        for r, d in zip(self.receivers, data):
            for c, comp in enumerate(components):
                tr = Trace(data=np.ascontiguousarray(d[c]))
                tr.stats.network, tr.stats.station = r.network, r.name
                tr.stats.location, tr.stats.channel = r.location, channel_code(self.dt, comp)
                tr.stats.delta = self.dt
                tr.stats.starttime = origin + float(self.times[0])
                if geographic:
                    tr.stats.coordinates = {"latitude": r.lat, "longitude": r.lon, "elevation": 0.0,
                                            "local_depth": 1000.0 * r.depth_km}
                traces.append(tr)
        return Stream(traces)

    # The writers are imported when called: h5py and pyasdf/obspy stay out of `import sem`. Neither
    # writer module imports this one (they read the result's attributes), so the dependency points
    # one way: sem.io.hdf5 (the reader, which builds a Result) imports sem.result, never the reverse.
    def save_hdf5(self, path):
        """Write the seismograms to HDF5 (`sem.io.hdf5`; read back with `sem.io.hdf5.read_result`)."""
        from .io.h5format import write_result
        write_result(self, path)

    def save_asdf(self, path):
        """Write the seismograms, event, stations and provenance to ASDF (`sem.io.asdf.write_asdf`)."""
        from .io.asdf import write_asdf
        write_asdf(self, path)
