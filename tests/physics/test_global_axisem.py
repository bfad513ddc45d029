"""The first global seismograms against an independent solver: AxiSEM (through instaseis).

Model: isotropic PREM "light" (no crust, no ocean, no attenuation, no gravity), the model of
instaseis' 100 s test database. sem runs the same moment tensor on a cubed-sphere mesh with the
database's own moment function, at the depth where AxiSEM actually simulated the source (0 km:
AxiSEM moves it to the nearest GLL point of its axis; the database's nominal 12 km is the depth
asked for; see instaseis_reference). Both are low-passed (zero-phase Butterworth) and compared
sample by sample.

Two runs, the whole record the database allows (1310 s after the origin), receivers at 20-170 degrees:

- default (CI): the 150-s mesh (31,464 elements, dt 0.676 s, about 3 min on 2 cores), both low-passed
  at 200 s. Measured (2026-12-02, float64), relative L2 Z / N / E in %, whole trace, and in the window
  of the core phases (the first PKP arrival by TauP in PREM, -60 s to +120 s; its peak is 0.93-0.99
  of the trace's: at 120-170 degrees the record is PKP):
      20 0.6/0.3/0.5   30 0.8/0.4/0.5   40 0.9/0.3/0.3   50 0.8/0.9/0.4   60 0.3/0.3/0.3
      80 0.2/0.2/0.2  100 0.1/0.1/0.1
     120 0.2/0.1/0.1 (PKP 0.2/0.1/0.1)   130 0.1/0.1/0.0 (0.1/0.1/0.0)   140 0.3/0.1/0.1 (0.4/0.1/0.1)
     150 0.4/0.1/0.1 (0.7/0.1/0.1)       160 0.6/0.1/0.1 (0.7/0.1/0.0)   170 1.4/0.3/0.2 (1.7/0.3/0.2)
  PKP crosses the solid-fluid coupling at the core-mantle boundary twice and the inner-core boundary
  twice (PKIKP): a wrong coupling changes exactly these traces. SKS at 130-170 degrees (1580 s and
  later) arrives after the database's usable end and is not compared.
- SEM_AXISEM_FULL=1: the 100-s mesh (64,896 elements, dt 0.54 s, about 8 min), both low-passed at 150 s.
  Measured (2026-12-02, float64), whole trace (PKP window):
      20 0.4/0.3/0.2   30 0.4/0.4/0.3   40 0.5/0.8/0.4   50 0.3/0.4/0.1   60 0.2/0.1/0.1
      80 0.2/0.2/0.1  100 0.2/0.1/0.0
     120 0.4/0.1/0.1 (0.4/0.1/0.1)   130 0.5/0.1/0.1 (0.3/0.1/0.1)   140 0.5/0.1/0.1 (0.6/0.1/0.1)
     150 1.1/0.1/0.1 (1.8/0.1/0.0)   160 1.1/0.3/0.2 (1.3/0.3/0.2)   170 2.1/0.9/0.6 (2.2/1.0/0.6)
  (with the source at 12 km instead of AxiSEM's 0 km: 1.5-16 %, 93 % on Z at 160 deg; at 6 km:
  0.9-46 %). sem's own discretisation error at 100 s is about 0.4 % (70-s vs 100-s mesh).

Tolerances, one for both runs: 2.5 % per receiver and component on the whole trace and 3 % in the
PKP windows (the largest measured, 2.1 % and 2.2 %, at 170 degrees on Z, where the antipodal focus
makes the amplitude most sensitive, plus margin; below 160 degrees everything is under 1.1 % and
1.8 %). The reference's resampling from 24.7-s samples costs about 0.1 %. Wrong physics fails: the
source 6 km deep (up to 46 %), and a solid-fluid coupling matrix 10 % too large (default run: PKP windows 3.1-14.5 %
on Z at every core distance, and 5-7 % at 50-80 degrees through the core reflections).
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


DISTANCES = np.array([20, 30, 40, 50, 60, 80, 100, 120, 130, 140, 150, 160, 170.0])
CORE = DISTANCES >= 120.0                                     # PKP is the record there
MESH_PERIOD, LOWPASS = (100.0, 150.0) if FULL else (150.0, 200.0)
TOL_TRACE, TOL_CORE = 0.025, 0.03


def core_phase_window(times, distance):
    """Boolean mask of `times` from 60 s before to 120 s after the first PKP arrival (TauP, PREM,
    surface source)."""
    from obspy.taup import TauPyModel
    arrivals = TauPyModel("prem").get_travel_times(0.0, float(distance), phase_list=["PKP", "PKIKP"])
    first = min(a.time for a in arrivals)
    return (times > first - 60.0) & (times < first + 120.0)


@pytest.mark.slow
def test_prem_light_against_axisem_including_core_phases():
    ir.open_database()                                        # skips cleanly without the data
    duration = ir.end_time()
    earth = sem.earth.PREM(crust=False, isotropic=True)
    mesh = sem.mesh.cubed_sphere(earth, min_period=MESH_PERIOD)
    model = sem.Model.from_earth(mesh, earth)
    lats, lons = receiver_positions(DISTANCES)
    recs = [sem.Receiver.geographic(la, lo, 0.0, station=f"D{int(d):03d}") for la, lo, d in zip(lats, lons, DISTANCES)]
    sim = sem.Simulation(mesh, model, [ir.sem_source(*SOURCE, M_RTP)], recs, duration=duration, progress=False)
    print(sim.report())
    res = sim.run()
    ref = ir.reference(*SOURCE, 12.0, M_RTP, list(zip(lats, lons)), res.times)
    ours = ir.lowpass(res.data_zne, res.dt, period=LOWPASS)
    theirs = ir.lowpass(ref, res.dt, period=LOWPASS)
    misfit = ir.relative_l2(ours, theirs)                     # (nrec, 3): Z, N, E
    print(f"run: {res.log.wall_time:.0f} s for {res.log.steps} steps of {mesh.nspec} elements; "
          f"low-passed at {LOWPASS:g} s")
    core = {}
    for k in np.flatnonzero(CORE):
        w = core_phase_window(res.times, DISTANCES[k])
        core[k] = (ir.relative_l2(ours[k][:, w], theirs[k][:, w]),
                   np.abs(theirs[k][0, w]).max() / np.abs(theirs[k][0]).max())
    for k, (d, m) in enumerate(zip(DISTANCES, misfit)):
        line = f"  {d:5.0f} deg  Z {100 * m[0]:5.2f} %  N {100 * m[1]:5.2f} %  E {100 * m[2]:5.2f} %"
        if k in core:
            c, share = core[k]
            line += f"   PKP window Z {100 * c[0]:5.2f} %  N {100 * c[1]:5.2f} %  E {100 * c[2]:5.2f} % (peak {share:.2f})"
        print(line)
    assert np.all(np.abs(theirs).max(axis=-1) > 0)
    assert np.all(misfit < TOL_TRACE)
    for c, share in core.values():
        assert share > 0.5                                    # the window holds the record's main arrival
        assert np.all(c < TOL_CORE)
