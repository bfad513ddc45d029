"""Seismogram output: HDF5 round trip, ASDF readable by pyasdf, ObsPy streams, atomic writes."""

import numpy as np
import pytest

import sem
from sem.io.atomic import atomic_path
from sem.io.hdf5 import read_result


@pytest.fixture(scope="module")
def result():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=3)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0)
    src = sem.MomentTensorSource((400, 500, 450), (1e12, 1e12, 1e12, 0, 0, 0), sem.stf.Gaussian(0.02, 0.05))
    recs = [sem.Receiver((700, 500, 1000), "A01", network="XY"), sem.Receiver((500, 800, 1000), "A02", network="XY")]
    sim = sem.Simulation(mesh, model, [src], recs, duration=0.2, progress=False,
                         origin_time="2026-03-01T12:00:00")
    return sim.run()


def test_hdf5_round_trip(result, tmp_path):
    path = tmp_path / "seis.h5"
    result.save_hdf5(path)
    back = read_result(path)
    np.testing.assert_array_equal(back.data, result.data)
    np.testing.assert_array_equal(back.times, result.times)
    assert [r.name for r in back.receivers] == ["A01", "A02"]
    np.testing.assert_array_equal(back.receivers[1].position, [500, 800, 1000])
    assert back.quantity == "displacement" and np.abs(back.data).max() > 0
    assert [p.name for p in tmp_path.iterdir()] == ["seis.h5"]        # no temporary left behind


def test_stream_and_asdf(result, tmp_path):
    from obspy import UTCDateTime
    st = result.to_stream()
    assert len(st) == 6
    tr = st.select(station="A02", channel="*Z")[0]
    assert tr.id == f"XY.A02..{tr.stats.channel}" and tr.stats.channel.endswith("XZ")
    assert tr.stats.starttime == UTCDateTime("2026-03-01T12:00:00") + result.times[0]
    np.testing.assert_allclose(tr.stats.delta, result.dt)
    np.testing.assert_array_equal(tr.data, result.data[1, 2])

    import pyasdf
    path = tmp_path / "seis.asdf.h5"
    result.save_asdf(path)
    ds = pyasdf.ASDFDataSet(str(path), mode="r")
    try:
        assert sorted(ds.waveforms.list()) == ["XY.A01", "XY.A02"]
        back = ds.waveforms["XY.A02"]["synthetic"].select(channel="*Z")[0]
        np.testing.assert_allclose(back.data, result.data[1, 2], rtol=1e-12)
        pos = ds.auxiliary_data.ReceiverPositions["XY_A02"].data[()]
        np.testing.assert_array_equal(pos, [500, 800, 1000])
        assert ds.provenance.list() == ["sem_simulation"]
        provn = ds.provenance["sem_simulation"].get_provn()
        assert "software_agent" in provn and 'seis_prov:software_name="sem"' in provn
        assert "waveform_simulation" in provn and f"seis_prov:number_of_samples={len(result.times)}" in provn
        assert ds.waveforms["XY.A02"]["synthetic"][0].stats.asdf.provenance_id.endswith("sp002_ws_semsimu")
    finally:
        del ds


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.h5"
    target.write_text("previous result")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half written")
            raise RuntimeError("crash while writing")
    assert target.read_text() == "previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.h5"]


def test_reading_a_foreign_file_is_refused(tmp_path):
    import h5py
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["data"] = np.zeros(3)
    with pytest.raises(ValueError, match="not a sem seismogram file"):
        read_result(tmp_path / "x.h5")
