"""The layout of sem's HDF5 seismogram files ("sem-seismograms-1"): write it, read its arrays.

This module knows the file layout only: it reads the attributes of the result it writes and
returns plain arrays when it reads, so it imports nothing of sem but `sem.io.atomic`.
`sem.Result.save_hdf5` writes through it; `sem.io.hdf5.read_result` builds a `sem.Result` from it.

Layout: attributes format, quantity, units, components (comma-separated), origin_time ('' if none);
datasets /times (nt,) s, /data (nrec, 3, nt), /receivers/{name, network, location} (bytes),
/receivers/position (nrec, 3) m and, when every receiver is geographic,
/receivers/geographic (nrec, 4): lat_deg, lon_deg, depth_km, radius_m.
"""

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


def read_arrays(path) -> dict:
    """The contents of a file written by `write_result`, checked (format, shapes), as plain values:
    times, data, names, networks, locations (lists of str), positions (nrec, 3), geographic
    ((nrec, 4) or None), quantity, components (tuple), origin_time (str or None)."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path} is not a sem seismogram file (format {f.attrs.get('format')!r})")
        times, data = f["times"][()], f["data"][()]
        names = [n.decode() for n in f["receivers/name"][()]]
        if data.shape != (len(names), 3, len(times)):
            raise ValueError(f"{path}: data shape {data.shape} does not match {len(names)} receivers, "
                             f"{len(times)} times")
        return dict(
            times=times, data=data, names=names,
            networks=[n.decode() for n in f["receivers/network"][()]],
            locations=([n.decode() for n in f["receivers/location"][()]] if "receivers/location" in f
                       else [""] * len(names)),
            positions=f["receivers/position"][()],
            geographic=f["receivers/geographic"][()] if "receivers/geographic" in f else None,
            quantity=str(f.attrs["quantity"]), components=tuple(str(f.attrs["components"]).split(",")),
            origin_time=f.attrs["origin_time"] or None)
