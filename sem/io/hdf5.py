"""Seismograms to and from HDF5 (h5py), with units and receiver metadata."""

from __future__ import annotations

import h5py
import numpy as np

from .atomic import atomic_path

UNITS = {"displacement": "m", "velocity": "m/s", "acceleration": "m/s^2"}
FORMAT = "sem-seismograms-1"


def write_result(result, path):
    """Write a Result atomically: /times (nt,), /data (nrec, 3, nt), receiver names and positions."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["format"] = FORMAT
        f.attrs["quantity"] = result.quantity
        f.attrs["units"] = UNITS[result.quantity]
        f.attrs["components"] = ",".join(result.components)
        f.attrs["origin_time"] = str(result.origin_time) if result.origin_time is not None else ""
        f.create_dataset("times", data=result.times).attrs["units"] = "s"
        f.create_dataset("data", data=result.data).attrs["units"] = UNITS[result.quantity]
        f.create_dataset("receivers/name", data=np.array([r.name for r in result.receivers], dtype="S"))
        f.create_dataset("receivers/network", data=np.array([r.network for r in result.receivers], dtype="S"))
        f.create_dataset("receivers/position", data=np.array([r.position for r in result.receivers]).reshape(-1, 3))
        f.create_dataset("receivers/location", data=np.array([r.location for r in result.receivers], dtype="S"))
        if result.receivers and all(getattr(r, "rotation", None) is not None for r in result.receivers):
            geo = np.array([[r.lat, r.lon, r.depth_km, r.radius] for r in result.receivers])
            f.create_dataset("receivers/geographic", data=geo).attrs["columns"] = "lat_deg,lon_deg,depth_km,radius_m"


def read_result(path):
    """Read seismograms written by `write_result`; checks the format and shapes."""
    from ..receivers import Receiver
    from ..result import Result
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path} is not a sem seismogram file (format {f.attrs.get('format')!r})")
        times, data = f["times"][()], f["data"][()]
        names = [n.decode() for n in f["receivers/name"][()]]
        nets = [n.decode() for n in f["receivers/network"][()]]
        pos = f["receivers/position"][()]
        if data.shape != (len(names), 3, len(times)):
            raise ValueError(f"{path}: data shape {data.shape} does not match {len(names)} receivers, "
                             f"{len(times)} times")
        locs = [n.decode() for n in f["receivers/location"][()]] if "receivers/location" in f else [""] * len(names)
        if "receivers/geographic" in f:
            recs = [Receiver.geographic(lat, lon, depth, network=k, station=n, location=loc, radius=rad)
                    for (lat, lon, depth, rad), n, k, loc in zip(f["receivers/geographic"][()], names, nets, locs)]
        else:
            recs = [Receiver(p, name=n, network=k, location=loc) for p, n, k, loc in zip(pos, names, nets, locs)]
        origin = f.attrs["origin_time"] or None
        return Result(times, data, recs, quantity=str(f.attrs["quantity"]), origin_time=origin,
                      components=tuple(str(f.attrs["components"]).split(",")))
