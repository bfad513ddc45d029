"""Seismograms to ASDF (pyasdf): waveforms with station coordinates and a provenance note."""

from __future__ import annotations

from .atomic import atomic_path


def write_asdf(result, path, tag: str = "synthetic"):
    """Write the result's traces to an ASDF file atomically, one waveform group per station.

    Every run stores the receiver position (m, Cartesian) in each station group's auxiliary data
    (`ReceiverPositions`). With geographic sources the file also holds the event (QuakeML: origins,
    moment tensors in N m, Mw; `sem.io.events.event_from_sources`) and the waveforms are associated
    with it; with geographic receivers it holds StationXML (coordinates, burial depth, Z/N/E
    channels; `sem.io.stations.inventory_from_receivers`).
    """
    import numpy as np
    import pyasdf
    from .events import event_from_sources
    from .stations import inventory_from_receivers
    stream = result.to_stream()
    event = event_from_sources(result.sources, result.origin_time)
    start = stream[0].stats.starttime if len(stream) else None
    inventory = (inventory_from_receivers(result.receivers, dt=result.dt, start=start)
                 if result.geographic else None)
    with atomic_path(path) as tmp:
        ds = pyasdf.ASDFDataSet(str(tmp), mode="w", compression=None)
        try:
            if event is not None:
                ds.add_quakeml(event)
            if inventory is not None:
                ds.add_stationxml(inventory)
            ds.add_waveforms(stream, tag=tag, event_id=event)
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
