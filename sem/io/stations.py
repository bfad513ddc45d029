"""Receivers from SPECFEM STATIONS files and StationXML, as geographic receivers.

Both readers return a list of `sem.Receiver` made with `Receiver.geographic` (spherical Earth,
latitudes used as given, i.e. geocentric; ellipticity off). There is no topography on the sphere, so
station elevations are ignored: a receiver is at the burial depth below the sphere's surface.
"""

from __future__ import annotations

import numpy as np

from ..geography import EARTH_RADIUS
from ..receivers import Receiver
from .obspy_read import read_or_explain
from .seed import GEOGRAPHIC, channel_code


def read_stations(path, radius: float = EARTH_RADIUS):
    """Receivers of a SPECFEM STATIONS file: one line per station,

        STATION NETWORK LATITUDE LONGITUDE ELEVATION_m BURIAL_m

    depth_km = BURIAL / 1000; ELEVATION is read and checked but ignored (no topography). Blank lines
    and lines starting with '#' are skipped. A bad line raises ValueError naming the file and line.
    """
    receivers, seen = [], {}
    try:
        with open(path) as f:
            lines = list(f)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file, so not a STATIONS file") from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{lineno}"
        parts = line.split()
        if len(parts) != 6:
            raise ValueError(f"{where}: a STATIONS line has 6 fields (STATION NETWORK LAT LON ELEVATION_m "
                             f"BURIAL_m), found {len(parts)}: {line.strip()!r}")
        sta, net = parts[0], parts[1]
        try:
            lat, lon, elev, burial = (float(v) for v in parts[2:])
        except ValueError:
            raise ValueError(f"{where}: LAT LON ELEVATION BURIAL must be numbers, got {parts[2:]}") from None
        if not np.all(np.isfinite([lat, lon, elev, burial])):
            raise ValueError(f"{where}: LAT LON ELEVATION BURIAL must be finite, got {parts[2:]}")
        if abs(lat) > 90:
            raise ValueError(f"{where}: latitude must be within [-90, 90] degrees, got {lat}")
        if burial < 0:
            raise ValueError(f"{where}: burial must be >= 0 m (depth below the surface), got {burial}")
        if burial >= radius:
            raise ValueError(f"{where}: burial {burial} m reaches the centre of the Earth")
        key = f"{net}.{sta}"
        if key in seen:
            raise ValueError(f"{where}: station {key} repeats line {seen[key]}")
        seen[key] = lineno
        receivers.append(Receiver.geographic(lat, lon, depth_km=burial / 1000.0, network=net, station=sta,
                                             radius=radius))
    if not receivers:
        raise ValueError(f"{path}: no stations")
    return receivers


def read_stationxml(path, radius: float = EARTH_RADIUS):
    """Receivers of a StationXML file (through obspy.read_inventory).

    One receiver per station and channel location code: a station without channels gives one
    receiver at the station's latitude and longitude on the surface (location ''); a station with
    channels gives one receiver per distinct location code, at the coordinates and burial depth
    (m, `Channel.depth`) of that location's first channel. Elevations are ignored (no topography).
    """
    import obspy
    inv = read_or_explain(obspy.read_inventory, path, "STATIONXML", "StationXML")
    receivers = []
    for net in inv:
        for sta in net:
            where = f"{path}: station {net.code}.{sta.code}"
            points = {}
            for cha in sta.channels:
                if cha.location_code not in points:
                    points[cha.location_code] = (
                        cha.latitude if cha.latitude is not None else sta.latitude,
                        cha.longitude if cha.longitude is not None else sta.longitude,
                        float(cha.depth) if cha.depth is not None else 0.0)
            if not points:
                points[""] = (sta.latitude, sta.longitude, 0.0)
            for loc, (lat, lon, depth_m) in points.items():
                if lat is None or lon is None:
                    raise ValueError(f"{where} has no latitude or longitude")
                if depth_m < 0:
                    raise ValueError(f"{where}, location {loc!r}: channel depth must be >= 0 m, got {depth_m}")
                receivers.append(Receiver.geographic(float(lat), float(lon), depth_km=depth_m / 1000.0,
                                                     network=net.code, station=sta.code, location=loc,
                                                     radius=radius))
    if not receivers:
        raise ValueError(f"{path}: no stations")
    return receivers


def inventory_from_receivers(receivers, dt: float | None = None, start=None):
    """An obspy Inventory of geographic receivers (those with `.lat`; others are left out), or None.

    One station per network.station at the first receiver's latitude and longitude, elevation 0 (a
    sphere without topography). With `dt` (s) each receiver also gets three channels, band code from
    the sampling rate, instrument 'X', components Z (dip -90, up), N (azimuth 0) and E (azimuth 90),
    at the receiver's burial depth (m) and location code. Stations and channels start at `start`
    (a UTCDateTime; default 1970-01-01), e.g. the start of the seismograms.
    """
    from obspy import UTCDateTime
    from obspy.core.inventory import Channel, Inventory, Network, Station
    geo = [r for r in receivers if all(hasattr(r, a) for a in ("lat", "lon", "depth_km"))]
    start = UTCDateTime(start if start is not None else 0)
    if not geo:
        return None
    networks, stations = {}, {}
    for r in geo:
        net = networks.setdefault(r.network, Network(code=r.network, stations=[]))
        key = (r.network, r.name)
        if key not in stations:
            stations[key] = Station(code=r.name, latitude=r.lat, longitude=r.lon, elevation=0.0,
                                    creation_date=start, start_date=start)
            net.stations.append(stations[key])
        if dt is not None:
            for comp, az, dip in zip(GEOGRAPHIC, (0.0, 0.0, 90.0), (-90.0, 0.0, 0.0)):   # Z, N, E
                stations[key].channels.append(Channel(
                    code=channel_code(dt, comp), location_code=r.location, latitude=r.lat, longitude=r.lon,
                    elevation=0.0, depth=1000.0 * r.depth_km, azimuth=az, dip=dip, sample_rate=1.0 / dt,
                    start_date=start))
    return Inventory(networks=list(networks.values()), source="sem")
