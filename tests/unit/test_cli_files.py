"""The command line on small box configurations: every kind of bad configuration is a one-line error
with exit code 2; `sem run` writes what the same run through the Python API gives; HDF5 and ASDF
seismogram files read back with all their metadata. All stations and events are made up."""

import re

import numpy as np
import pytest

import sem
from sem.cli import main
from sem.io.hdf5 import read_result

BOX = """
[mesh]
type = "box"
size = [1000.0, 1000.0, 1000.0]
elements = [3, 3, 3]
order = 3

[model]
type = "isotropic"
vp = 3000.0
vs = 1700.0
rho = 2500.0

[[sources]]
type = "moment_tensor"
position = [400.0, 500.0, 450.0]
tensor = [1e12, 2e12, 1.5e12, 3e11, 0.0, -2e11]
stf = { type = "gaussian", half_duration = 0.02, time_shift = 0.04 }

[[sources]]
type = "force"
position = [600.0, 450.0, 550.0]
force = [0.0, 2e8, 1e9]
stf = { type = "ricker", f0 = 15.0 }

[[receivers]]
name = "A01"
network = "XY"
position = [700.0, 500.0, 1000.0]

[[receivers]]
name = "A02"
network = "XY"
location = "00"
position = [250.0, 800.0, 700.0]

[simulation]
duration = 0.4
boundaries = "absorbing"
backend = "numpy"
dtype = "float64"
record = "velocity"
progress = false
origin_time = "2026-03-01T12:00:00"

[output]
hdf5 = "out/seis.h5"
"""


def edit(old, new):
    assert old in BOX, old
    return BOX.replace(old, new, 1)


SYNTAX_ERROR = edit("vs = 1700.0", "vs = 1700.0\nrho 2500.0")                  # no '=' on the new line
SYNTAX_LINE = SYNTAX_ERROR.splitlines().index("rho 2500.0") + 1

# (configuration text, regex that stderr must match)
BAD = {
    "mesh without size": (edit("size = [1000.0, 1000.0, 1000.0]\n", ""), r"\[mesh\]: missing required key 'size'"),
    "model without vp": (edit("vp = 3000.0\n", ""), r"\[model\]: missing required key 'vp'"),
    "simulation without duration": (edit("duration = 0.4\n", ""),
                                    r"duration must be a positive number of seconds, got None"),
    "no simulation table": (BOX.split("[simulation]")[0],
                            r"\[top level\]: missing required key 'simulation'"),
    "unknown table": (BOX + "\n[solver]\nsteps = 3\n",
                      r"\[top level\]: unknown key\(s\) \['solver'\]; valid keys are \['earth', 'mesh', 'model', "
                      r"'output', 'receivers', 'simulation', 'sources'\]"),
    "unknown mesh key": (edit("order = 3", "order = 3\nnex = 4"),
                         r"\[mesh\]: unknown key\(s\) \['nex'\] for type = 'box'; valid keys are "
                         r"\['elements', 'order', 'origin', 'size', 'type'\]"),
    "unknown receiver key": (edit('name = "A01"', 'name = "A01"\nstation = "A01"'),
                             r"\[receivers\[0\]\]: unknown key\(s\) \['station'\] for a Cartesian receiver "
                             r"\(position\); valid keys are \['location', 'name', 'network', 'position'\]"),
    "unknown mesh type": (edit('type = "box"', 'type = "tetrahedra"'),
                          r"\[mesh\]: type must be one of \['box', 'cubed_sphere'\], got 'tetrahedra'"),
    "unknown model type": (edit('type = "isotropic"', 'type = "viscoelastic"'),
                           r"\[model\]: type must be one of \['anisotropic', 'earth', 'isotropic', "
                           r"'transversely_isotropic'\], got 'viscoelastic'"),
    "unknown stf type": (edit('type = "ricker"', 'type = "boxcar"'),
                         r"\[sources\[1\]\.stf\]: type must be one of \['gaussian', 'ricker', "
                         r"'smoothed_heaviside'\], got 'boxcar'"),
    "misspelled stf argument": (edit("f0 = 15.0", "fo = 15.0"),
                                r"\[sources\[1\]\.stf\]: .*unexpected keyword argument 'fo'"),
    "stf is not a table": (edit('stf = { type = "ricker", f0 = 15.0 }', 'stf = "ricker"'),
                           r"\[sources\[1\]\.stf\]: expected a table"),
    "missing STATIONS file": (BOX.split("[[receivers]]")[0] + '[receivers]\nstations = "data/STATIONS"\n\n'
                              + "[simulation]" + BOX.split("[simulation]")[1],
                              r"\[receivers\]: stations file '.*data/STATIONS' not found"),
    "missing QuakeML file": (BOX.split("[[sources]]")[0] + '[sources]\nquakeml = "events/quake.xml"\n\n'
                             + "[[receivers]]" + BOX.split("[[receivers]]", 1)[1],
                             r"\[sources\]: quakeml file '.*events/quake\.xml' not found"),
    "TOML syntax error": (SYNTAX_ERROR, rf"bad\.toml: not valid TOML \(.*at line {SYNTAX_LINE}, column 5\)"),
    "receiver outside the mesh": (edit("position = [700.0, 500.0, 1000.0]", "position = [700.0, 500.0, 1500.0]"),
                                  r"receiver 0 at \[700\.0, 500\.0, 1500\.0\] m lies outside the mesh"),
    "dt above the stability limit": (edit("duration = 0.4", "duration = 0.4\ndt = 0.05"),
                                     r"dt = 0\.05 s is above the stability limit [0-9.e-]+ s of this mesh"),
    "attenuation without Q": (edit("duration = 0.4", "duration = 0.4\nattenuation = true"),
                              r"attenuation needs a model with quality factors"),
    "unknown attenuation key": (edit("rho = 2500.0", "rho = 2500.0\nqmu = 50.0").replace(
        "duration = 0.4", "duration = 0.4\nattenuation = { nsls = 2 }"),
        r"\[simulation\.attenuation\]: unknown key\(s\) \['nsls'\]; valid keys are \['band', 'n_sls', "
        r"'reference_frequency'\]"),
    "bad attenuation band": (edit("rho = 2500.0", "rho = 2500.0\nqmu = 50.0").replace(
        "duration = 0.4", "duration = 0.4\nattenuation = { band = [1.0, 0.1] }"),
        r"band must be \(min_period_s, max_period_s\) with 0 < min < max, got \[1\.0, 0\.1\]"),
    "negative Q": (edit("rho = 2500.0", "rho = 2500.0\nqmu = -5.0"), r"qmu must be positive everywhere"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_configuration_is_a_one_line_error(tmp_path, capsys, case):
    text, message = BAD[case]
    (tmp_path / "bad.toml").write_text(text)
    code = main(["run", str(tmp_path / "bad.toml")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("sem: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()                    # nothing written, no folder made


# --- `sem run` = the same run through the API ---------------------------------------------------
def api_sources():
    return [sem.MomentTensorSource((400.0, 500.0, 450.0), (1e12, 2e12, 1.5e12, 3e11, 0.0, -2e11),
                                   sem.stf.Gaussian(0.02, 0.04)),
            sem.ForceSource((600.0, 450.0, 550.0), (0.0, 2e8, 1e9), sem.stf.Ricker(15.0))]


def api_receivers():
    return [sem.Receiver((700.0, 500.0, 1000.0), "A01", network="XY"),
            sem.Receiver((250.0, 800.0, 700.0), "A02", network="XY", location="00")]


def api_result():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=3)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0)
    sources, receivers = api_sources(), api_receivers()
    sim = sem.Simulation(mesh, model, sources, receivers, duration=0.4, boundaries="absorbing",
                         backend="numpy", dtype="float64", record="velocity", progress=False,
                         origin_time="2026-03-01T12:00:00")
    return sim.run()


def test_sem_run_equals_the_api_run(tmp_path, capsys):
    (tmp_path / "run.toml").write_text(BOX)
    assert main(["run", str(tmp_path / "run.toml")]) == 0, capsys.readouterr().err
    assert f"wrote {tmp_path / 'out' / 'seis.h5'}" in capsys.readouterr().out
    cli = read_result(tmp_path / "out" / "seis.h5")
    api = api_result()
    assert api.data.dtype == np.float64 and cli.data.dtype == np.float64
    assert cli.data.shape == api.data.shape == (2, 3, len(api.times)) and len(api.times) > 20
    peak = np.abs(api.data).max()
    assert peak > 0 and np.abs(api.data[1]).max() > 1e-3 * peak      # both receivers see the waves
    np.testing.assert_allclose(cli.times, api.times, rtol=1e-12, atol=0)
    np.testing.assert_allclose(cli.data, api.data, rtol=1e-12, atol=1e-12 * peak)
    assert [(r.network, r.name, r.location) for r in cli.receivers] == [("XY", "A01", ""), ("XY", "A02", "00")]
    np.testing.assert_array_equal([r.position for r in cli.receivers], [r.position for r in api.receivers])
    assert cli.quantity == api.quantity == "velocity"
    assert cli.origin_time == api.origin_time == "2026-03-01T12:00:00"


def test_sem_run_with_attenuation_equals_the_api_run(tmp_path, capsys):
    text = edit("rho = 2500.0", "rho = 2500.0\nqmu = 40.0\nqkappa = 300.0").replace(
        "duration = 0.4", "duration = 0.4\nattenuation = { n_sls = 2, band = [0.02, 0.5] }")
    (tmp_path / "run.toml").write_text(text)
    assert main(["run", str(tmp_path / "run.toml")]) == 0, capsys.readouterr().err
    cli = read_result(tmp_path / "out" / "seis.h5")
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=3)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0, qmu=40.0, qkappa=300.0)
    api = sem.Simulation(mesh, model, api_sources(), api_receivers(), duration=0.4, boundaries="absorbing",
                         backend="numpy", dtype="float64", record="velocity", progress=False,
                         origin_time="2026-03-01T12:00:00",
                         attenuation=sem.Attenuation(n_sls=2, band=(0.02, 0.5))).run()
    peak = np.abs(api.data).max()
    np.testing.assert_allclose(cli.data, api.data, rtol=1e-12, atol=1e-12 * peak)
    assert abs(peak / np.abs(api_result().data).max() - 1) > 1e-3          # attenuation did something


# --- HDF5 and ASDF files of geographic receivers ------------------------------------------------
@pytest.fixture(scope="module")
def geo_result():
    from obspy import UTCDateTime
    rng = np.random.default_rng(7)
    receivers = [sem.Receiver.geographic(-15.25, -178.0, 0.0, network="XT", station="ST01"),
                 sem.Receiver.geographic(-20.5, 170.125, 12.5, network="XT", station="ST02", location="00"),
                 sem.Receiver.geographic(48.0, 11.5, 0.3, network="YY", station="MU", radius=6.3e6)]
    dt = 0.05
    times = -0.6 + dt * np.arange(80)                                 # starts before the origin time
    sources = [sem.MomentTensorSource.geographic(-19.9, -178.0, 305.0, -3.1e18, 1.2e18, 1.9e18, 8e17, -1.4e18,
                                                 5e17, stf=sem.stf.Gaussian(0.2, 0.3))]
    return sem.Result(times, rng.standard_normal((3, 3, len(times))), receivers, quantity="acceleration",
                      sources=sources, origin_time=UTCDateTime("2024-07-09T11:42:09.300000Z"))


def test_hdf5_round_trip_of_geographic_receivers(geo_result, tmp_path):
    from obspy import UTCDateTime
    res = geo_result
    res.save_hdf5(tmp_path / "geo.h5")
    back = read_result(tmp_path / "geo.h5")
    np.testing.assert_array_equal(back.times, res.times)
    assert back.times[0] < 0
    np.testing.assert_array_equal(back.data, res.data)
    assert back.quantity == "acceleration" and back.components == res.components == ("X", "Y", "Z")
    assert UTCDateTime(back.origin_time) == res.origin_time
    assert back.geographic
    for b, r in zip(back.receivers, res.receivers, strict=True):
        assert (b.network, b.name, b.location) == (r.network, r.name, r.location)
        assert (b.lat, b.lon, b.depth_km, b.radius) == (r.lat, r.lon, r.depth_km, r.radius)
        np.testing.assert_allclose(b.position, r.position, rtol=1e-15, atol=1e-9)
        np.testing.assert_allclose(b.rotation, r.rotation, rtol=0, atol=1e-15)
    np.testing.assert_allclose(back.data_zne, res.data_zne, rtol=0, atol=1e-13)


def test_asdf_holds_the_stream_stations_and_event(geo_result, tmp_path):
    import pyasdf
    from obspy import UTCDateTime
    res = geo_result
    res.save_asdf(tmp_path / "geo.asdf.h5")
    expected = res.to_stream()
    assert len(expected) == 9 and {tr.stats.channel for tr in expected} == {"BXZ", "BXN", "BXE"}
    ds = pyasdf.ASDFDataSet(str(tmp_path / "geo.asdf.h5"), mode="r")
    try:
        assert sorted(ds.waveforms.list()) == ["XT.ST01", "XT.ST02", "YY.MU"]
        got = sum((ds.waveforms[s]["synthetic"] for s in ds.waveforms.list()), start=type(expected)())
        assert sorted(tr.id for tr in got) == sorted(tr.id for tr in expected)
        for want in expected:
            (tr,) = got.select(id=want.id)
            np.testing.assert_array_equal(tr.data, want.data)
            assert tr.data.dtype == want.data.dtype
            assert tr.stats.starttime == want.stats.starttime == res.origin_time + res.times[0]
            assert tr.stats.sampling_rate == want.stats.sampling_rate
            assert tr.stats.npts == len(res.times)
        # stations: StationXML with coordinates, burial depth and Z/N/E channels
        for r in res.receivers:
            inv = ds.waveforms[f"{r.network}.{r.name}"].StationXML
            (sta,) = [s for net in inv for s in net]
            assert (sta.code, sta.latitude, sta.longitude, sta.elevation) == (r.name, r.lat, r.lon, 0.0)
            chans = {(c.location_code, c.code): c for c in sta.channels}
            assert set(chans) == {(r.location, f"BX{c}") for c in "ZNE"}
            assert all(c.depth == 1000.0 * r.depth_km for c in chans.values())
            assert (chans[(r.location, "BXZ")].dip, chans[(r.location, "BXE")].azimuth) == (-90.0, 90.0)
            coords = ds.waveforms[f"{r.network}.{r.name}"].coordinates
            assert (coords["latitude"], coords["longitude"]) == (r.lat, r.lon)
            np.testing.assert_array_equal(ds.auxiliary_data.ReceiverPositions[f"{r.network}_{r.name}"].data[()],
                                          r.position)
        # the event: origin at the origin time + the time shift, moment tensor in N m
        (ev,) = ds.events
        org = ev.preferred_origin()
        assert org.time == UTCDateTime("2024-07-09T11:42:09.6Z")
        assert (org.latitude, org.longitude, org.depth) == (-19.9, -178.0, 305000.0)
        t = ev.preferred_focal_mechanism().moment_tensor.tensor
        np.testing.assert_array_equal([t.m_rr, t.m_tt, t.m_pp, t.m_rt, t.m_rp, t.m_tp],
                                      [-3.1e18, 1.2e18, 1.9e18, 8e17, -1.4e18, 5e17])
        assert ev.preferred_magnitude().magnitude_type == "Mw"
        assert all(tr.stats.asdf.event_ids[0] == ev.resource_id for tr in got)
        np.testing.assert_array_equal(ds.auxiliary_data.SimulationTimes["times"].data[()], res.times)
        assert ds.auxiliary_data.SimulationTimes["times"].parameters["quantity"] == "acceleration"
    finally:
        del ds
