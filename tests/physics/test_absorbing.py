"""Stacey absorbing boundary: energy reflected by a face at normal incidence.

A vertical force 900 m above the bottom face sends its strongest P wave straight down. The same
run is made three times, differing only below z = 0: (1) an absorbing bottom face at z = 0,
(2) a free bottom face at z = 0 (total reflection), (3) the medium extended 1.5 km further down
(no reflection within the window; the reference). Sides are absorbing and the top is free in all
three, so u - u_ref is the wave reflected at z = 0 alone. The reflected energy of the absorbing
face relative to the free face, at a receiver between source and face, measures the reflection
coefficient (squared): measured 1.14 % (amplitude 0.107); the tolerance is 2 % (a P impedance off
by more than about 25 % fails it). The first-order Clayton-Engquist condition reflects nothing at
normal incidence for plane waves, ~1 % for this spherical wave.
"""

import numpy as np

import sem

VP, VS, RHO = 3000.0, 1732.0, 2500.0


def run(bottom_depth, bottom):
    nz = int(round((1500.0 + bottom_depth) / 125.0))
    mesh = sem.mesh.box((2000.0, 2000.0, 1500.0 + bottom_depth), (16, 16, nz), order=4,
                        origin=(0.0, 0.0, -bottom_depth))
    model = sem.Model.isotropic(mesh, vp=VP, vs=VS, rho=RHO)
    src = sem.ForceSource((1010.0, 995.0, 900.0), (0.0, 0.0, 1e10), sem.stf.Ricker(f0=4.0))
    rec = sem.Receiver((1000.0, 1000.0, 450.0))
    sides = ["xmin", "xmax", "ymin", "ymax"] + (["zmin"] if bottom == "absorbing" else [])
    return sem.Simulation(mesh, model, [src], [rec], duration=0.95, boundaries=sides,
                          progress=False).run()


def test_normal_incidence_reflection_below_2_percent():
    ref = run(1500.0, "free")                      # bottom 1.5 km further down: no reflection in time
    stacey = run(0.0, "absorbing")
    free = run(0.0, "free")
    assert np.allclose(ref.times, stacey.times)
    e_stacey = np.sum((stacey.data - ref.data) ** 2)
    e_free = np.sum((free.data - ref.data) ** 2)
    ratio = e_stacey / e_free
    print(f"reflected energy, absorbing / free face: {ratio:.4f} (amplitude ratio {np.sqrt(ratio):.3f})")
    assert e_free > 0.05 * np.sum(ref.data**2)     # the free face really reflects in this window
    assert ratio < 0.02
