"""Seismograms to ASDF (pyasdf): waveforms, event, stations and a SEIS-PROV provenance record."""

from __future__ import annotations

import numpy as np

from .. import __version__
from .atomic import atomic_path
from .events import event_from_sources
from .stations import inventory_from_receivers


def write_asdf(result, path, tag: str = "synthetic"):
    """Write the result's traces to an ASDF file atomically, one waveform group per station.

    Every run stores the receiver position (m, Cartesian) in each station group's auxiliary data
    (`ReceiverPositions`). With geographic sources the file also holds the event (QuakeML: origins,
    moment tensors in N m, Mw; `sem.io.events.event_from_sources`) and the waveforms are associated
    with it; with geographic receivers it holds StationXML (coordinates, burial depth, Z/N/E
    channels; `sem.io.stations.inventory_from_receivers`). Every file holds a SEIS-PROV provenance
    document "sem_simulation" (`provenance_document`), and the waveforms refer to its activity.
    """
    import pyasdf
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
            doc, activity = provenance_document(result)
            ds.add_provenance_document(doc, name="sem_simulation")
            ds.add_waveforms(stream, tag=tag, event_id=event, provenance_id=activity)
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


#: SEIS-PROV (the provenance model of ASDF; seisprov.org) namespace
SEIS_PROV = "http://seisprov.org/seis_prov/0.1/#"


def provenance_document(result):
    """(prov.model.ProvDocument, activity id): the software agent sem (name, version) associated with
    a SEIS-PROV waveform_simulation activity that records what the traces are (quantity, dt, samples,
    first time, receivers, sources)."""
    import prov.model
    doc = prov.model.ProvDocument()
    doc.add_namespace("seis_prov", SEIS_PROV)
    kind = prov.model.Identifier
    agent = doc.agent("seis_prov:sp001_sa_semsolv", other_attributes=[
        ("prov:type", kind(SEIS_PROV + "software_agent")), ("prov:label", "sem"),
        ("seis_prov:software_name", "sem"), ("seis_prov:software_version", __version__)])
    activity = doc.activity("seis_prov:sp002_ws_semsimu", other_attributes=[
        ("prov:type", kind(SEIS_PROV + "waveform_simulation")), ("prov:label", "Waveform Simulation"),
        ("seis_prov:quantity", result.quantity), ("seis_prov:time_step_in_s", float(result.dt)),
        ("seis_prov:number_of_samples", int(len(result.times))),
        ("seis_prov:first_sample_relative_to_origin_in_s", float(result.times[0])),
        ("seis_prov:number_of_receivers", len(result.receivers)),
        ("seis_prov:number_of_sources", len(result.sources or ()))])
    doc.wasAssociatedWith(activity, agent)
    return doc, "{" + SEIS_PROV + "}sp002_ws_semsimu"
