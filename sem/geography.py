"""Geographic coordinates on a spherical Earth: positions, local bases, moment tensors, distances.

Conventions (the same as in docs/conventions.md):

- Earth-centred Cartesian coordinates in metres: x through (lat 0, lon 0), y through (lat 0,
  lon 90E), z through the north pole.
- A sphere of radius `radius` (default `EARTH_RADIUS` = 6371 km). Ellipticity is off: latitudes
  are used as given, i.e. taken as geocentric. (Catalogue latitudes are geographic; on the sphere
  the difference, up to 0.19 degrees, is ignored on purpose, as SPECFEM does with ellipticity off.)
- Depth in km below the surface of the sphere; there is no topography, so elevations are ignored.
- Local basis at a point: unit vectors (up, north, east) = (Z, N, E). Note that (Z, N, E) in this
  order is a left-handed triple (det = -1); (E, N, Z) and (r, theta, phi) = (up, south, east) are
  right-handed.
- Moment tensors in the CMTSOLUTION convention (Mrr, Mtt, Mpp, Mrt, Mrp, Mtp): r up, theta south
  (the colatitude direction), phi east.

Distances and azimuths are great-circle values on the sphere (the spherical Vincenty formula, the
same as `obspy.geodetics.locations2degrees`), not obspy's ellipsoidal `gps2dist_azimuth`: our Earth
is a sphere. This module needs only NumPy (the solver core imports it without obspy).
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS = 6371.0e3
"""Radius (m) of the spherical Earth used by default."""


def _check_lat(lat):
    lat = np.asarray(lat, dtype=float)
    if not np.all(np.isfinite(lat)) or np.any(np.abs(lat) > 90.0):
        raise ValueError(f"latitude must be finite and within [-90, 90] degrees, got {lat}")
    return lat


def _check_lon(lon):
    lon = np.asarray(lon, dtype=float)
    if not np.all(np.isfinite(lon)):
        raise ValueError(f"longitude must be finite, got {lon}")
    return lon


def geographic_to_cartesian(lat, lon, depth_km=0.0, radius: float = EARTH_RADIUS) -> np.ndarray:
    """Earth-centred Cartesian position(s) (..., 3) in m of (lat, lon) in degrees and depth in km.

    The point lies at distance `radius - 1000 * depth_km` from the centre (spherical Earth).
    """
    lat, lon = _check_lat(lat), _check_lon(lon)
    depth_km = np.asarray(depth_km, dtype=float)
    if not np.all(np.isfinite(depth_km)):
        raise ValueError(f"depth_km must be finite, got {depth_km}")
    r = radius - 1000.0 * depth_km
    if np.any(r < 0):
        raise ValueError(f"depth {depth_km} km is below the centre of an Earth of radius {radius / 1e3} km")
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack(np.broadcast_arrays(r * np.cos(phi) * np.cos(lam), r * np.cos(phi) * np.sin(lam),
                                        r * np.sin(phi)), axis=-1)


def cartesian_to_geographic(xyz, radius: float = EARTH_RADIUS):
    """(lat, lon, depth_km) of Cartesian position(s) (..., 3) in m; lon in (-180, 180].

    Latitude is geocentric (the sphere); depth is `(radius - |xyz|) / 1000` km (negative above the
    surface). At the poles the longitude is 0.
    """
    xyz = np.asarray(xyz, dtype=float)
    if xyz.shape[-1:] != (3,):
        raise ValueError(f"positions must have shape (..., 3), got {xyz.shape}")
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    rho = np.hypot(x, y)
    lat = np.degrees(np.arctan2(z, rho))
    lon = np.degrees(np.arctan2(y, x))
    depth_km = (radius - np.sqrt(rho**2 + z**2)) / 1000.0
    return lat, lon, depth_km


def local_basis(lat, lon) -> np.ndarray:
    """Unit vectors (up, north, east) in Cartesian components, shape (..., 3, 3), one per row.

    `local_basis(lat, lon) @ v` gives the (Z, N, E) components of a Cartesian vector v. At the
    poles north and east are those of the limit along the meridian `lon`.
    """
    phi, lam = np.radians(_check_lat(lat)), np.radians(_check_lon(lon))
    phi, lam = np.broadcast_arrays(phi, lam)
    sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    up = np.stack([cp * cl, cp * sl, sp], axis=-1)
    north = np.stack([-sp * cl, -sp * sl, cp], axis=-1)
    east = np.stack([-sl, cl, np.zeros_like(sl)], axis=-1)
    return np.stack([up, north, east], axis=-2)


def rtp_basis(lat, lon) -> np.ndarray:
    """Unit vectors (r, theta, phi) = (up, south, east) as rows, shape (..., 3, 3): right-handed."""
    b = local_basis(lat, lon)
    return np.stack([b[..., 0, :], -b[..., 1, :], b[..., 2, :]], axis=-2)


def rtp_to_cartesian_tensor(mrr, mtt, mpp, mrt, mrp, mtp, lat, lon):
    """Cartesian components (mxx, myy, mzz, mxy, mxz, myz) of a symmetric tensor given in (r, theta, phi).

    M_cart = Q^T M_rtp Q with Q the rows (r, theta, phi) of `rtp_basis(lat, lon)`. Units are kept
    (give N m, get N m). Arrays broadcast; each output has the broadcast shape.
    """
    m = np.asarray(np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in (mrr, mtt, mpp, mrt, mrp, mtp)]))
    rr, tt, pp, rt, rp, tp = m
    mat = np.stack([np.stack([rr, rt, rp], -1), np.stack([rt, tt, tp], -1), np.stack([rp, tp, pp], -1)], -2)
    q = rtp_basis(lat, lon)
    c = np.einsum("...ai,...ab,...bj->...ij", q, mat, q)
    return c[..., 0, 0], c[..., 1, 1], c[..., 2, 2], c[..., 0, 1], c[..., 0, 2], c[..., 1, 2]


def cartesian_to_rtp_tensor(mxx, myy, mzz, mxy, mxz, myz, lat, lon):
    """Inverse of `rtp_to_cartesian_tensor`: (mrr, mtt, mpp, mrt, mrp, mtp)."""
    m = np.asarray(np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in (mxx, myy, mzz, mxy, mxz, myz)]))
    xx, yy, zz, xy, xz, yz = m
    mat = np.stack([np.stack([xx, xy, xz], -1), np.stack([xy, yy, yz], -1), np.stack([xz, yz, zz], -1)], -2)
    q = rtp_basis(lat, lon)
    c = np.einsum("...ai,...ij,...bj->...ab", q, mat, q)
    return c[..., 0, 0], c[..., 1, 1], c[..., 2, 2], c[..., 0, 1], c[..., 0, 2], c[..., 1, 2]


def epicentral_distance(lat1, lon1, lat2, lon2):
    """Great-circle distance (degrees) between points on the sphere (spherical Vincenty formula)."""
    p1, p2 = np.radians(_check_lat(lat1)), np.radians(_check_lat(lat2))
    dl = np.radians(_check_lon(lon2) - _check_lon(lon1))
    num = np.hypot(np.cos(p2) * np.sin(dl), np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl))
    den = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(num, den))


def azimuth(lat1, lon1, lat2, lon2):
    """Azimuth (degrees clockwise from north, in [0, 360)) of point 2 seen from point 1, on the sphere.

    The back azimuth is `azimuth(lat2, lon2, lat1, lon1)`.
    """
    p1, p2 = np.radians(_check_lat(lat1)), np.radians(_check_lat(lat2))
    dl = np.radians(_check_lon(lon2) - _check_lon(lon1))
    az = np.degrees(np.arctan2(np.sin(dl) * np.cos(p2), np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)))
    az = np.mod(az, 360.0)
    return az - 360.0 * (az >= 360.0)            # mod of a tiny negative number rounds to 360.0


def scalar_moment(tensor) -> float:
    """Scalar moment M0 = sqrt(sum M_ij^2 / 2) (Silver & Jordan 1982) of a 6-component tensor.

    The components may be (mxx, myy, mzz, mxy, mxz, myz) or (mrr, mtt, mpp, mrt, mrp, mtp): the
    Frobenius norm does not depend on the orthonormal frame.
    """
    t = np.asarray(tensor, dtype=float)
    return float(np.sqrt((np.sum(t[:3] ** 2) + 2.0 * np.sum(t[3:] ** 2)) / 2.0))


def moment_magnitude(m0_nm: float) -> float:
    """Moment magnitude Mw = 2/3 (log10 M0 - 9.1) with M0 in N m (IASPEI 2013 standard)."""
    return 2.0 / 3.0 * (np.log10(m0_nm) - 9.1)
