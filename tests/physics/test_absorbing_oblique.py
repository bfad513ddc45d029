"""Stacey absorbing face at oblique incidence: P and SH reflection against the plane-wave closed form.

WHAT. A homogeneous box (vp 3000, vs 1732 m/s, rho 2500 kg/m^3; 125 m elements, order 4) with a
point source 500 m above the face z = 0 and receivers 500 m above it, in the plane y = y_s through
the source, at horizontal offsets 1000 m tan(theta): the ray reflected at z = 0 reaches them at
theta = 30, 40 and 50 degrees from the face normal (reflected paths 1155-1556 m). As in
test_absorbing.py the same run is made three times, differing only below z = 0: (1) the face
z = 0 absorbing, (2) free, (3) the medium extended 500 m further down (no reflection within the
windows; the reference). The other five faces are absorbing in all three runs, so u - u_ref is the
wave reflected at z = 0 alone (and what it does afterwards). One source carries two parts that the
mirror symmetry y -> 2 y_s - y of the box separates exactly at those receivers:

- P: an explosion (isotropic moment tensor, moment function a Gaussian pulse). It radiates P only,
  and the divergence (central differences of receivers +-2 m around each point) is the P part of
  the field alone, so the PS conversion of the face, which at 30-50 degrees arrives within one
  pulse length of PP, is invisible in it. The divergence of an explosion's direct wave is exactly
  -M0 M''(t - r/vp) / (4 pi rho vp^4 r) (no near field), so the reflected PP arrival, projected
  (least squares over a +-0.8/f0 cosine window) onto that pulse at the reflected path length
  (the image source), measures R_PP(theta) itself: R_CE for the absorbing face, R_free for the
  free one.
- SH: a horizontal force along y, perpendicular to the plane of incidence. At the receivers the y
  component is SH only; the reflected SS arrival of the absorbing run projected onto that of the
  free run (same geometric spreading) measures R_CE / R_free = R_CE(theta), since R_free = 1.
  (The top-face ghost, 0.19 s later at 50 degrees, multiplies both runs alike and cancels.)
The two parts do not mix at the receivers (checked on a small box: 5e-14 of either).

Why not the absorbing/free ratio for P too: with vp/vs = sqrt(3) the free-surface R_PP falls to 0
near 60 degrees (-0.17 at 50); the free-face spherical wave there has a first-order (1/kr) part as
large as R_free itself, and the ratio divides by it. Measured ratio / closed form: -0.072 / -0.026
(30), -0.053 / -0.009 (40), +0.109 / +0.235 (50). The exact image-source pulse has no such part
(its first-order term, a time integral of the pulse, is odd and projects out); the ratios are printed.

REFERENCE. Plane waves on the face z = 0 of the medium z > 0 (outward normal n = -e_z). The
first-order paraxial condition (Clayton & Engquist 1977, BSSA 67, 1529; Stacey 1988, BSSA 78,
2089) sets the traction t = sigma.n = -Z v, Z = rho (vp n n^T + vs (I - n n^T)): sigma_xz =
rho vs v_x, sigma_yz = rho vs v_y, sigma_zz = rho vp v_z. With u = A d exp(i w (t - s.x)) for the
incident and the reflected P and SV waves this is a 2x2 linear system for the reflected amplitudes
(`reflection`; for incident SV only below the critical angle asin(vs/vp) = 35.3 degrees); for SH
one equation, R_SH = (cos theta - 1) / (cos theta + 1). The free face (sigma.n = 0) gives the
classical coefficients, checked against the explicit formulas of Aki & Richards (2002,
Quantitative Seismology, sec. 5.2.3); both faces satisfy the energy flux balance (incident =
reflected + power v.Z v absorbed by the face), and at theta = 0 CE reflects 0, the free face -1.

MEASURED (f0 = 4 Hz pulses; k r along the reflected path 9.7-13 for P, 17-23 for S; closed form
in brackets, then the difference):
    theta   R_CE(PP)                   R_free(PP)                 R_SH (absorbing / free)
    30      +0.045 [+0.016]  +0.029    -0.623 [-0.626]  +0.003    -0.084 [-0.072]  -0.013
    40      +0.023 [+0.003]  +0.019    -0.430 [-0.398]  -0.032    -0.140 [-0.132]  -0.007
    50      -0.023 [-0.041]  +0.018    -0.214 [-0.175]  -0.039    -0.218 [-0.217]  -0.001
The differences are the point-source (finite k r) error: recomputed from the same runs for lower
source frequencies (exact spectral reshaping of the Ricker pulses), the largest difference over
the three angles is, at 2.5 / 3 / 4 Hz, 0.072 / 0.053 / 0.029 for R_CE(PP), 0.046 / 0.031 / 0.013
for R_SH and 0.067 / 0.060 / 0.039 for R_free(PP). The mesh has 5.5 points per S wavelength at
2.5 f0 = 10 Hz. (The 0.107 of test_absorbing.py is a residual of this kind, taken over its
whole trace.)

TOLERANCE. |R_CE - closed form| < 0.05 for P (measured <= 0.029), |ratio - R_SH| < 0.04 for SH
(measured <= 0.013), |R_free - Aki & Richards| < 0.06 (measured <= 0.039; this checks the
measurement, not the condition). An impedance off by 25 % on the face z = 0 only (runs with
`sem.physics.absorbing.impedance` scaled there) fails them: its vp part x1.25 / x0.75 moves the
measured R_CE(PP) by +0.07 to +0.09 / -0.09 to -0.12 (closed form +0.07 to +0.09 / -0.09 to
-0.12) and leaves R_SH within 0.005; its vs part x1.25 / x0.75 moves the measured R_SH by
-0.10 to -0.11 / +0.14 to +0.15 at every angle (closed form the same).
Cost: three runs (1104, 1104 and 1840 elements, 528 steps).
"""

import numpy as np

import sem

VP, VS, RHO = 3000.0, 1732.0, 2500.0
H_EL = 125.0                                   # element size, m
NX, NY, NZ, NREF = 23, 8, 6, 4                 # box 2875 x 1000 x 750 m; reference 500 m deeper
XS, HS, HR = 1375.0, 500.0, 500.0              # source x; source and receiver heights above z = 0
ANGLES = (30.0, 50.0, -40.0)                   # reflection angles (degrees); sign: side of the source
F0 = 4.0                                       # Ricker / Gaussian pulse frequency, Hz
DELTA = 2.0                                    # half-spacing of the divergence stencil, m
DURATION = 1.52
M0, FY = 1e13, 1e10                            # explosion moment (N m), y force (N)
TOL_P, TOL_SH, TOL_FREE = 0.05, 0.04, 0.06
SWEEP = (2.5, 3.0, 4.0)


# ---- closed forms -------------------------------------------------------------------------------

def _waves(theta_deg, vp, vs, incident):
    """Slowness vectors and polarisations (x, y, z) of the incident wave and of the reflected P and
    SV waves in the plane y = 0. P: d = k (unit propagation direction), SV: d = e_y x k, SH: e_y."""
    c_in = {"P": vp, "SV": vs, "SH": vs}[incident]
    p = np.sin(np.radians(theta_deg)) / c_in
    out = {}
    for name, c in (("P", vp), ("S", vs)):
        q = np.sqrt(1.0 / c**2 - p**2 + 0j)     # vertical slowness (imaginary past a critical angle)
        out[name] = [np.array([p, 0.0, sgn * q]) for sgn in (-1.0, 1.0)]   # down, up
    def pol(s, c, kind):
        k = s * c
        return {"P": k, "SV": np.cross([0.0, 1.0, 0.0], k), "SH": np.array([0.0, 1.0, 0.0])}[kind]
    inc = out["P" if incident == "P" else "S"][0]
    return (inc, pol(inc, c_in, incident)), [(s, pol(s, c, kind)) for s, c, kind in
                                             ((out["P"][1], vp, "P"), (out["S"][1], vs, "SV"))]


def _impedance(vp, vs, rho, face, zp=1.0, zs=1.0):
    n = np.array([0.0, 0.0, -1.0])
    nn = np.outer(n, n)
    if face == "free":
        return np.zeros((3, 3))
    return rho * (zp * vp * nn + zs * vs * (np.eye(3) - nn))


def _residual(s, d, vp, vs, rho, z):
    """(sigma.n + Z v) / (i w) of the wave d exp(i w (t - s.x)) at z = 0, n = -e_z."""
    mu = rho * vs**2
    lam = rho * vp**2 - 2.0 * mu
    sigma = -(lam * (s @ d) * np.eye(3) + mu * (np.outer(d, s) + np.outer(s, d)))
    return sigma @ np.array([0.0, 0.0, -1.0]) + z @ d


def reflection(theta_deg, vp=VP, vs=VS, rho=RHO, incident="P", face="absorbing", zp=1.0, zs=1.0):
    """Plane-wave displacement reflection coefficients at the face z = 0 of the medium z > 0 for a
    wave incident at theta_deg from the normal: (R_same, R_converted) for incident "P" (R_PP, R_PS)
    or "SV" (R_SS, R_SP), or R_SH for "SH". face "absorbing": sigma.n = -Z v with the first-order
    Clayton-Engquist / Stacey impedance (its vp and vs parts scaled by zp, zs); "free": sigma.n = 0.
    Polarisations: P along the propagation direction, SV = e_y x (propagation direction)
    (Aki & Richards' signs for P incidence on the free surface). SV is refused past the critical
    angle asin(vs/vp), where the reflected P is evanescent."""
    if incident == "SV" and np.sin(np.radians(theta_deg)) * vp / vs >= 1.0:
        raise ValueError("SV incidence beyond the critical angle asin(vs/vp)")
    z = _impedance(vp, vs, rho, face, zp, zs)
    (s0, d0), up = _waves(theta_deg, vp, vs, incident)
    if incident == "SH":
        s1 = up[1][0]
        return (-_residual(s0, d0, vp, vs, rho, z)[1] / _residual(s1, d0, vp, vs, rho, z)[1]).real
    a = np.stack([_residual(s, d, vp, vs, rho, z) for s, d in up], axis=1)[[0, 2]]
    r = np.linalg.solve(a, -_residual(s0, d0, vp, vs, rho, z)[[0, 2]])
    r = r if incident == "P" else r[::-1]                   # (same type, converted)
    return r.real


def free_surface_aki_richards(theta_deg, vp=VP, vs=VS):
    """P incidence on a free surface, Aki & Richards (2002) sec. 5.2.3: (PP, PS) displacement."""
    i = np.radians(theta_deg)
    p = np.sin(i) / vp
    ci, cj = np.cos(i), np.sqrt(1.0 - (p * vs) ** 2)
    a = (1.0 / vs**2 - 2.0 * p**2) ** 2
    b = 4.0 * p**2 * ci / vp * cj / vs
    return (b - a) / (a + b), 4.0 * vp / vs * p * ci / vp * (1.0 / vs**2 - 2.0 * p**2) / (a + b)


def r_sh(theta_deg, zs=1.0):
    """SH on the Clayton-Engquist face: (cos theta - zs) / (cos theta + zs)."""
    c = np.cos(np.radians(theta_deg))
    return (c - zs) / (c + zs)


def _energy_residual(theta_deg, incident, face, vp=VP, vs=VS, rho=RHO):
    """Incident - reflected vertical energy flux - power absorbed by the face (v.Z v), per
    rho w^2 / 2; zero for an exact solution."""
    z = _impedance(vp, vs, rho, face)
    (s0, d0), up = _waves(theta_deg, vp, vs, incident)
    c_in = vp if incident == "P" else vs
    if incident == "SH":
        r = reflection(theta_deg, vp, vs, rho, "SH", face)
        v = d0 * (1.0 + r)
        return c_in**2 * abs(s0[2].real) * (1.0 - r**2) - (v @ z @ v) / rho
    r = reflection(theta_deg, vp, vs, rho, incident, face)
    amps = r if incident == "P" else r[::-1]                 # (P, SV) order of `up`
    v = d0 + sum(a * d for a, (s, d) in zip(amps, up))
    out = c_in**2 * abs(s0[2].real)
    for a, (s, d), c in zip(amps, up, (vp, vs)):
        out -= c**2 * abs(s[2].real) * a**2
    return out - (v.real @ z @ v.real) / rho


def test_closed_form_reflection_coefficients():
    # normal incidence: the paraxial condition is exact, the free face reflects all (P: -1)
    assert np.allclose(reflection(0.0), 0.0, atol=1e-14)
    assert np.allclose(reflection(0.0, incident="SV"), 0.0, atol=1e-14)
    assert np.allclose(reflection(0.0, face="free"), (-1.0, 0.0), atol=1e-14)
    assert abs(reflection(0.0, incident="SH", face="free") - 1.0) < 1e-14
    for th in np.arange(0.0, 86.0, 5.0):
        assert np.allclose(reflection(th, face="free"), free_surface_aki_richards(th), atol=1e-12)
        assert abs(reflection(th, incident="SH") - r_sh(th)) < 1e-12
        assert abs(reflection(th, incident="SH", face="free") - 1.0) < 1e-12
        pp, ps = reflection(th, face="free")
        i, j = np.radians(th), np.arcsin(np.sin(np.radians(th)) * VS / VP)
        flux = pp**2 + VS * np.cos(j) / (VP * np.cos(i)) * ps**2
        assert abs(flux - 1.0) < 1e-12                          # free-surface energy balance
        for face in ("free", "absorbing"):
            for inc in ("P", "SH") + (("SV",) if th < 35.0 else ()):   # critical S->P angle 35.26
                assert abs(_energy_residual(th, inc, face)) < 1e-12 * VP
    # a 25 % impedance error moves the closed form by more than 1.5 (P) and 2 (SH) tolerances
    assert min(max(abs(reflection(th, zp=a)[0] - reflection(th)[0]) for th in (30.0, 40.0))
               for a in (0.75, 1.25)) > 1.5 * TOL_P
    assert min(abs(r_sh(th, a) - r_sh(th)) for th in (30.0, 40.0, 50.0) for a in (0.75, 1.25)) > 2 * TOL_SH


# ---- simulations -----------------------------------------------------------------------------

class GaussianPulse(sem.stf.SourceTimeFunction):
    """exp(-(pi f0 (t - 1.2/f0))^2): as an explosion's moment function its divergence is a Ricker."""

    def __init__(self, f0):
        self.f0, self.delay, self.start_time = float(f0), 1.2 / f0, 0.0

    def __call__(self, t):
        return np.exp(-(np.pi * self.f0 * (np.asarray(t, dtype=float) - self.delay)) ** 2)


def _geometry():
    yc = NY * H_EL / 2.0
    points = []
    for a in ANGLES:
        x = XS + np.sign(a) * np.tan(np.radians(abs(a))) * (HS + HR)
        points.append(np.array([x, yc, HR]))
    return np.array([XS, yc, HS]), points


def _run(kind):
    """kind: 'absorbing', 'free' or 'reference'. Returns the Result (receivers: per point the centre
    and the +-DELTA stencil along x, y, z)."""
    depth = NREF * H_EL if kind == "reference" else 0.0
    nz = NZ + (NREF if kind == "reference" else 0)
    mesh = sem.mesh.box((NX * H_EL, NY * H_EL, nz * H_EL), (NX, NY, nz), order=4, origin=(0.0, 0.0, -depth))
    model = sem.Model.isotropic(mesh, vp=VP, vs=VS, rho=RHO)
    src, points = _geometry()
    sources = [sem.MomentTensorSource(src, (M0, M0, M0, 0.0, 0.0, 0.0), GaussianPulse(F0)),
               sem.ForceSource(src, (0.0, FY, 0.0), sem.stf.Ricker(F0))]
    recs = []
    for i, p in enumerate(points):
        recs.append(sem.Receiver(p, name=f"P{i}C"))
        for k in range(3):
            for sgn in (-1, 1):
                recs.append(sem.Receiver(p + sgn * DELTA * np.eye(3)[k], name=f"P{i}{'xyz'[k]}{sgn:+d}"))
    sides = ["xmin", "xmax", "ymin", "ymax", "zmax"] + ([] if kind == "free" else ["zmin"])
    return sem.Simulation(mesh, model, sources, recs, duration=DURATION, boundaries=sides, progress=False).run()


def _divergence_and_uy(data):
    """(npoints, nt) divergence and y displacement from the receiver layout of `_run`."""
    div, uy = [], []
    for i in range(len(ANGLES)):
        b = 7 * i
        uy.append(data[b, 1])
        div.append(sum((data[b + 2 + 2 * k, k] - data[b + 1 + 2 * k, k]) / (2 * DELTA) for k in range(3)))
    return np.array(div), np.array(uy)


def _reshape(x, dt, f0):
    """Traces of Ricker pulses of F0 (delay 1.2/F0) -> of f0 <= F0, same delay (exact linear filter)."""
    if f0 == F0:
        return x
    n = 4 * x.shape[-1]
    f = np.fft.rfftfreq(n, dt)
    h = np.zeros_like(f)
    h[1:] = (F0 / f0) ** 3 * np.exp(-f[1:] ** 2 * (1.0 / f0**2 - 1.0 / F0**2))   # Ricker spectra
    return np.fft.irfft(np.fft.rfft(x, n) * h, n)[..., :x.shape[-1]]


def _ricker(t, f0):
    a = (np.pi * f0 * t) ** 2
    return (1.0 - 2.0 * a) * np.exp(-a)


def _measure(times, div, uy, f0):
    """Per angle: R_CE(PP) and R_free(PP) (each against the exact image-source pulse), and the SH
    ratio absorbing / free, for Ricker pulses of f0 (reshaped from F0)."""
    dt = times[1] - times[0]
    rows = []
    for i, a in enumerate(ANGLES):
        length = (HS + HR) / np.cos(np.radians(abs(a)))         # reflected path = image distance
        row = []
        for c, field in ((VP, div), (VS, uy)):
            tc = 1.2 / F0 + length / c
            x = np.clip(np.abs(times - tc) * f0 / 0.8, 0.0, 1.0)
            win = np.cos(0.5 * np.pi * x) ** 2                  # cos^2 window, +-0.8/f0
            ab, fr = (_reshape(field[k][i] - field["reference"][i], dt, f0) for k in ("absorbing", "free"))
            if c == VP:   # exact divergence of the explosion's direct P at the image distance
                g = M0 * 2 * (np.pi * F0) ** 2 / (4 * np.pi * RHO * VP**4 * length) * _ricker(times - tc, f0)
                row += [np.sum(win * ab * g) / np.sum(win * g * g), np.sum(win * fr * g) / np.sum(win * g * g)]
            else:
                row.append(np.sum(win * ab * fr) / np.sum(win * fr * fr))
        rows.append(row)
    return np.array(rows)


def test_oblique_reflection_p_and_sh_against_plane_wave_coefficients():
    runs = {k: _run(k) for k in ("reference", "absorbing", "free")}
    times = runs["reference"].times
    for r in runs.values():
        assert np.allclose(r.times, times)
    div, uy = {}, {}
    for k, r in runs.items():
        div[k], uy[k] = _divergence_and_uy(r.data)
    errors = {}
    for f0 in SWEEP:
        m = _measure(times, div, uy, f0)
        th = np.abs(ANGLES)
        ce = np.array([reflection(t)[0] for t in th])
        free = np.array([reflection(t, face="free")[0] for t in th])
        sh = r_sh(th)
        errors[f0] = (m[:, 0] - ce, m[:, 1] - free, m[:, 2] - sh)
        print(f"\nf0 = {f0} Hz: angle | R_CE(PP) meas closed diff | R_free(PP) meas A&R diff | "
              f"ratio PP meas closed | SH A/F meas closed diff")
        for i, t in enumerate(th):
            print(f"  {t:4.0f} | {m[i, 0]:+.4f} {ce[i]:+.4f} {m[i, 0] - ce[i]:+.4f} | "
                  f"{m[i, 1]:+.4f} {free[i]:+.4f} {m[i, 1] - free[i]:+.4f} | "
                  f"{m[i, 0] / m[i, 1]:+.4f} {ce[i] / free[i]:+.4f} | "
                  f"{m[i, 2]:+.4f} {sh[i]:+.4f} {m[i, 2] - sh[i]:+.4f}")
    e_ce, e_free, e_sh = errors[F0]
    assert np.all(np.abs(e_ce) < TOL_P)
    assert np.all(np.abs(e_sh) < TOL_SH)
    assert np.all(np.abs(e_free) < TOL_FREE)
    # the point-source error falls as the frequency (k r) grows
    lo = errors[SWEEP[0]]
    assert np.max(np.abs(e_ce)) < np.max(np.abs(lo[0])) and np.max(np.abs(e_sh)) < np.max(np.abs(lo[2]))
