"""Earthquake sources from CMTSOLUTION and QuakeML files, as geographic moment-tensor sources.

Both readers return an `EventSources` list of `sem.MomentTensorSource` (made with
`MomentTensorSource.geographic`: Cartesian position and tensor, plus `.lat`, `.lon`, `.depth_km`,
`.tensor_rtp` in N m) whose `.origin_time` (obspy UTCDateTime) is the time zero of the run: pass it
on, `sem.Simulation(..., sources=srcs, origin_time=srcs.origin_time)`.

Latitudes are used as given, i.e. as geocentric (spherical Earth, ellipticity off): catalogue
latitudes are geographic, and the difference (up to 0.19 degrees) is ignored for now.
"""

from __future__ import annotations

import re

import numpy as np

from ..geography import EARTH_RADIUS, moment_magnitude, scalar_moment
from ..sources import MomentTensorSource
from ..stf import Gaussian
from .obspy_read import read_or_explain

DYNE_CM = 1e-7
"""One dyne centimetre in N m."""

CMT_KEYS = ("event name", "time shift", "half duration", "latitude", "longitude", "depth",
            "mrr", "mtt", "mpp", "mrt", "mrp", "mtp")

_PDE = re.compile(r"^\s*(?P<cat>[A-Za-z]*)\s*(?P<yr>\d{4})\s+(?P<mo>\d{1,2})\s+(?P<da>\d{1,2})\s+"
                  r"(?P<ho>\d{1,2})\s+(?P<mi>\d{1,2})\s+(?P<sec>\d+(?:\.\d*)?)(?P<rest>.*)$")


class EventSources(list):
    """A list of sources of one run, with `origin_time` (UTCDateTime or None): the run's time zero."""

    def __init__(self, sources=(), origin_time=None):
        super().__init__(sources)
        self.origin_time = origin_time


def empirical_half_duration(m0_nm: float) -> float:
    """GCMT's empirical half duration (s), 1.05e-8 * M0^(1/3) with M0 in dyne cm."""
    return 1.05e-8 * (m0_nm / DYNE_CM) ** (1.0 / 3.0)


def _float(text, path, lineno, what):
    try:
        value = float(text.replace("D", "e").replace("d", "e"))
    except ValueError:
        raise ValueError(f"{path}:{lineno}: {what} must be a number, got {text.strip()!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"{path}:{lineno}: {what} must be finite, got {text.strip()!r}")
    return value


def _parse_pde(line, path, lineno):
    from obspy import UTCDateTime
    m = _PDE.match(line)
    if m is None:
        raise ValueError(f"{path}:{lineno}: expected the hypocentre line of a CMTSOLUTION "
                         f"('PDE yyyy mm dd hh mm ss.ss lat lon depth mb Ms region'), got {line.strip()!r}")
    try:
        t = UTCDateTime(int(m["yr"]), int(m["mo"]), int(m["da"]), int(m["ho"]), int(m["mi"])) + float(m["sec"])
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}:{lineno}: bad date or time in the hypocentre line ({e})") from None
    rest = m["rest"].split()
    if len(rest) < 5:
        raise ValueError(f"{path}:{lineno}: the hypocentre line needs lat lon depth mb Ms after the time, "
                         f"got {m['rest'].strip()!r}")
    lat, lon, dep, mb, ms = (_float(v, path, lineno, w) for v, w in zip(rest[:5], ("hypocentre latitude",
                             "hypocentre longitude", "hypocentre depth", "mb", "Ms")))
    return dict(catalog=m["cat"], time=t, latitude=lat, longitude=lon, depth_km=dep, mb=mb, ms=ms,
                region=" ".join(rest[5:]))


def read_cmtsolution(path, radius: float = EARTH_RADIUS, time_zero: str = "centroid") -> EventSources:
    """Point sources of a CMTSOLUTION file (SPECFEM's 13-line format, one block per source).

    Each block is a hypocentre ('PDE') line then twelve 'key: value' lines: event name, time shift
    (s), half duration (s), latitude, longitude (degrees), depth (km), and Mrr, Mtt, Mpp, Mrt, Mrp,
    Mtp in dyne cm (converted to N m, x 1e-7). Blank lines are skipped.

    Time zero (`time_zero="centroid"`, the default) follows SPECFEM: it is the centroid time
    (hypocentre time + time shift) of the earliest source, so a single source has
    `stf = Gaussian(half_duration, 0)` and `origin_time = PDE time + time shift`; with several
    sources each keeps its delay to the earliest. `time_zero="hypocentre"` instead puts zero at
    the (earliest) hypocentre time, and each source gets `Gaussian(half_duration, centroid - zero)`.

    Each source also keeps `event_name`, `half_duration`, `time_shift`, `centroid_time`, `pde` (a
    dict: catalog, time, latitude, longitude, depth_km, mb, ms, region) and `origin_time`.
    """
    if time_zero not in ("centroid", "hypocentre", "hypocenter"):
        raise ValueError(f"time_zero must be 'centroid' or 'hypocentre', got {time_zero!r}")
    try:
        with open(path) as f:
            lines = [(i + 1, line.rstrip("\n")) for i, line in enumerate(f) if line.strip()]
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file, so not a CMTSOLUTION") from None
    if not lines:
        raise ValueError(f"{path}: empty CMTSOLUTION file")
    if len(lines) % 13:
        lineno = lines[len(lines) // 13 * 13][0]
        raise ValueError(f"{path}:{lineno}: incomplete CMTSOLUTION block: each source has 13 lines "
                         f"(hypocentre line + {len(CMT_KEYS)} 'key: value' lines), found "
                         f"{len(lines) % 13} line(s) from here")
    blocks = []
    for b in range(0, len(lines), 13):
        pde = _parse_pde(lines[b][1], path, lines[b][0])
        values = {}
        for key, (lineno, line) in zip(CMT_KEYS, lines[b + 1:b + 13]):
            name, sep, value = line.partition(":")
            if not sep or name.strip().lower() != key:
                raise ValueError(f"{path}:{lineno}: expected '{key}:' here, got {line.strip()!r}")
            if key == "event name":
                values[key] = value.strip()
            else:
                values[key] = _float(value.strip(), path, lineno, key)
                if key == "half duration" and values[key] < 0:
                    raise ValueError(f"{path}:{lineno}: half duration must be >= 0 s, got {values[key]}")
                if key == "latitude" and abs(values[key]) > 90:
                    raise ValueError(f"{path}:{lineno}: latitude must be within [-90, 90], got {values[key]}")
        blocks.append((pde, values))

    centroids = [pde["time"] + v["time shift"] for pde, v in blocks]
    zero = min(centroids) if time_zero == "centroid" else min(pde["time"] for pde, _ in blocks)
    out = EventSources(origin_time=zero)
    for (pde, v), centroid in zip(blocks, centroids):
        rtp = [v[k] * DYNE_CM for k in ("mrr", "mtt", "mpp", "mrt", "mrp", "mtp")]
        src = MomentTensorSource.geographic(v["latitude"], v["longitude"], v["depth"], *rtp,
                                            stf=Gaussian(v["half duration"], float(centroid - zero)),
                                            radius=radius)
        src.event_name, src.half_duration, src.time_shift = v["event name"], v["half duration"], v["time shift"]
        src.centroid_time, src.pde, src.origin_time = centroid, pde, zero
        out.append(src)
    return out


def _find(items, rid):
    if rid is None:
        return None
    for item in items:
        if item.resource_id == rid:
            return item
    return None


def read_quakeml(path, radius: float = EARTH_RADIUS, half_duration: float | None = None) -> EventSources:
    """Moment-tensor sources of a QuakeML file (through obspy), one per event, in file order.

    For each event: the preferred focal mechanism (else the first with a moment tensor), its
    tensor (N m, already r/theta/phi); the location and time of the moment tensor's derived
    (centroid) origin, else the preferred origin, else the first. Time zero is that origin time:
    `stf = Gaussian(half_duration, 0)` and `src.origin_time` is the origin time. The half
    duration is half the moment tensor's source time function duration; else the `half_duration`
    argument; else GCMT's empirical 1.05e-8 M0^(1/3) (M0 in dyne cm).

    Events are separate runs: the list's `origin_time` is set only when the file has one event.
    """
    import obspy
    cat = read_or_explain(obspy.read_events, path, "QUAKEML", "QuakeML")
    out = EventSources()
    for i, ev in enumerate(cat):
        label = f"{path}: event {i} ({ev.resource_id})"
        fm = ev.preferred_focal_mechanism()
        if fm is None or fm.moment_tensor is None or fm.moment_tensor.tensor is None:
            fm = next((f for f in ev.focal_mechanisms if f.moment_tensor is not None
                       and f.moment_tensor.tensor is not None), None)
        if fm is None:
            raise ValueError(f"{label} has no focal mechanism with a moment tensor")
        mt = fm.moment_tensor
        origin = (_find(ev.origins, mt.derived_origin_id) or ev.preferred_origin()
                  or (ev.origins[0] if ev.origins else None))
        if origin is None:
            raise ValueError(f"{label} has no origin")
        if origin.latitude is None or origin.longitude is None or origin.depth is None or origin.time is None:
            raise ValueError(f"{label}: origin {origin.resource_id} lacks latitude, longitude, depth or time")
        t = mt.tensor
        rtp = [t.m_rr, t.m_tt, t.m_pp, t.m_rt, t.m_rp, t.m_tp]
        if any(v is None for v in rtp):
            raise ValueError(f"{label}: moment tensor lacks components")
        stf = mt.source_time_function
        if stf is not None and stf.duration is not None:
            hdur = 0.5 * float(stf.duration)
        elif half_duration is not None:
            hdur = float(half_duration)
        else:
            hdur = empirical_half_duration(scalar_moment(rtp))
        src = MomentTensorSource.geographic(origin.latitude, origin.longitude, origin.depth / 1000.0, *rtp,
                                            stf=Gaussian(hdur, 0.0), radius=radius)
        src.event_name = str(ev.resource_id).split("/")[-1]
        src.half_duration, src.time_shift = hdur, 0.0
        src.centroid_time = src.origin_time = origin.time
        out.append(src)
    if not out:
        raise ValueError(f"{path}: no events")
    if len(out) == 1:
        out.origin_time = out[0].origin_time
    return out


def is_geographic(source) -> bool:
    """True for sources made with `MomentTensorSource.geographic` / `ForceSource.geographic`."""
    return all(hasattr(source, a) for a in ("lat", "lon", "depth_km"))


def event_from_sources(sources, origin_time=None):
    """An obspy Event describing the geographic sources of a run (Cartesian ones are left out).

    One origin per source (time = origin_time + the time function's `time_shift`, if any; depth in
    m; latitudes geocentric on a sphere); for each moment tensor a focal mechanism with its tensor
    (N m, r/theta/phi), scalar moment and, for a Gaussian, the source time function duration
    (2 half durations). The magnitude is Mw of the sum of the (Cartesian) tensors. The first source
    is preferred. Returns None when no source is geographic.
    """
    from obspy import UTCDateTime
    from obspy.core.event import (Comment, CreationInfo, Event, FocalMechanism, Magnitude, MomentTensor,
                                  Origin, ResourceIdentifier, SourceTimeFunction, Tensor)
    geo = [s for s in sources if is_geographic(s)]
    if not geo:
        return None
    zero = UTCDateTime(origin_time if origin_time is not None else 0)
    info = CreationInfo(author="sem", creation_time=UTCDateTime())
    ev = Event(resource_id=ResourceIdentifier(prefix="smi:local/sem/event"), creation_info=info)
    ev.comments.append(Comment(text="sem synthetic source on a spherical Earth; latitudes geocentric "
                                    "(ellipticity off); moment tensors in N m"))
    total = np.zeros(6)
    for i, s in enumerate(geo):
        shift = float(getattr(s.stf, "time_shift", 0.0))
        org = Origin(resource_id=ResourceIdentifier(prefix="smi:local/sem/origin"), time=zero + shift,
                     latitude=s.lat, longitude=s.lon, depth=1000.0 * s.depth_km, creation_info=info)
        ev.origins.append(org)
        tensor_rtp = getattr(s, "tensor_rtp", None)
        if tensor_rtp is not None:
            total += s.tensor
            hdur = getattr(s.stf, "half_duration", None)
            mt = MomentTensor(resource_id=ResourceIdentifier(prefix="smi:local/sem/momenttensor"),
                              derived_origin_id=org.resource_id, scalar_moment=scalar_moment(tensor_rtp),
                              tensor=Tensor(**dict(zip(("m_rr", "m_tt", "m_pp", "m_rt", "m_rp", "m_tp"),
                                                       map(float, tensor_rtp)))),
                              source_time_function=(SourceTimeFunction(type="unknown", duration=2.0 * hdur)
                                                    if hdur is not None else None))
            ev.focal_mechanisms.append(FocalMechanism(
                resource_id=ResourceIdentifier(prefix="smi:local/sem/focalmechanism"),
                triggering_origin_id=org.resource_id, moment_tensor=mt, creation_info=info))
    ev.preferred_origin_id = ev.origins[0].resource_id
    if ev.focal_mechanisms:
        ev.preferred_focal_mechanism_id = ev.focal_mechanisms[0].resource_id
        m0 = scalar_moment(total)
        if m0 > 0:
            mag = Magnitude(resource_id=ResourceIdentifier(prefix="smi:local/sem/magnitude"),
                            mag=moment_magnitude(m0), magnitude_type="Mw", origin_id=ev.origins[0].resource_id,
                            creation_info=info)
            ev.magnitudes.append(mag)
            ev.preferred_magnitude_id = mag.resource_id
    return ev
