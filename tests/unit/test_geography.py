"""Geographic sources and receivers on a spherical Earth: coordinates, bases, tensors, Z/N/E output.

Tolerances: float64 conversions of positions of size R = 6.4e6 m lose ~1e-9 m per operation, so
position round trips are checked to 1e-6 m (1e-9 km) and angles to 1e-9 degrees (~0.1 mm on the
surface); tensor rotations of entries ~1e19 N m are exact to relative 1e-12 (a few rounding errors
of the 3x3 products).
"""

import numpy as np
import pytest

import sem
from sem.geography import (EARTH_RADIUS, azimuth, cartesian_to_geographic, cartesian_to_rtp_tensor,
                           epicentral_distance, geographic_to_cartesian, local_basis, rtp_basis,
                           rtp_to_cartesian_tensor, scalar_moment)

R = EARTH_RADIUS
rng = np.random.default_rng(12345)


def random_points(n=200):
    lat = np.degrees(np.arcsin(rng.uniform(-0.999, 0.999, n)))     # away from the poles (lon undefined there)
    lon = rng.uniform(-179.9, 179.9, n)
    return lat, lon


def random_tensor(scale=1e19):
    return rng.normal(size=6) * scale


def as_matrix(t):
    xx, yy, zz, xy, xz, yz = t
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def test_known_positions():
    np.testing.assert_allclose(geographic_to_cartesian(0, 0, 0), [R, 0, 0], atol=1e-6)
    np.testing.assert_allclose(geographic_to_cartesian(0, 90, 0), [0, R, 0], atol=1e-6)
    np.testing.assert_allclose(geographic_to_cartesian(90, 37, 10.0), [0, 0, R - 10e3], atol=1e-6)
    np.testing.assert_allclose(geographic_to_cartesian(-90, 0, 0), [0, 0, -R], atol=1e-6)
    np.testing.assert_allclose(geographic_to_cartesian(0, 180, 0, radius=1000.0), [-1000.0, 0, 0], atol=1e-9)
    assert geographic_to_cartesian([0, 10], [0, 20], 5.0).shape == (2, 3)


def test_coordinate_round_trip():
    lat, lon = random_points()
    depth = rng.uniform(0, 2800, lat.shape)
    xyz = geographic_to_cartesian(lat, lon, depth)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=-1), R - 1e3 * depth, rtol=1e-14)
    lat2, lon2, depth2 = cartesian_to_geographic(xyz)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(depth2, depth, atol=1e-9)
    np.testing.assert_allclose(geographic_to_cartesian(lat2, lon2, depth2), xyz, atol=1e-6)
    # radius keyword: a sphere of 1 km
    lat3, lon3, d3 = cartesian_to_geographic(geographic_to_cartesian(30, 40, 0.25, radius=1000.0), radius=1000.0)
    np.testing.assert_allclose([lat3, lon3, d3], [30, 40, 0.25], atol=1e-12)


def test_bad_coordinates_refused():
    with pytest.raises(ValueError, match="latitude"):
        geographic_to_cartesian(91.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="centre"):
        geographic_to_cartesian(0.0, 0.0, 7000.0)
    with pytest.raises(ValueError, match="finite"):
        geographic_to_cartesian(0.0, np.nan, 0.0)


def test_local_basis_orthonormal_right_handed_and_oriented():
    lat, lon = random_points(50)
    b = local_basis(lat, lon)                                    # rows up, north, east
    assert b.shape == (50, 3, 3)
    np.testing.assert_allclose(b @ np.swapaxes(b, -1, -2), np.broadcast_to(np.eye(3), b.shape), atol=1e-14)
    # (E, N, Z) is right-handed, so (Z, N, E) has det -1; (r, theta, phi) = (up, south, east) is right-handed
    np.testing.assert_allclose(np.linalg.det(b[:, [2, 1, 0]]), 1.0, atol=1e-14)
    np.testing.assert_allclose(np.cross(b[:, 2], b[:, 1]), b[:, 0], atol=1e-14)
    np.testing.assert_allclose(np.linalg.det(rtp_basis(lat, lon)), 1.0, atol=1e-14)
    # up is radial; north and east are the directions of increasing latitude and longitude
    # (centred differences with a 1e-4 degree step: truncation error ~1e-9)
    pos = geographic_to_cartesian(lat, lon)
    np.testing.assert_allclose(b[:, 0], pos / R, atol=1e-14)
    h = 1e-4
    dn = geographic_to_cartesian(lat + h, lon) - geographic_to_cartesian(lat - h, lon)
    de = geographic_to_cartesian(lat, lon + h) - geographic_to_cartesian(lat, lon - h)
    np.testing.assert_allclose(dn / np.linalg.norm(dn, axis=-1, keepdims=True), b[:, 1], atol=1e-7)
    np.testing.assert_allclose(de / np.linalg.norm(de, axis=-1, keepdims=True), b[:, 2], atol=1e-7)


def test_tensor_at_pole_and_equator():
    m = dict(mrr=1.0, mtt=2.0, mpp=3.0, mrt=4.0, mrp=5.0, mtp=6.0)
    # north pole, lon 0: r = z, theta (south) = +x, phi (east) = +y
    xx, yy, zz, xy, xz, yz = rtp_to_cartesian_tensor(**m, lat=90.0, lon=0.0)
    np.testing.assert_allclose([zz, xx, yy, xy, xz, yz], [1, 2, 3, 6, 4, 5], atol=1e-14)
    # mzz = Mrr at the pole whatever the longitude
    for lon in (0.0, 33.0, -120.0):
        np.testing.assert_allclose(rtp_to_cartesian_tensor(**m, lat=90.0, lon=lon)[2], 1.0, atol=1e-14)
    # (0, 0): r = x, theta = -z, phi = y
    xx, yy, zz, xy, xz, yz = rtp_to_cartesian_tensor(**m, lat=0.0, lon=0.0)
    np.testing.assert_allclose([xx, zz, yy, xz, xy, yz], [1, 2, 3, -4, 5, -6], atol=1e-14)


def test_tensor_rotation_preserves_isotropy_and_invariants():
    lat, lon = random_points(20)
    iso = rtp_to_cartesian_tensor(7e18, 7e18, 7e18, 0, 0, 0, lat, lon)
    np.testing.assert_allclose(np.array(iso), np.array([7e18] * 3 + [0] * 3)[:, None] * np.ones(20),
                               rtol=1e-14, atol=1e-14 * 7e18)
    for la, lo in zip(lat, lon):
        t = random_tensor()
        c = np.array(rtp_to_cartesian_tensor(*t, la, lo))
        a, b = as_matrix(t), as_matrix(c)
        np.testing.assert_allclose(np.trace(b), np.trace(a), rtol=1e-12, atol=1e-12 * 1e19)
        np.testing.assert_allclose(np.linalg.norm(b), np.linalg.norm(a), rtol=1e-12)
        np.testing.assert_allclose(np.linalg.eigvalsh(b), np.linalg.eigvalsh(a), atol=1e-12 * np.abs(t).max())
        np.testing.assert_allclose(scalar_moment(c), scalar_moment(t), rtol=1e-12)
        np.testing.assert_allclose(cartesian_to_rtp_tensor(*c, la, lo), t, atol=1e-12 * np.abs(t).max())


def test_distance_and_azimuth_on_the_sphere():
    from obspy.geodetics import gps2dist_azimuth, locations2degrees
    np.testing.assert_allclose(epicentral_distance(0, 0, 0, 90), 90.0, atol=1e-12)
    np.testing.assert_allclose(epicentral_distance(10, 20, -10, 200), 180.0, atol=1e-12)
    np.testing.assert_allclose([azimuth(0, 0, 0, 10), azimuth(0, 0, 10, 0), azimuth(0, 0, -10, 0),
                                azimuth(0, 0, 0, -10), azimuth(-45, 120, 90, 0)], [90, 0, 180, 270, 0],
                               atol=1e-12)
    lat1, lon1 = random_points(30)
    lat2, lon2 = random_points(30)
    d = epicentral_distance(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(d, locations2degrees(lat1, lon1, lat2, lon2), atol=1e-10)
    u1, u2 = local_basis(lat1, lon1)[:, 0], local_basis(lat2, lon2)[:, 0]
    np.testing.assert_allclose(d, np.degrees(np.arctan2(np.linalg.norm(np.cross(u1, u2), axis=-1),
                                                        (u1 * u2).sum(-1))), atol=1e-10)
    az = azimuth(lat1, lon1, lat2, lon2)
    baz = azimuth(lat2, lon2, lat1, lon1)
    for i in range(30):
        # obspy's Vincenty with flattening 0 is the spherical answer (its default is the WGS84 ellipsoid)
        dist, a, b = gps2dist_azimuth(lat1[i], lon1[i], lat2[i], lon2[i], a=R, f=0.0)
        np.testing.assert_allclose(d[i] * np.pi / 180 * R, dist, rtol=1e-9)
        np.testing.assert_allclose([az[i], baz[i]], [a, b], atol=1e-6)


def test_geographic_moment_tensor_source():
    stf = sem.stf.Gaussian(5.0)
    src = sem.MomentTensorSource.geographic(lat=-20.0, lon=170.0, depth_km=100.0, mrr=1e19, mtt=-4e18,
                                            mpp=-6e18, mrt=2e18, mrp=-3e18, mtp=1e18, stf=stf)
    assert isinstance(src, sem.MomentTensorSource) and src.stf is stf
    assert (src.lat, src.lon, src.depth_km) == (-20.0, 170.0, 100.0)
    np.testing.assert_array_equal(src.tensor_rtp, [1e19, -4e18, -6e18, 2e18, -3e18, 1e18])
    np.testing.assert_allclose(src.position, geographic_to_cartesian(-20, 170, 100), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(src.position), R - 100e3, rtol=1e-14)
    np.testing.assert_allclose(src.tensor, rtp_to_cartesian_tensor(*src.tensor_rtp, -20.0, 170.0), rtol=1e-14)
    # radial Mrr at the north pole is Cartesian mzz
    pole = sem.MomentTensorSource.geographic(90.0, 0.0, 10.0, 1e18, 0, 0, 0, 0, 0, stf, radius=1e6)
    np.testing.assert_allclose(pole.tensor, [0, 0, 1e18, 0, 0, 0], atol=1e3)
    np.testing.assert_allclose(pole.position, [0, 0, 1e6 - 1e4], atol=1e-9)


def test_geographic_force_source():
    f = sem.ForceSource.geographic(0.0, 0.0, 10.0, force_zne=(1e10, 2e10, 3e10), stf=sem.stf.Ricker(1.0))
    np.testing.assert_allclose(f.force, [1e10, 3e10, 2e10], atol=1e-3)      # up = x, east = y, north = z
    np.testing.assert_allclose(f.position, [R - 1e4, 0, 0], atol=1e-6)
    assert f.lat == 0.0 and f.depth_km == 10.0


def test_geographic_receiver_rotation():
    rec = sem.Receiver.geographic(lat=35.0, lon=-120.0, network="IU", station="ANMO", location="00")
    assert (rec.network, rec.name, rec.station, rec.location) == ("IU", "ANMO", "ANMO", "00")
    assert rec.depth_km == 0.0
    np.testing.assert_allclose(np.linalg.norm(rec.position), R, rtol=1e-14)
    assert sem.Receiver((0.0, 0.0, 0.0)).rotation is None
    # a radial vector of length 3 has Z = 3, N = E = 0
    v = 3.0 * rec.position / np.linalg.norm(rec.position)
    np.testing.assert_allclose(rec.rotation @ v, [3.0, 0.0, 0.0], atol=1e-14)
    # the global z axis (north pole direction) has N = cos(lat), Z = sin(lat), E = 0
    np.testing.assert_allclose(rec.rotation @ [0, 0, 1], [np.sin(np.radians(35)), np.cos(np.radians(35)), 0],
                               atol=1e-14)


def geographic_result(nt=50):
    recs = [sem.Receiver.geographic(10.0, 20.0, station="A00"),
            sem.Receiver.geographic(-40.0, 100.0, depth_km=1.0, network="YY", station="B01", location="10")]
    data = rng.normal(size=(2, 3, nt))
    return sem.Result(np.arange(nt) * 0.5 - 5.0, data, recs, origin_time="2021-01-01T00:00:00")


def test_data_zne_and_stream_channels():
    res = geographic_result()
    assert res.components == ("X", "Y", "Z") and res.geographic
    zne = res.data_zne
    for i, r in enumerate(res.receivers):
        np.testing.assert_allclose(zne[i], r.rotation @ res.data[i], rtol=1e-14, atol=1e-14)
        # rotation keeps the vector length
        np.testing.assert_allclose(np.linalg.norm(zne[i], axis=0), np.linalg.norm(res.data[i], axis=0), rtol=1e-13)
    st = res.to_stream()
    assert len(st) == 6
    assert sorted(tr.stats.channel for tr in st.select(station="B01")) == ["MXE", "MXN", "MXZ"]  # 2 Hz: band M
    for c, comp in enumerate("ZNE"):
        tr = st.select(station="B01", component=comp)[0]
        assert tr.id == f"YY.B01.10.MX{comp}"
        np.testing.assert_array_equal(tr.data, zne[1, c])
    tr = st.select(station="B01", component="Z")[0]
    assert tr.stats.coordinates.latitude == -40.0 and tr.stats.coordinates.local_depth == 1000.0


def test_mixed_receivers_refused_and_cartesian_unchanged():
    res = geographic_result()
    mixed = sem.Result(res.times, res.data, [res.receivers[0], sem.Receiver((1.0, 2.0, 3.0), "C")])
    with pytest.raises(ValueError, match="mix geographic"):
        mixed.to_stream()
    cart = sem.Result(res.times, res.data, [sem.Receiver((1.0, 2.0, 3.0), "C"), sem.Receiver((0, 0, 0), "D")])
    assert not cart.geographic
    with pytest.raises(ValueError, match="geographic receivers"):
        cart.data_zne
    st = cart.to_stream()
    assert sorted(tr.stats.channel for tr in st.select(station="C")) == ["MXX", "MXY", "MXZ"]
    np.testing.assert_array_equal(st.select(station="D", channel="MXY")[0].data, res.data[1, 1])
