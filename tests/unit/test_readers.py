"""Readers of CMTSOLUTION, QuakeML, STATIONS and StationXML; event and stations in ASDF files.

All files are made up here (no real catalogue entries). Tolerances: numbers parsed from text are
exact to float64 rounding, so values are compared to relative 1e-12; positions (~6.4e6 m) to 1e-6 m.
"""

import numpy as np
import pytest

import sem
from sem.geography import geographic_to_cartesian, rtp_to_cartesian_tensor
from sem.io.events import DYNE_CM, read_cmtsolution, read_quakeml
from sem.io.stations import read_stations, read_stationxml

CMT = """\
 PDE 2020  3  4  5  6  7.50  -12.3000   45.6000  33.0 6.1 6.0 MADE-UP REGION
event name:     202003040506X
time shift:     11.2000
half duration:   6.5000
latitude:      -12.5000
longitude:      45.7000
depth:          28.4000
Mrr:       1.230000e+26
Mtt:      -4.560000e+25
Mpp:      -7.740000e+25
Mrt:       2.100000e+25
Mrp:      -3.300000e+25
Mtp:       5.000000e+24
"""

CMT2 = """
PDEW2020  3  4  5  6  7.50  -12.3000   45.6000  33.0 6.1 6.0 MADE-UP REGION
event name:     202003040506Y
time shift:     14.7000
half duration:   3.0000
latitude:      -12.6000
longitude:      45.9000
depth:          30.0000
Mrr:       1.000000e+25
Mtt:       0.000000e+00
Mpp:      -1.000000e+25
Mrt:       0.000000e+00
Mrp:       0.000000e+00
Mtp:       0.000000e+00
"""

STATIONS = """\
# made-up stations
AAA   XA   10.0    20.0   350.0     0.0
BBB   XA  -35.5  -120.25    0.0   150.0

CCC   XB   89.0   179.0  -10.0  1000.0
"""


@pytest.fixture
def cmt_file(tmp_path):
    p = tmp_path / "CMTSOLUTION"
    p.write_text(CMT)
    return p


def test_cmtsolution_values_and_units(cmt_file):
    from obspy import UTCDateTime
    srcs = read_cmtsolution(cmt_file)
    assert len(srcs) == 1
    s = srcs[0]
    # dyne cm -> N m is x 1e-7
    np.testing.assert_allclose(s.tensor_rtp, np.array([1.23e26, -4.56e25, -7.74e25, 2.1e25, -3.3e25, 5e24]) * 1e-7,
                               rtol=1e-12)
    assert DYNE_CM == 1e-7
    assert (s.lat, s.lon, s.depth_km) == (-12.5, 45.7, 28.4)                  # the centroid, not the PDE
    np.testing.assert_allclose(s.position, geographic_to_cartesian(-12.5, 45.7, 28.4), atol=1e-6)
    np.testing.assert_allclose(s.tensor, rtp_to_cartesian_tensor(*s.tensor_rtp, -12.5, 45.7), rtol=1e-12)
    # time zero is the centroid time (SPECFEM): PDE time + time shift; the Gaussian is centred on it
    assert srcs.origin_time == s.origin_time == UTCDateTime("2020-03-04T05:06:18.70")
    assert isinstance(s.stf, sem.stf.Gaussian) and s.stf.half_duration == 6.5 and s.stf.time_shift == 0.0
    assert s.event_name == "202003040506X" and s.time_shift == 11.2
    assert s.pde["time"] == UTCDateTime("2020-03-04T05:06:07.50") and s.pde["region"] == "MADE-UP REGION"
    assert (s.pde["mb"], s.pde["ms"], s.pde["depth_km"]) == (6.1, 6.0, 33.0)
    # the other convention: zero at the hypocentre time, the Gaussian delayed by the time shift
    h = read_cmtsolution(cmt_file, time_zero="hypocentre")
    assert h.origin_time == UTCDateTime("2020-03-04T05:06:07.50")
    np.testing.assert_allclose(h[0].stf.time_shift, 11.2, rtol=1e-12)


def test_cmtsolution_agrees_with_obspy(cmt_file):
    import obspy
    s = read_cmtsolution(cmt_file)[0]
    ev = obspy.read_events(str(cmt_file), format="CMTSOLUTION")[0]
    fm = ev.preferred_focal_mechanism()
    t = fm.moment_tensor.tensor
    np.testing.assert_allclose(s.tensor_rtp, [t.m_rr, t.m_tt, t.m_pp, t.m_rt, t.m_rp, t.m_tp], rtol=1e-12)
    centroid = ev.preferred_origin()
    assert centroid.origin_type == "centroid"
    assert s.origin_time == centroid.time
    np.testing.assert_allclose([s.lat, s.lon, 1e3 * s.depth_km], [centroid.latitude, centroid.longitude,
                                                                   centroid.depth], rtol=1e-12)
    assert fm.moment_tensor.source_time_function.duration == 2 * s.half_duration


def test_cmtsolution_several_sources(tmp_path):
    p = tmp_path / "CMTSOLUTION"
    p.write_text(CMT + CMT2)
    srcs = read_cmtsolution(p)
    assert [s.event_name for s in srcs] == ["202003040506X", "202003040506Y"]
    # zero at the earliest centroid; the second keeps its 3.5 s delay (float rounding of 14.7 - 11.2)
    np.testing.assert_allclose([s.stf.time_shift for s in srcs], [0.0, 3.5], atol=1e-9)
    assert srcs[1].pde["catalog"] == "PDEW"
    np.testing.assert_allclose(srcs[1].tensor_rtp, [1e18, 0, -1e18, 0, 0, 0], rtol=1e-12)


@pytest.mark.parametrize("bad, line, message", [
    (CMT.replace("time shift:", "time shfit:"), 3, "expected 'time shift:'"),
    (CMT.replace("-7.740000e+25", "-7.74x+25"), 10, "mpp must be a number"),
    (CMT.replace(" PDE 2020  3  4", " PDE 20x0  3  4"), 1, "hypocentre line"),
    (CMT.replace("half duration:   6.5000", "half duration:  -6.5000"), 4, "half duration must be >= 0"),
    (CMT + CMT2.split("Mrt")[0], 15, "incomplete CMTSOLUTION block"),
])
def test_cmtsolution_errors_name_file_and_line(tmp_path, bad, line, message):
    p = tmp_path / "CMTSOLUTION"
    p.write_text(bad)
    with pytest.raises(ValueError, match=message) as e:
        read_cmtsolution(p)
    assert f"{p}:{line}:" in str(e.value)


def test_quakeml_matches_cmtsolution(cmt_file, tmp_path):
    import obspy
    cat = obspy.read_events(str(cmt_file), format="CMTSOLUTION")
    qml = tmp_path / "event.xml"
    cat.write(str(qml), format="QUAKEML")
    q = read_quakeml(qml)
    c = read_cmtsolution(cmt_file)
    assert len(q) == 1 and q.origin_time == c.origin_time
    np.testing.assert_allclose(q[0].tensor_rtp, c[0].tensor_rtp, rtol=1e-12)
    np.testing.assert_allclose(q[0].position, c[0].position, atol=1e-6)
    assert q[0].stf.half_duration == 6.5 and q[0].stf.time_shift == 0.0

    # without a source time function: the half_duration argument, else GCMT's empirical law
    cat[0].preferred_focal_mechanism().moment_tensor.source_time_function = None
    cat.write(str(qml), format="QUAKEML")
    assert read_quakeml(qml, half_duration=4.0)[0].stf.half_duration == 4.0
    m0_dyne_cm = np.sqrt(np.sum(np.array([1.23e26, -4.56e25, -7.74e25]) ** 2)
                         + 2 * np.sum(np.array([2.1e25, -3.3e25, 5e24]) ** 2)) / np.sqrt(2)
    np.testing.assert_allclose(read_quakeml(qml)[0].stf.half_duration, 1.05e-8 * m0_dyne_cm ** (1 / 3), rtol=1e-9)


def test_quakeml_errors(tmp_path):
    p = tmp_path / "not.xml"
    p.write_text("<html>not quakeml</html>")
    with pytest.raises(ValueError, match="not a readable QuakeML"):
        read_quakeml(p)
    import obspy
    from obspy.core.event import Catalog, Event, Origin
    Catalog([Event(origins=[Origin(time=obspy.UTCDateTime(0), latitude=0, longitude=0, depth=0)])]).write(
        str(p), format="QUAKEML")
    with pytest.raises(ValueError, match="no focal mechanism with a moment tensor"):
        read_quakeml(p)


def test_stations_file(tmp_path):
    p = tmp_path / "STATIONS"
    p.write_text(STATIONS)
    recs = read_stations(p)
    assert [(r.network, r.name) for r in recs] == [("XA", "AAA"), ("XA", "BBB"), ("XB", "CCC")]
    assert [r.depth_km for r in recs] == [0.0, 0.15, 1.0]                    # burial / 1000; elevation ignored
    assert (recs[1].lat, recs[1].lon) == (-35.5, -120.25)
    np.testing.assert_allclose(np.linalg.norm(recs[2].position), sem.geography.EARTH_RADIUS - 1000.0, rtol=1e-14)
    assert all(r.rotation is not None for r in recs)
    small = read_stations(p, radius=2e6)
    np.testing.assert_allclose(np.linalg.norm(small[0].position), 2e6, rtol=1e-14)


@pytest.mark.parametrize("line, message", [
    ("DDD XA 10.0 20.0 0.0", "6 fields"),
    ("DDD XA 10.0 east 0.0 0.0", "must be numbers"),
    ("DDD XA 95.0 20.0 0.0 0.0", "latitude"),
    ("DDD XA 10.0 20.0 0.0 -5.0", "burial must be >= 0"),
    ("AAA XA 11.0 21.0 0.0 0.0", "repeats line 2"),
])
def test_stations_errors_name_file_and_line(tmp_path, line, message):
    p = tmp_path / "STATIONS"
    p.write_text(STATIONS + line + "\n")
    with pytest.raises(ValueError, match=message) as e:
        read_stations(p)
    assert f"{p}:6:" in str(e.value)


def test_stationxml_round_trip(tmp_path):
    from obspy import UTCDateTime
    from obspy.core.inventory import Channel, Inventory, Network, Station
    chans = [Channel(code=c, location_code="00", latitude=34.9, longitude=-106.4, elevation=1800.0, depth=100.0,
                     azimuth=0.0, dip=-90.0 if c.endswith("Z") else 0.0, sample_rate=20.0) for c in ("BHZ", "BHN")]
    chans.append(Channel(code="BHZ", location_code="10", latitude=34.95, longitude=-106.45, elevation=1800.0,
                         depth=0.0, azimuth=0.0, dip=-90.0, sample_rate=20.0))
    inv = Inventory(networks=[
        Network(code="ZZ", stations=[Station("MADE", 34.9, -106.4, 1800.0, channels=chans,
                                             creation_date=UTCDateTime(2000, 1, 1)),
                                     Station("BARE", -5.0, 150.0, 10.0, creation_date=UTCDateTime(2000, 1, 1))])],
        source="test")
    p = tmp_path / "stations.xml"
    inv.write(str(p), format="STATIONXML")
    recs = read_stationxml(p)
    got = {(r.network, r.name, r.location): (r.lat, r.lon, r.depth_km) for r in recs}
    assert got == {("ZZ", "MADE", "00"): (34.9, -106.4, 0.1), ("ZZ", "MADE", "10"): (34.95, -106.45, 0.0),
                   ("ZZ", "BARE", ""): (-5.0, 150.0, 0.0)}
    p.write_text("STATION LIST\nnot xml\n")
    with pytest.raises(ValueError, match="not a readable StationXML"):
        read_stationxml(p)


def test_asdf_holds_event_and_stations(tmp_path):
    import pyasdf
    from obspy import UTCDateTime
    rng = np.random.default_rng(7)
    src = sem.MomentTensorSource.geographic(-12.5, 45.7, 28.4, 1.23e19, -4.56e18, -7.74e18, 2.1e18, -3.3e18,
                                            5e17, stf=sem.stf.Gaussian(6.5, 2.0))
    recs = [sem.Receiver.geographic(10.0, 20.0, network="XA", station="AAA"),
            sem.Receiver.geographic(-35.5, -120.25, depth_km=0.15, network="XA", station="BBB", location="00")]
    times = np.arange(40) * 0.5 - 10.0                                      # 2 Hz: band code M
    res = sem.Result(times, rng.normal(size=(2, 3, 40)), recs, sources=[src], origin_time="2020-03-04T05:06:18.7")
    path = tmp_path / "syn.h5"
    res.save_asdf(path)
    ds = pyasdf.ASDFDataSet(str(path), mode="r")
    try:
        assert len(ds.events) == 1
        ev = ds.events[0]
        org, fm = ev.preferred_origin(), ev.preferred_focal_mechanism()
        assert org.time == UTCDateTime("2020-03-04T05:06:20.7")             # origin time + Gaussian time shift
        np.testing.assert_allclose([org.latitude, org.longitude, org.depth], [-12.5, 45.7, 28400.0], rtol=1e-12)
        t = fm.moment_tensor.tensor
        np.testing.assert_allclose([t.m_rr, t.m_tt, t.m_pp, t.m_rt, t.m_rp, t.m_tp], src.tensor_rtp, rtol=1e-12)
        assert fm.moment_tensor.source_time_function.duration == 13.0
        # Mw of M0 = 1.147e19 N m (the same made-up tensor obspy rates at 6.64)
        np.testing.assert_allclose(ev.preferred_magnitude().mag, 6.640, atol=5e-4)

        assert sorted(ds.waveforms.list()) == ["XA.AAA", "XA.BBB"]
        coords = ds.waveforms["XA.BBB"].coordinates
        np.testing.assert_allclose([coords["latitude"], coords["longitude"]], [-35.5, -120.25], rtol=1e-12)
        cha = ds.waveforms["XA.BBB"].channel_coordinates["XA.BBB.00.MXZ"][0]
        assert cha["local_depth_in_m"] == 150.0
        st = ds.waveforms["XA.BBB"]["synthetic"]
        assert sorted(tr.stats.channel for tr in st) == ["MXE", "MXN", "MXZ"]
        np.testing.assert_allclose(st.select(component="N")[0].data, res.data_zne[1, 1], rtol=1e-12)
        assert st[0].stats.asdf.event_ids[0] == ev.resource_id               # waveforms belong to the event
        pos = ds.auxiliary_data.ReceiverPositions["XA_BBB"].data[()]
        np.testing.assert_allclose(pos, recs[1].position, rtol=1e-14)
        # the stored event reads back as the same source (through QuakeML)
        qml = tmp_path / "back.xml"
        ds.events.write(str(qml), format="QUAKEML")
    finally:
        del ds
    back = read_quakeml(qml)[0]
    np.testing.assert_allclose(back.position, src.position, atol=1e-6)
    np.testing.assert_allclose(back.tensor, src.tensor, rtol=1e-12)
    assert back.stf.half_duration == 6.5
