"""Seismograms to and from HDF5 (h5py), with units and receiver metadata.

The file layout and the writer are in `sem.io.h5format`; this module adds the reader that turns a
file back into a `sem.Result` (it imports sem.result; sem.result imports only the writer).
"""

from __future__ import annotations

from ..receivers import Receiver
from ..result import Result
from .h5format import FORMAT, UNITS, read_arrays, write_result

__all__ = ["FORMAT", "UNITS", "read_result", "write_result"]


def read_result(path) -> Result:
    """Read seismograms written by `write_result` (or `Result.save_hdf5`); checks the format and shapes."""
    a = read_arrays(path)
    if a["geographic"] is not None:
        recs = [Receiver.geographic(lat, lon, depth, network=k, station=n, location=loc, radius=rad)
                for (lat, lon, depth, rad), n, k, loc in zip(a["geographic"], a["names"], a["networks"],
                                                             a["locations"])]
    else:
        recs = [Receiver(p, name=n, network=k, location=loc)
                for p, n, k, loc in zip(a["positions"], a["names"], a["networks"], a["locations"])]
    return Result(a["times"], a["data"], recs, quantity=a["quantity"], origin_time=a["origin_time"],
                  components=a["components"])
