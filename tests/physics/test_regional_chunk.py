"""A regional chunk against the global run, before the chunk's boundaries can matter.

Light PREM meshed for 200 s; the 90 x 90 degree chunk centred on (0, 0), 2500 km deep, with
Stacey sides and bottom (the grid of one face of the global cubed sphere, so that the two runs differ
by the boundaries only), and the whole globe, run with the same time step. Receivers 8-16 degrees
from a source near the chunk centre; compared (after a 300 s low-pass, 1.5 x the mesh period) over
the first 420 s, before any wave that reached a chunk side or the bottom (P down to 2500 km and back
up: >= 5000 km at <= 11 km/s, 450 s) can arrive.
Tolerance 2% relative L2 (issue requirement); the two meshes differ (the chunk is a different
gnomonic grid), so this also checks that the geometry of a chunk is the globe's.
"""

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

import sem

SOURCE = (3.0, -2.0, 30.0)                                         # lat, lon, depth km
M_RTP = (1e20, -0.3e20, -0.7e20, 0.4e20, -0.5e20, 0.6e20)
PERIOD = 200.0


def lowpass(x, dt, period):
    return sosfiltfilt(butter(4, 1.0 / period, fs=1.0 / dt, output="sos"), x, axis=-1)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known gap (issue 3): the chunk mesher picks its own nex and radial "
                   "levels (nex 14 vs the globe's 16 here, no doubling; with nex=16 still only 81 % of its "
                   "points are the globe's), so the runs differ by discretisation, not only by the "
                   "boundaries: 0.15-7 % measured")
def test_chunk_matches_global_before_boundary_waves():
    earth = sem.earth.PREM(crust=False, isotropic=True)
    glob = sem.mesh.cubed_sphere(earth, PERIOD)
    chunk = sem.mesh.cubed_sphere(earth, PERIOD, chunk=dict(center=(0.0, 0.0), width=(90.0, 90.0),
                                                             azimuth=0.0, depth_km=2500.0))
    src = sem.MomentTensorSource.geographic(*SOURCE, *M_RTP, stf=sem.stf.Gaussian(half_duration=60.0))
    recs = [sem.Receiver.geographic(SOURCE[0] + dlat, SOURCE[1] + dlon, 0.0, station=f"S{i}")
            for i, (dlat, dlon) in enumerate([(8.0, 3.0), (-6.0, 11.0), (12.0, -9.0), (-14.0, -6.0)])]
    runs = {}
    sims = {name: sem.Simulation(mesh, sem.Model.from_earth(mesh, earth), [src], recs, duration=420.0,
                                 boundaries="absorbing" if name == "chunk" else "free", progress=False)
            for name, mesh in (("globe", glob), ("chunk", chunk))}
    dt = min(s.dt for s in sims.values())
    for name, mesh in (("globe", glob), ("chunk", chunk)):
        sim = sem.Simulation(mesh, sims[name].model, [src], recs, duration=420.0, dt=dt,
                             boundaries="absorbing" if name == "chunk" else "free", progress=False)
        runs[name] = lowpass(sim.run().data_zne, dt, 1.5 * PERIOD)
    err = (np.linalg.norm(runs["chunk"] - runs["globe"], axis=-1)
           / np.linalg.norm(runs["globe"], axis=-1))
    print(f"chunk {chunk.nspec} elements, globe {glob.nspec}; relative L2 (Z, N, E) per receiver:\n",
          np.round(err, 4))
    assert np.all(err < 0.02)
