"""Seismograms to ASDF (pyasdf): waveforms with station coordinates and a provenance note."""

from __future__ import annotations

from .atomic import atomic_path


def write_asdf(result, path, tag: str = "synthetic"):
    """Write the result's traces to an ASDF file atomically, one waveform group per station.

    Cartesian runs store the receiver position (m) in each station group's auxiliary data
    (`ReceiverPositions`); geographic runs add StationXML (later issue).
    """
    import numpy as np
    import pyasdf
    stream = result.to_stream()
    with atomic_path(path) as tmp:
        ds = pyasdf.ASDFDataSet(str(tmp), mode="w", compression=None)
        try:
            ds.add_waveforms(stream, tag=tag)
            for r in result.receivers:
                ds.add_auxiliary_data(data=np.asarray(r.position, dtype=float), data_type="ReceiverPositions",
                                      path=f"{r.network}_{r.name}",
                                      parameters={"units": "m", "frame": "cartesian xyz"})
            ds.add_auxiliary_data(data=np.asarray(result.times), data_type="SimulationTimes", path="times",
                                  parameters={"units": "s", "quantity": result.quantity,
                                              "solver": "sem", "note": "time relative to origin time"})
        finally:
            ds.flush()
            del ds
