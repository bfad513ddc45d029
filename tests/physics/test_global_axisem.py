"""The first global seismograms against an independent solver: AxiSEM (through instaseis).

Model: isotropic PREM "light" (no crust, no ocean, no attenuation, no gravity), the model of
instaseis' 100 s test database. sem runs the same moment tensor on a cubed-sphere mesh built for
100 s with the database's own moment function, at the depth where AxiSEM actually simulated the
source (0 km: AxiSEM moves it to the nearest GLL point of its axis; the database's nominal 12 km is
the depth asked for; see instaseis_reference). Both are low-passed at 150 s (zero-phase Butterworth)
and compared sample by sample.

Measured (2026-11-23, 100-s mesh, float64, 1310 s after the origin), relative L2 Z / N / E in %:
  20 deg 0.5/0.3/0.3   40 deg 0.6/0.9/0.5   60 deg 0.2/0.1/0.1   80 deg 0.1/0.2/0.1
 100 deg 0.2/0.1/0.0  120 deg 0.4/0.1/0.1  140 deg 0.5/0.1/0.0  160 deg 1.1/0.3/0.2
(with the source at 12 km instead: 1.5-16 %, 93 % on Z at 160 deg; at 6 km: 0.9-46 %).
Tolerance 2 % per receiver and component (the issue asks for 5 %): the measured 1.1 % plus margin;
sem's own discretisation error at 100 s is about 0.4 % (70-s vs 100-s mesh) and the reference's
resampling from 24.7-s samples about 0.1 %; a source 3 km off would already fail it.
The default run covers 700 s after the origin at 20-50 degrees (about 3 min on 2 cores);
SEM_AXISEM_FULL=1 runs the whole record the database allows (1310 s) at 20-160 degrees (about 8 min).
"""

import os

import numpy as np
import pytest

import sem

ir = pytest.importorskip("instaseis_reference")

FULL = os.environ.get("SEM_AXISEM_FULL") == "1"
SOURCE = (5.0, 0.0)                                           # lat, lon (degrees)
M_RTP = np.array([1.0, -0.4, -0.6, 0.5, -0.7, 0.8]) * 1e20     # Mrr Mtt Mpp Mrt Mrp Mtp, N m
AZIMUTH = 35.0                                                # of the receiver line, degrees from north


def receiver_positions(distances):
    """(lat, lon) at the given epicentral distances along a great circle at AZIMUTH from SOURCE."""
    lat0, lon0, az, d = (np.radians(v) for v in (*SOURCE, AZIMUTH, np.asarray(distances, float)))
    lat = np.arcsin(np.sin(lat0) * np.cos(d) + np.cos(lat0) * np.sin(d) * np.cos(az))
    lon = lon0 + np.arctan2(np.sin(az) * np.sin(d) * np.cos(lat0), np.cos(d) - np.sin(lat0) * np.sin(lat))
    return np.degrees(lat), (np.degrees(lon) + 180.0) % 360.0 - 180.0


@pytest.mark.slow
def test_prem_light_100s_against_axisem():
    ir.open_database()                                        # skips cleanly without the data
    distances = np.arange(20, 161, 20) if FULL else np.array([20.0, 30.0, 40.0, 50.0])
    duration = ir.end_time() if FULL else 700.0
    earth = sem.earth.PREM(crust=False, isotropic=True)
    mesh = sem.mesh.cubed_sphere(earth, min_period=100.0)
    model = sem.Model.from_earth(mesh, earth)
    lats, lons = receiver_positions(distances)
    recs = [sem.Receiver.geographic(la, lo, 0.0, station=f"D{int(d):03d}") for la, lo, d in zip(lats, lons, distances)]
    sim = sem.Simulation(mesh, model, [ir.sem_source(*SOURCE, M_RTP)], recs, duration=duration, progress=False)
    print(sim.report())
    res = sim.run()
    ref = ir.reference(*SOURCE, 12.0, M_RTP, list(zip(lats, lons)), res.times)
    ours = ir.lowpass(res.data_zne, res.dt, period=150.0)
    theirs = ir.lowpass(ref, res.dt, period=150.0)
    misfit = ir.relative_l2(ours, theirs)                     # (nrec, 3): Z, N, E
    print(f"run: {res.log.wall_time:.0f} s for {res.log.steps} steps of {mesh.nspec} elements")
    for d, m in zip(distances, misfit):
        print(f"  {d:5.0f} deg  Z {100 * m[0]:5.2f} %  N {100 * m[1]:5.2f} %  E {100 * m[2]:5.2f} %")
    assert np.all(np.abs(theirs).max(axis=-1) > 0)
    assert np.all(misfit < 0.02)
