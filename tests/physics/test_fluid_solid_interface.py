"""Fluid-solid interfaces against closed forms: plane-wave coefficients, O(h) welded limit, curved faces.

1. Flat interface, plane-wave coefficients. An explosion (no S radiated) 310 m above a flat
   interface z = 0 between a solid (vp 3000, vs 1732 m/s, rho 2500) and a water-like fluid below
   (vp 1500 m/s, rho 1000; vs = 0 in whole elements, so the fluid is the potential chi). Since
   vf < vs < vp no wave of an incident P is critical: the coefficients are real at every angle.
   The closed forms come from continuity of normal displacement and normal traction and zero shear
   traction on the interface (Aki & Richards 2002, Quantitative Seismology, 2nd ed., sec. 5.2;
   Brekhovskikh 1980, Waves in Layered Media): a 3x3 system for reflected P, converted SV and
   transmitted P, written out in `plane_wave_coefficients` and checked below by the balance of
   the vertical energy flux (to 1e-12) and, with the fluid removed, against A&R's free-surface PP
   and PS formulas. At normal incidence R = (Z_f - Z_s) / (Z_f + Z_s) = -2/3 and T = 1 - R = 5/3
   (displacement along the direction of propagation; Z = rho vp).
   Three runs on the same 50 m, order-4 elements above the interface (absorbing outer solid faces;
   the fluid's outer faces are rigid, they are not reached in the windows): (a) the fluid below,
   (b) the same solid below (reference, no interface), (c) nothing below (a free surface). (a) - (b)
   and (c) - (b) are the fields scattered by the interface alone. Receivers at z = 440 m on the
   reflected rays of 0, 20 and 30 degrees; the fluid, where sem has no receivers, is read through
   a callback: u.k = -chi_dot / (rho_f vf) at nodes 50 m below the interface on the transmitted
   rays. Each arrival (reflected P, converted SV at the same receivers ~0.12 s later, transmitted P)
   is projected on its polarisation and fitted, in a window of +-0.9 periods around its ray travel
   time, to the ray-theory prediction (coefficient) x (the far-field P pulse of the explosion,
   A&R eq. 4.29) / L, with L the geometrical-spreading length of the ray through the plane
   interface (the image distance for reflected P; for a converted or transmitted ray
   L^2 = cos i X (dX/di) / sin i from the ray-tube energy, X the horizontal range).
   Spherical-wave effects: the fit at the ray travel time does not see the first-order correction
   of a point source (it is in quadrature with the pulse); what is left is second order in
   1 / (k D): the exact on-axis reflection of the point source (a Sommerfeld integral over the same
   plane-wave coefficients, `on_axis_point_source_reflection`) gives -0.6531 instead of -2/3 (-2.0 %)
   and -0.9848 instead of -1 for the free surface, at the 750 m image distance of the test.

   measured (f0 = 15 Hz)      closed form   sem      (free surface: closed, sem)
   PP  0.0 deg                 -0.6667     -0.6447    -1.0000  -0.9793
   PP 20.0                     -0.5129     -0.5011    -0.8222  -0.8149
   PP 30.0                     -0.3447     -0.3355    -0.6263  -0.6212
   PS 26.6 (at the 20-deg rec.)  0.7505      0.7514     0.9063   0.9119
   PS 39.8 (at the 30-deg rec.)  0.9014      0.9140     1.0955   1.1185
   T   0.6 (fluid node)          1.6666      1.6778
   T  21.2                       1.5528      1.5656
   T  29.5                       1.4505      1.4623
   PP at 0 deg against the exact point-source value: -1.3 % (fluid), -0.6 % (free surface).

   Tolerances (measured + margin): PP 5 % of the closed form (measured <= 3.3 %), PP as a ratio to
   the free-surface PP of the same receiver 3 % (measured <= 1.9 %; the common spreading and
   discretisation errors cancel), PS 3 % (<= 1.4 %) and as a ratio to the free surface 2 %
   (<= 0.7 %), T 2.5 % (<= 0.8 %), PP at 0 deg against the exact point source 2.5 % (1.3 %).
   Wrong physics fails (scratch runs with sem patched; deviations from the closed forms): the
   coupling matrix C 25 % too large on both sides (PP -25 %, T +15 %) or on the solid side only
   (PP -13 %, T -3.4 %); rho 25 % too large in the fluid's flux grad(chi) / rho (PP ratio -5.3 %,
   T -11 %); kappa 25 % too large in the fluid's mass 1 / kappa (PP -8 %, PP ratio -6 %).
2. The welded limit as a convergence: the coupled fluid inclusion of test_fluid_coupling.py
   against the same inclusion as a welded solid with vs = 1 m/s, with the inclusion's elements
   (and only those) refined, 200 -> 133 -> 100 m (order 4, 200 m outside; 1.2 s). The welded model
   forces the tangential displacement of the solid onto the inclusion's boundary, a slip layer
   that its elements smear over their width: the difference falls like h. (On uniformly refined
   meshes the difference depends only on the inclusion's element size: measured the same to 1e-3
   on 150 m and 133 m meshes whose inclusions both have 133 m elements.)

   inclusion elements   200 m     133 m     100 m      observed order
   R0 (below)           0.0466    0.0321    0.0248     0.92, 0.89
   R1 (beside)          0.0571    0.0371    0.0280     1.06, 0.99
   R2                   0.0292    0.0193    0.0145     1.02, 1.00
   R3 (above)           0.0059    0.0039    0.0029     1.02, 1.03

   Tolerance: the order between 0.7 and 1.5 on both steps at every receiver, and the difference
   smaller at every refinement. A wrong coupling does not converge to the welded limit (scratch
   runs): C 25 % too large gives 30, 15, 9, 2 % at every size (order ~0), rho 25 % too large in
   the fluid's flux 33, 12, 3, 0.8 % (order -0.3 to 0.6).
3. A curved interface: the coupled energy of test_fluid_coupling.py stays constant (no sources, no
   absorbing faces, 600 steps) on a box (4^3 elements of order 4) under a smooth radial bulge, so
   that the faces of its fluid inclusion (2^3 elements) are curved: their normals spread over 9-12
   degrees on every face. Checked first that the interface is closed: sum of n dS = 0 (measured
   1.5e-16 of the area, tolerance 1e-12) and (1/3) sum of x.n dS is the fluid's volume (divergence
   theorem; measured 7e-6 relative from the GLL quadrature of curved faces, tolerance 1e-4).
   Measured: fluid share of the energy up to 0.11, total varies by 0.84 %, the halves' means
   differ by 4e-5. Tolerances 1.5 % (tighter than the flat case's 3 %: with C 25 % too large on
   the solid side only, the energy varies by 2.0 %) and 0.5 %. A symmetric error of C (both sides
   scaled alike) conserves an energy too and passes here; test 1 catches it.
"""

import numpy as np
import pytest
from scipy.special import roots_legendre

import sem
from helpers import coupled_energy, relative_l2, wavy
from sem.physics.coupling import Coupling, coupling_faces

VP, VS, RHO = 3000.0, 1732.0, 2500.0          # solid
VF, RHOF = 1500.0, 1000.0                     # fluid


# ---- closed forms ------------------------------------------------------------------------------

def plane_wave_coefficients(p, fluid=True):
    """Plane P wave in the solid (z > 0) incident on the interface z = 0 from above, horizontal
    slowness p (s/m, array; complex vertical slownesses beyond the critical ones, Im >= 0).
    Returns (R_PP, R_PS, T): displacement amplitudes along the polarisations, relative to the
    incident P, with, for incidence angle i, SV angle j and fluid angle t (x the horizontal
    direction of propagation, z up):
        incident P   along k_i = ( sin i, 0, -cos i)
        reflected P  along k_p = ( sin i, 0,  cos i)
        reflected SV along e_s = ( cos j, 0, -sin j)      (its ray (sin j, 0, cos j))
        fluid P      along k_t = ( sin t, 0, -cos t)
    Conditions on z = 0: u_z continuous, sigma_zz continuous (-p_fluid), sigma_xz = 0. A plane wave
    u = A d f(t - k.x / c) has sigma = -(A f' / c) (lambda (d.k) I + mu (d k^T + k d^T)).
    `fluid=False`: a free surface (sigma_zz = sigma_xz = 0), T = 0."""
    p = np.asarray(p, dtype=complex)
    ci, si = VP * np.sqrt(1 / VP**2 - p**2), VP * p
    cj, sj = VS * np.sqrt(1 / VS**2 - p**2), VS * p
    ct = VF * np.sqrt(1 / VF**2 - p**2)
    lam, mu, kappa = RHO * (VP**2 - 2 * VS**2), RHO * VS**2, RHOF * VF**2
    szz = (lam + 2 * mu * ci**2) / VP                    # -sigma_zz / f' of a unit P wave (down or up)
    one, zero = np.ones_like(p), np.zeros_like(p)
    rows = [[szz, -2 * mu * sj * cj / VS], [2 * si * ci / VP, (cj**2 - sj**2) / VS]]   # sigma_zz, sigma_xz
    rhs = [-szz, 2 * si * ci / VP]
    if fluid:
        rows = [[ci, -sj, ct], rows[0] + [-kappa / VF * one], rows[1] + [zero]]       # u_z first
        rhs = [ci] + rhs
    a = np.moveaxis(np.array(rows), (0, 1), (-2, -1))
    x = np.linalg.solve(a, np.moveaxis(np.array(rhs), 0, -1)[..., None])[..., 0]
    x = np.moveaxis(x, -1, 0)
    return x[0], x[1], (x[2] if fluid else zero)


def slowness(angle):
    return np.sin(angle) / VP


def energy_flux_balance(i, r, s, t):
    """Outgoing over incident vertical energy flux (rho c cos(angle) A^2 per wave); 1 when conserved."""
    p = slowness(i)
    cj, ct = np.sqrt(1 - (VS * p) ** 2), np.sqrt(1 - (VF * p) ** 2)
    return (RHO * VP * np.cos(i) * r**2 + RHO * VS * cj * s**2 + RHOF * VF * ct * t**2) / (RHO * VP * np.cos(i))


def free_surface_aki_richards(i):
    """PP and PS of a free surface for incident P (Aki & Richards 2002, sec. 5.2)."""
    p = np.sin(i) / VP
    ci, cj = np.cos(i), np.sqrt(1 - (VS * p) ** 2)
    b = (1 / VS**2 - 2 * p**2) ** 2
    c = 4 * p**2 * ci / VP * cj / VS
    return (c - b) / (b + c), 4 * VP / VS * p * ci / VP * (1 / VS**2 - 2 * p**2) / (b + c)


def ray(rho, h1, h2, v2):
    """A P leg from a source h1 above the interface, then a leg at speed v2 to a point h2 from the
    interface, horizontal range rho. Returns (i, travel time, L): incidence angle of the P leg,
    time (s), geometrical-spreading length (amplitude = A_P / L), from the ray-tube energy
    L^2 = cos i X dX/di / sin i with X(i) = h1 tan i + h2 tan j (L = h1 + h2 v2 / VP on the axis)."""
    from scipy.optimize import brentq
    x_of = lambda i: h1 * np.tan(i) + h2 * np.tan(np.arcsin(v2 * np.sin(i) / VP))
    i = 0.0 if rho < 1e-9 else brentq(lambda i: x_of(i) - rho, 0.0, 0.5 * np.pi - 1e-6, xtol=1e-14)
    j = np.arcsin(v2 * np.sin(i) / VP)
    time = h1 / (VP * np.cos(i)) + h2 / (v2 * np.cos(j))
    if rho < 1e-9:
        return i, time, h1 + h2 * v2 / VP
    dxdi = h1 / np.cos(i) ** 2 + h2 * v2 * np.cos(i) / (VP * np.cos(j) ** 3)
    return i, time, np.sqrt(np.cos(i) * rho * dxdi / np.sin(i))


# ---- the flat-interface runs ---------------------------------------------------------------------

F0, M0 = 15.0, 1e12
STF = sem.stf.Ricker(f0=F0)
H, ZR, DEPTH = 310.0, 440.0, 50.0             # source height, receiver height, fluid node depth
ANGLES = np.radians([0.0, 20.0, 30.0])         # reflected-P angles at the receivers
DURATION = 0.56


def explosion_far_field(times, t_arrival, length):
    """Far-field radial displacement of the explosion M0 STF(t) at distance `length`, arriving at
    t_arrival (A&R eq. 4.29: M0 dSTF/dt(t - r/vp) / (4 pi rho vp^3 r))."""
    e = 1e-6 / F0
    tau = np.asarray(times) - t_arrival
    return M0 * (STF(tau + e) - STF(tau - e)) / (2 * e) / (4 * np.pi * RHO * VP**3 * length)


def fitted_amplitude(signal, times, t_arrival, length, half_width=0.9):
    """Least-squares amplitude of `signal` against the predicted pulse, in a window of +- half_width
    periods (cos^2 tapers of 0.3 period) around the arrival's peak."""
    s = explosion_far_field(times, t_arrival, length)
    x = np.abs(times - t_arrival - STF.delay) * F0
    w = np.sin(0.5 * np.pi * np.clip((half_width - x) / 0.3, 0.0, 1.0)) ** 2
    return np.sum(signal * s * w) / np.sum(s * s * w)


def on_axis_point_source_reflection(distance, fluid, times, half_width=0.9):
    """The exact reflected P of the explosion on the axis (receiver above the source), image
    distance `distance`, by the Sommerfeld integral over the plane-wave coefficients:
    phi = -M(t - r/vp) / (4 pi rho vp^2 r), e^{i w r/vp}/r = i w int p/eta J0 e^{i w eta |z|} dp, so
    u_z = -w^2 int R(p) p e^{i w eta D} dp (-M / (4 pi rho vp^2)), eta = sqrt(1/vp^2 - p^2); the
    evanescent part is kept up to p = 1/vs (beyond it e^{-w D |eta|} < 1e-3 in the band).
    Returned as the amplitude `fitted_amplitude` measures: the plane-wave R plus the spherical-wave
    effect the test sees."""
    x, w = roots_legendre(1200)
    th, wt = (x + 1) * np.pi / 4, w * np.pi / 4                      # p = sin(th) / vp
    x2, w2 = roots_legendre(400)
    top = np.arccosh(0.999 * VP / VS)
    ps, wp = (x2 + 1) * top / 2, w2 * top / 2                        # p = cosh(ps) / vp
    p = np.r_[np.sin(th), np.cosh(ps)] / VP
    wq = np.r_[wt * np.cos(th), wp * np.sinh(ps)] / VP
    eta = np.r_[np.cos(th) + 0j, 1j * np.sinh(ps)] / VP
    r = plane_wave_coefficients(p, fluid)[0]
    dt, n = times[1] - times[0], 4 * len(times)
    omega = 2 * np.pi * np.fft.rfftfreq(n, dt)
    m = np.conj(np.fft.rfft(STF(times), n)) * dt                     # e^{+i w t} transform
    kernel = (wq * r * p)[None] * np.exp(1j * omega[:, None] * eta[None] * distance)
    u = -omega**2 * kernel.sum(axis=1) * (-M0 * m / (4 * np.pi * RHO * VP**2))
    uz = np.fft.irfft(np.conj(u), n)[:len(times)] / dt
    return fitted_amplitude(uz, times, distance / VP, distance, half_width)


def interface_run(kind):
    """kind 'fluid', 'reference' (solid below) or 'free' (nothing below). Returns the seismograms
    (3 receivers, 3, nt), the times and, for 'fluid', u.k_t at the fluid nodes and their positions."""
    bottom = 0.0 if kind == "free" else -200.0
    # x = 0, y = 0 and z = 310 lie inside elements (not on their faces): a cleaner point source
    mesh = sem.mesh.box((950.0, 800.0, 600.0 - bottom), (19, 16, int(round((600.0 - bottom) / 50.0))),
                        order=4, origin=(-262.0, -410.0, bottom))
    below = (mesh.coords[..., 2].mean(axis=(1, 2, 3)) < 0)[:, None, None, None] & (kind == "fluid")
    below = np.broadcast_to(below, mesh.coords.shape[:4])
    model = sem.Model.isotropic(mesh, vp=np.where(below, VF, VP), vs=np.where(below, 0.0, VS),
                                rho=np.where(below, RHOF, RHO))
    sides = ["xmin", "xmax", "ymin", "ymax"]
    if kind == "fluid":                        # absorbing solid faces only; the fluid's stay rigid
        for name in sides:
            faces = mesh.side_sets[name]
            mesh.side_sets[name + "_solid"] = faces[~np.isin(faces[:, 0], model.fluid_elements)]
        sides = [n + "_solid" for n in sides]
    sides += ["zmax"] + (["zmin"] if kind == "reference" else [])
    src = sem.MomentTensorSource((0.0, 0.0, H), (M0, M0, M0, 0.0, 0.0, 0.0), STF)
    recs = [sem.Receiver(((H + ZR) * np.tan(a), 0.0, ZR), f"R{k}") for k, a in enumerate(ANGLES)]
    # numba: the callback reads the fields as numpy arrays; the tolerances are float64 measurements
    sim = sem.Simulation(mesh, model, [src], recs, duration=DURATION, boundaries=sides, backend="numba",
                         progress=False)
    out = {"times": sim.times}
    callback = None
    if kind == "fluid":
        g = sim.fluid.mesh.global_coords
        targets = [(H * np.tan(a) + DEPTH * np.tan(np.arcsin(VF * np.sin(a) / VP)), 0.0, -DEPTH) for a in ANGLES]
        idx = np.array([np.argmin(np.linalg.norm(g - t, axis=1)) for t in targets])
        out["fluid_points"] = g[idx]
        chi_dot = [np.zeros(len(idx))]                               # level 0: the fluid at rest

        def callback(step, t, fields):
            chi_dot.append(np.array(fields["chi_dot"][0, idx]))
    res = sim.run(callback=callback)
    out["data"] = res.data
    if kind == "fluid":
        out["fluid_u"] = -np.array(chi_dot).T / (RHOF * VF)         # u = grad(chi) / rho: u.k = -chi_dot / (rho c)
    return out


def measure(scattered, times):
    """Reflected P and converted SV amplitudes at the receivers of interface_run: (angle, value) lists."""
    pp, ps = [], []
    for k, a in enumerate(ANGLES):
        x = (H + ZR) * np.tan(a)
        i, t, length = ray(x, H, ZR, VP)
        pp.append((i, fitted_amplitude(np.array([np.sin(i), 0, np.cos(i)]) @ scattered[k], times, t, length)))
        if k:
            i, t, length = ray(x, H, ZR, VS)
            j = np.arcsin(VS * np.sin(i) / VP)
            ps.append((i, fitted_amplitude(np.array([np.cos(j), 0, -np.sin(j)]) @ scattered[k], times, t, length)))
    return np.array(pp), np.array(ps)


# ---- tests -------------------------------------------------------------------------------------

def test_plane_wave_coefficients_closed_form():
    angles = np.radians(np.linspace(0.0, 85.0, 18))
    r, s, t = (c.real for c in plane_wave_coefficients(slowness(angles)))
    assert np.allclose(energy_flux_balance(angles, r, s, t), 1.0, atol=1e-12, rtol=0)
    zs, zf = RHO * VP, RHOF * VF
    assert np.isclose(r[0], (zf - zs) / (zf + zs), atol=1e-14) and np.isclose(t[0], 2 * zs / (zs + zf), atol=1e-14)
    assert abs(s[0]) < 1e-14
    rf, sf, _ = (c.real for c in plane_wave_coefficients(slowness(angles), fluid=False))
    assert np.allclose(energy_flux_balance(angles, rf, sf, 0.0), 1.0, atol=1e-12, rtol=0)
    pp, ps = free_surface_aki_richards(angles)
    assert np.allclose(rf, pp, atol=1e-12) and np.allclose(sf, ps, atol=1e-12)
    # the spherical-wave effect on what the flat-interface test measures, on its axis (D = 750 m)
    times = np.arange(0.0, DURATION, 1.15e-3)
    exact = [on_axis_point_source_reflection(H + ZR, fluid, times) for fluid in (True, False)]
    print(f"exact point source on the axis, fitted: fluid {exact[0]:.4f} (plane -2/3), free {exact[1]:.4f} (-1)")
    assert abs(exact[0] / r[0] - 1) < 0.03 and abs(exact[1] + 1) < 0.03


@pytest.fixture(scope="module")
def flat_interface():
    return {kind: interface_run(kind) for kind in ("fluid", "reference", "free")}


def test_flat_interface_reflection_and_transmission(flat_interface):
    fluid, ref, free = flat_interface["fluid"], flat_interface["reference"], flat_interface["free"]
    times = ref["times"]
    pp, ps = measure(fluid["data"] - ref["data"], times)
    pp_free, ps_free = measure(free["data"] - ref["data"], times)
    close = lambda i, fl: plane_wave_coefficients(slowness(i), fluid=fl)
    rows = []
    for name, meas, free_meas, col in (("PP", pp, pp_free, 0), ("PS", ps, ps_free, 1)):
        for (i, a), (_, af) in zip(meas, free_meas):
            c, cf = close(i, True)[col].real, close(i, False)[col].real
            rows.append((name, np.degrees(i), c, a, cf, af))
    trans = []
    for point, u in zip(fluid["fluid_points"], fluid["fluid_u"]):
        i, t, length = ray(np.hypot(point[0], point[1]), H, -point[2], VF)
        trans.append((np.degrees(i), close(i, True)[2].real, fitted_amplitude(u, times, t, length)))
    print("\n      angle   closed    sem     free: closed   sem")
    for name, deg, c, a, cf, af in rows:
        print(f"{name} {deg:8.1f} {c:8.4f} {a:8.4f}        {cf:8.4f} {af:8.4f}")
    for deg, c, a in trans:
        print(f"T  {deg:8.1f} {c:8.4f} {a:8.4f}")
    exact = on_axis_point_source_reflection(H + ZR, True, times)
    exact_free = on_axis_point_source_reflection(H + ZR, False, times)
    print(f"PP at 0 deg vs the exact point source: fluid {pp[0, 1] / exact - 1:+.4f}, "
          f"free {pp_free[0, 1] / exact_free - 1:+.4f}")
    for name, deg, c, a, cf, af in rows:
        tol, tol_ratio = (0.05, 0.03) if name == "PP" else (0.03, 0.02)
        assert abs(a / c - 1) < tol, (name, deg)
        assert abs((a / af) / (c / cf) - 1) < tol_ratio, (name, deg)      # against the free surface
    for deg, c, a in trans:
        assert abs(a / c - 1) < 0.025, ("T", deg)
    assert abs(pp[0, 1] / exact - 1) < 0.025 and abs(pp_free[0, 1] / exact_free - 1) < 0.025


def _inclusion_mesh(h_inside, h_outside=200.0):
    """The 2 km box of test_fluid_coupling.py with the inclusion [600, 1400]^2 x [800, 1200] m meshed
    by elements of h_inside, the rest by h_outside."""
    def seg(a, b, h):
        return list(np.linspace(a, b, int(round((b - a) / h)) + 1)[1:])
    nx = np.array([0.0] + seg(0, 600, h_outside) + seg(600, 1400, h_inside) + seg(1400, 2000, h_outside))
    nz = np.array([0.0] + seg(0, 800, h_outside) + seg(800, 1200, h_inside) + seg(1200, 2000, h_outside))
    return sem.mesh.box(nodes=(nx, nx, nz), order=4)


def test_welded_limit_converges_like_h():
    src = sem.ForceSource((1010.0, 990.0, 1600.0), (0.0, 0.0, 1e10), sem.stf.Ricker(f0=2.0))
    recs = [sem.Receiver(p, f"R{i}") for i, p in enumerate([(1000, 1000, 400), (1600, 1000, 1000),
                                                             (1300, 700, 1500), (1000, 1000, 1700)])]
    sizes = np.array([200.0, 400.0 / 3.0, 100.0])
    diffs = []
    for h in sizes:
        mesh = _inclusion_mesh(h)
        c = mesh.coords.mean(axis=(1, 2, 3))
        inside = np.all(np.abs(c - 1000.0) < (400.0, 400.0, 200.0), axis=1)[:, None, None, None]
        inside = np.broadcast_to(inside, mesh.coords.shape[:4])
        data = []
        for vs in (0.0, 1.0):                 # coupled fluid, welded solid with vanishing shear modulus
            model = sem.Model.isotropic(mesh, vp=np.where(inside, 1500.0, 3000.0), vs=np.where(inside, vs, 1732.0),
                                        rho=np.where(inside, 1000.0, 2500.0))
            data.append(sem.Simulation(mesh, model, [src], recs, duration=1.2, progress=False).run().data)
        diffs.append(relative_l2(data[0].reshape(len(recs), -1), data[1].reshape(len(recs), -1)))
    diffs = np.array(diffs)                                    # (sizes, receivers)
    order = np.log(diffs[:-1] / diffs[1:]) / np.log(sizes[:-1] / sizes[1:])[:, None]
    print("\ncoupled vs welded, inclusion elements", sizes.round(1), "m:\n", diffs.round(4).T,
          "\nobserved order per step:\n", order.round(2).T)
    assert np.all(diffs[1:] < diffs[:-1])
    assert np.all((order > 0.7) & (order < 1.5))


def bulge(x, centre=1000.0, amplitude=0.8, width=500.0):
    """A smooth radial bulge about the box centre (the inclusion's faces swell into curved surfaces,
    monotone in the radius for amplitude < 2.2) on top of helpers.wavy; (..., 3) m -> (..., 3) m."""
    r = x - centre
    y = x + amplitude * r * np.exp(-np.sum(r * r, axis=-1, keepdims=True) / width**2)
    return 2000.0 * wavy(y / 2000.0)


def test_curved_interface_conserves_coupled_energy():
    L = 2000.0
    flat = sem.mesh.box((L, L, L), (4, 4, 4), order=4)
    mesh = sem.mesh.box((L, L, L), (4, 4, 4), order=4, deform=bulge)
    centre = flat.coords.mean(axis=(1, 2, 3))
    inside = np.all(np.abs(centre - 1000.0) < 400.0, axis=1)[:, None, None, None]
    inside = np.broadcast_to(inside, mesh.coords.shape[:4])
    model = sem.Model.isotropic(mesh, vp=np.where(inside, 1500.0, 3000.0), vs=np.where(inside, 0.0, 1732.0),
                                rho=np.where(inside, 1000.0, 2500.0))
    assert model.has_fluid and len(model.fluid_elements) == 8
    dt = sem.Simulation(mesh, model, duration=1.0, backend="numba", progress=False).dt
    steps = 600
    sim = sem.Simulation(mesh, model, duration=steps * dt, dt=dt, backend="numba", progress=False)
    # the interface: curved and closed (divergence theorem for n and for x)
    coupling = Coupling(sim.solid.mesh, sim.fluid.mesh)
    faces = coupling_faces(sim.solid.mesh, sim.fluid.mesh)
    ib, normal, weight = sim.fluid.mesh.face_geometry(faces)
    assert len(faces) == 24
    mean = normal.mean(axis=(1, 2))
    mean /= np.linalg.norm(mean, axis=-1, keepdims=True)
    spread = np.degrees(np.arccos(np.clip(np.einsum("fpqa,fa->fpq", normal, mean), -1.0, 1.0))).max(axis=(1, 2))
    volume = sim.fluid.mesh.quadrature_weights.sum()
    x = sim.fluid.mesh.global_coords[ib]
    flux_x = np.sum(np.einsum("fpqa,fpqa->fpq", x, normal) * weight) / 3.0
    closure = np.linalg.norm(coupling.nw.sum(axis=1)) / coupling.area
    print(f"\ncurved interface: normals spread up to {spread.max():.1f} deg on a face; |sum n dS| / area "
          f"{closure:.2e}; (1/3) sum x.n dS / volume - 1 = {flux_x / volume - 1:.2e}")
    assert np.all(spread > 8.0)
    assert closure < 1e-12 and abs(flux_x / volume - 1) < 1e-4
    g = sim.solid.mesh.global_coords
    start = bulge(np.array([1000.0, 1000.0, 1800.0]))          # above the inclusion, in the solid
    u0 = np.stack([np.exp(-np.sum((g - start) ** 2, axis=1) / 200.0**2)] * 3) * 1e-3
    measure, energy = coupled_energy(sim), []                  # every 3rd step
    sim.run(initial=(u0, 0 * u0), callback=lambda step, t, f: energy.append(measure(f)) if step % 3 == 0 else None)
    e = np.array(energy)
    total = e.sum(axis=1)
    half = len(total) // 2
    print(f"fluid share of the energy up to {np.max(e[:, 1] / total):.3f}; total varies by "
          f"{(total.max() - total.min()) / total.mean():.4f}; mean of 1st/2nd half "
          f"{total[:half].mean() / total[half:].mean():.5f}")
    assert np.max(e[:, 1] / total) > 0.05
    assert (total.max() - total.min()) / total.mean() < 0.015
    assert abs(total[:half].mean() / total[half:].mean() - 1) < 0.005
