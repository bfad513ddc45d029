"""Phase velocities of homogeneous anisotropic solids against the Christoffel equation.

What: a plane-wave packet u(x, t) = p g(n.x - s0 - c t) is set as the initial condition
(u0 = p g(n.x - s0), v0 = -c p g'(n.x - s0)) for each of the three modes of a propagation
direction n at once (their polarisations p are orthogonal, so projecting the recorded
displacement on p isolates a mode) and followed through five receivers on a line along n,
3 sigma long. The travel time from the first receiver to each of the others is the shift that
least-squares fits its trace to the first one's (cubic-spline interpolated, so sub-sample: the
best whole-sample lag within 25 % of the expected one, then refined); the measured speed is the
slope of distance against travel time. Two media, one run each:

- transversely isotropic about z (sem's TI law, `Model.transversely_isotropic`): vpv 3000, vph
  3400, vsv 1500, vsh 1800 m/s, eta 0.85, rho 2500 kg/m^3; qP, qSV and SH at 0, 30, 45, 60 and
  90 degrees from the axis (n in the x-z plane);
- olivine (Abramson et al. 1997, rho 3355 kg/m^3) rotated by the Euler angles z-x-z 30, 75, 40
  degrees: all 21 Cij non-zero (|Cij| >= 4.5 GPa), given as a 6x6 Voigt matrix
  (`Model.anisotropic`); qP, qS1, qS2 along x, (0, 1, 2)/sqrt 5 and (1, 1, 1)/sqrt 3.

Each direction has a box of its own, periodic in x, y and z (a torus: the global numbering of
its faces x = L_x, y = L_y, z = L_z is that of x = 0, y = 0, z = 0), all boxes of a medium side
by side in one mesh with no point in common. The box sides are L_i = Lambda / |n_i| where
n_i != 0 (2 elements elsewhere), and g is a Gaussian (sigma = 0.8 element) repeated with period
Lambda = 6 sigma along n, so the plane wave is an exact solution of the periodic problem: no face
cuts it and nothing comes back from one, the packet moves at the phase velocity along n whatever
the group velocity, and 20 - 512 elements (order 4) per direction suffice.

Reference: the 3x3 Christoffel eigenproblem Gamma_ik = C_ijkl n_j n_l / rho solved with numpy
(eigenvalues c^2, eigenvectors p), from C_ijkl built here: the Voigt -> tensor map
(1 = xx, 2 = yy, 3 = zz, 4 = yz, 5 = xz, 6 = xy) and, for the TI medium, the Love parameters
A = rho vph^2, C = rho vpv^2, L = rho vsv^2, N = rho vsh^2, F = eta (A - 2L) written out
(C11 = C22 = A, C33 = C, C12 = A - 2N, C13 = C23 = F, C44 = C55 = L, C66 = N; Dziewonski &
Anderson 1981), not sem's conversion.

Measured (numba backend, float64, Courant 0.4; c_measured / c_Christoffel - 1, in %):

    TI angle   qSV      SH       qP             olivine     qS2      qS1      qP
        0     +0.024   +0.024   +0.042          x          +0.027   +0.029   +0.046
       30     +0.011   +0.014   +0.038          (0,1,2)    +0.009   +0.013   +0.037
       45     +0.002   +0.003   +0.026          (1,1,1)    +0.016   +0.016   +0.044
       60     +0.013   +0.015   +0.041
       90     +0.024   +0.025   +0.049

The recorded waveforms match the analytic packets to 0.03 - 0.4 % (relative L2). The errors are
the discretisation's: all positive (the central-difference step advances the phase by
(omega dt)^2 / 24, most for qP, whose period is the fewest time steps) plus the spatial error of
order 4 (the packet's components above 1 % of its peak have >= 6.4 GLL points per wavelength,
the main one 19); with Courant 0.2 and sigma = 1.2 elements they fall to <= 0.006 %.
Tolerance 0.5 % (the issue's figure): 10x the largest error. The measurement resolves a 1 %
error in one Cij (asserted): against the Christoffel speeds of the TI medium with C13 1 % larger
the qSV at 45 degrees is off by 0.72 % (so this test fails for that medium), with C44 1 % larger
the 0-degree S wave polarised along y by 0.47 % (19x the largest qS error); in the olivine, with
any one diagonal Cij 1 % larger some measured speed is off by 0.17 - 0.43 %, 5.9 - 11x the
largest error of its wave type. (A 1 % change of one Cij moves a speed by at most 0.5 % unless
other terms of rho c^2 cancel, as F does for qSV near 45 degrees here.)

Run time ~30 - 40 s on 2 shared cores, most of it compiling the two laws' Numba kernels.
"""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline
from scipy.optimize import minimize_scalar

import sem
from helpers import periodic_boxes

TOL = 0.005                 # relative, issue requirement
ORDER = 4

# ---- reference: Voigt -> tensor, Love parameters, rotation, Christoffel --------------------

VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))        # 1..6 = xx yy zz yz xz xy
_IJ = np.zeros((3, 3), dtype=int)
for _m, (_i, _j) in enumerate(VOIGT):
    _IJ[_i, _j] = _IJ[_j, _i] = _m


def voigt_to_tensor(c66):
    """C_ijkl = C_(ij)(kl), (3, 3, 3, 3)."""
    return np.asarray(c66)[_IJ[:, :, None, None], _IJ[None, None, :, :]]


def tensor_to_voigt(c):
    return np.array([[c[i, j, k, l] for (k, l) in VOIGT] for (i, j) in VOIGT])


def love_voigt(vpv, vph, vsv, vsh, eta, rho):
    """The TI Voigt matrix for a symmetry axis z from the Love parameters."""
    a, c, l, n = rho * vph**2, rho * vpv**2, rho * vsv**2, rho * vsh**2
    f = eta * (a - 2.0 * l)
    out = np.zeros((6, 6))
    out[0, 0] = out[1, 1] = a
    out[2, 2] = c
    out[0, 1] = out[1, 0] = a - 2.0 * n
    out[0, 2] = out[2, 0] = out[1, 2] = out[2, 1] = f
    out[3, 3] = out[4, 4] = l
    out[5, 5] = n
    return out


def rotation_zxz(alpha, beta, gamma):
    def rz(t):
        return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    cb, sb = np.cos(beta), np.sin(beta)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cb, -sb], [0.0, sb, cb]])
    return rz(alpha) @ rx @ rz(gamma)


def rotate(c66, r):
    """Voigt matrix of the tensor rotated by r: C'_ijkl = r_ia r_jb r_kc r_ld C_abcd."""
    return tensor_to_voigt(np.einsum("ia,jb,kc,ld,abcd->ijkl", r, r, r, r, voigt_to_tensor(c66)))


def christoffel(c66, rho, n, prefer=(0.0, 1.0, 0.0)):
    """Phase velocities (3,) ascending and polarisations (3, 3) (rows) for the unit direction n.
    Where the two qS speeds coincide (any basis of their plane is an eigenbasis), the second is
    taken as close to `prefer` as the plane allows (along the TI axis: the S waves polarised along
    y and x, as at the other angles)."""
    gamma = np.einsum("ijkl,j,l->ik", voigt_to_tensor(c66), n, n) / rho
    w, p = np.linalg.eigh(gamma)
    p = p.T
    q = p[:2].T @ (p[:2] @ np.asarray(prefer, dtype=float))
    if w[1] - w[0] < 1e-9 * w[1] and np.linalg.norm(q) > 1e-6:
        p[1] = q / np.linalg.norm(q)
        p[0] = np.cross(p[1], p[2])
    return np.sqrt(w), p


def matched_speeds(c66, rho, n, pol):
    """The Christoffel speeds of c66 along n in the order of the modes whose polarisations are the
    rows of pol (each matched to the eigenvector most parallel to it)."""
    v, p = christoffel(c66, rho, n)
    pick = np.argmax(np.abs(pol @ p.T), axis=1)
    assert len(set(pick.tolist())) == 3
    return v[pick]


# ---- media ----------------------------------------------------------------------------------

TI = dict(vpv=3000.0, vph=3400.0, vsv=1500.0, vsh=1800.0, eta=0.85, rho=2500.0)
TI_C = love_voigt(**TI)
TI_ANGLES = (0.0, 30.0, 45.0, 60.0, 90.0)

OLIVINE = np.zeros((6, 6))        # Abramson et al. (1997), GPa, crystal axes
for (_p, _q), _v in {(0, 0): 320.5, (1, 1): 196.5, (2, 2): 233.5, (3, 3): 64.0, (4, 4): 77.0, (5, 5): 78.7,
                     (0, 1): 68.1, (0, 2): 71.6, (1, 2): 76.8}.items():
    OLIVINE[_p, _q] = OLIVINE[_q, _p] = _v * 1e9
RHO_OLIVINE = 3355.0
C21 = rotate(OLIVINE, rotation_zxz(*np.radians([30.0, 75.0, 40.0])))
C21_DIRECTIONS = {"x": (1.0, 0.0, 0.0), "(0,1,2)": (0.0, 1.0, 2.0), "(1,1,1)": (1.0, 1.0, 1.0)}


# ---- the periodic box and the measurement -------------------------------------------------

def travel_time(trace, ref_spline, times, guess, dt):
    """The shift tau minimising sum (trace(t) - ref(t - tau))^2 over a fixed window: the best
    whole-sample lag within 25 % of `guess`, then refined between its neighbours."""
    lags = np.arange(int(0.75 * guess / dt), int(1.25 * guess / dt) + 2)
    window = times >= (lags[-1] + 2) * dt
    t = times[window]

    def misfit(tau):
        return np.sum((trace[window] - ref_spline(t - tau)) ** 2)

    k = lags[np.argmin([misfit(lag * dt) for lag in lags])]
    best = minimize_scalar(misfit, bounds=((k - 1) * dt, (k + 1) * dt), method="bounded",
                           options={"xatol": 1e-9 * guess})
    return best.x


def measure(make_model, c66, rho, directions, h):
    """Run the three plane-wave packets of each direction, each direction in a periodic box of its
    own, all boxes in one mesh and one run. Returns, per direction, (measured speeds (3,),
    Christoffel speeds (3,), polarisations (3, 3), waveform misfits (3,)), modes ascending, and the
    number of elements and of time steps."""
    sigma = 0.8 * h
    lam = 6.0 * sigma                                 # period of the pulse train along n
    s_rec = np.linspace(-0.25, 0.25, 5) * lam + 0.0137 * h   # 3 sigma along n, off the GLL points
    s0 = s_rec[0] - 2.0 * sigma                       # the packets start 2 sigma before the first one
    setups, boxes = [], []
    for direction in directions:
        n = np.asarray(direction, dtype=float)
        n = n / np.linalg.norm(n)
        speeds, pol = christoffel(c66, rho, n)
        size = np.array([lam / abs(c) if abs(c) > 1e-12 else 2.0 * h for c in n])
        setups.append((n, speeds, pol, size))
        boxes.append((size, [max(2, int(round(s / h))) for s in size]))
    mesh, origins, ranges = periodic_boxes(boxes, ORDER)
    centres = [o + size / 2 for o, (_, _, _, size) in zip(origins, setups)]
    receivers = [sem.Receiver(c + s * n, name=f"D{b}R{i}")
                 for b, ((n, _, _, _), c) in enumerate(zip(setups, centres)) for i, s in enumerate(s_rec)]
    # the slowest mode passes the last receiver by 2 sigma
    duration = (s_rec[-1] + 2.0 * sigma - s0) / min(speeds.min() for _, speeds, _, _ in setups)
    sim = sem.Simulation(mesh, make_model(mesh), receivers=receivers, duration=duration, progress=False)

    def train(s):                                     # g and g' of the Gaussian train, period lam
        s = np.mod(s + lam / 2, lam) - lam / 2          # in [-lam/2, lam/2): images beyond +-2 are < 1e-48
        arg = s[None, :] - np.arange(-2, 3)[:, None] * lam
        gauss = np.exp(-arg**2 / (2 * sigma**2))
        return gauss.sum(0), (-arg / sigma**2 * gauss).sum(0)

    amp = 1e-3
    u0, v0 = np.zeros((3, mesh.nglob)), np.zeros((3, mesh.nglob))
    for (n, speeds, pol, _), c, points in zip(setups, centres, ranges):
        g, dg = train((sim.solid.mesh.global_coords[points] - c) @ n - s0)
        u0[:, points] = amp * pol.T @ np.stack([g] * 3)               # sum over modes of p_m g
        v0[:, points] = -amp * (pol.T * speeds) @ np.stack([dg] * 3)
    res = sim.run(initial=(u0, v0))
    out = []
    for b, (n, speeds, pol, _) in enumerate(setups):
        data = res.data[b * len(s_rec):(b + 1) * len(s_rec)]
        measured, misfit = np.empty(3), np.empty(3)
        for m in range(3):
            d = np.einsum("c,rct->rt", pol[m], data)                   # (nrec, nt), this mode only
            ref = CubicSpline(res.times, d[0])
            taus = [0.0] + [travel_time(d[i], ref, res.times, (s_rec[i] - s_rec[0]) / speeds[m], sim.dt)
                            for i in range(1, len(s_rec))]
            measured[m] = np.polyfit(taus, s_rec, 1)[0]
            ana = np.stack([amp * train(s - s0 - speeds[m] * res.times)[0] for s in s_rec])
            misfit[m] = np.linalg.norm(d - ana) / np.linalg.norm(ana)
        out.append((measured, speeds, pol, misfit))
    return out, mesh.nspec, sim.nt


def table(rows, labels):
    out = [f"{'direction':>10} | " + " | ".join(f"{lb:^34}" for lb in labels)]
    out.append(f"{'':>10} | " + " | ".join(f"{'measured':>10} {'Christoffel':>11} {'err %':>9}  "
                                            for _ in labels))
    for name, meas, ref in rows:
        out.append(f"{name:>10} | " + " | ".join(f"{mv:10.2f} {rv:11.2f} {100 * (mv / rv - 1):+9.4f}  "
                                                for mv, rv in zip(meas, ref)))
    return "\n".join(out)


# ---- tests ------------------------------------------------------------------------------------

def test_reference_reproduces_the_ti_closed_forms():
    """The Christoffel reference of the Love-parameter matrix: along the axis qP = vpv and both S =
    vsv; perpendicular to it qP = vph, SH = vsh (polarised along y), qSV = vsv."""
    v, p = christoffel(TI_C, TI["rho"], np.array([0.0, 0.0, 1.0]))
    assert np.allclose(v, [TI["vsv"], TI["vsv"], TI["vpv"]], rtol=1e-12)
    v, p = christoffel(TI_C, TI["rho"], np.array([1.0, 0.0, 0.0]))
    assert np.allclose(v, [TI["vsv"], TI["vsh"], TI["vph"]], rtol=1e-12)
    assert abs(p[1, 1]) == pytest.approx(1.0)
    assert np.all(np.abs(C21[np.triu_indices(6)]) > 4e9)                     # all 21 non-zero
    mandel = np.array([1.0, 1.0, 1.0, 2**0.5, 2**0.5, 2**0.5])
    assert np.linalg.eigvalsh(C21 * np.outer(mandel, mandel)).min() > 0      # positive definite
    assert np.allclose(rotate(C21, rotation_zxz(*np.radians([30.0, 75.0, 40.0])).T), OLIVINE, atol=1e-3)


def test_transversely_isotropic_speeds_match_christoffel():
    h = 100.0
    directions = [(np.sin(th), 0.0, np.cos(th)) for th in np.radians(TI_ANGLES)]
    runs, nspec, nt = measure(lambda mesh: sem.Model.transversely_isotropic(mesh, **TI, axis=(0.0, 0.0, 1.0)),
                              TI_C, TI["rho"], directions, h)
    print(f"TI: {len(directions)} periodic boxes, {nspec} elements, {nt} steps")
    rows, errors, misfits, results = [], [], [], {}
    for angle, n, (meas, ref, pol, misfit) in zip(TI_ANGLES, directions, runs):
        sh = int(np.argmax(np.abs(pol[:2, 1])))          # of the two qS modes, the one polarised along y
        order = [1 - sh, sh, 2]                           # qSV, SH, qP
        rows.append((f"{angle:.0f} deg", meas[order], ref[order]))
        errors.append(meas[order] / ref[order] - 1)
        misfits.append(misfit[order])
        results[angle] = (np.array(n), meas[order], pol[order])
        print(f"TI {angle:4.0f} deg: waveform misfit per mode (qSV, SH, qP) {np.round(misfit[order], 4)}")
    print("\ntransversely isotropic (axis z), phase velocities in m/s\n" + table(rows, ["qSV", "SH", "qP"]))
    errors = np.array(errors)
    assert np.all(np.abs(errors) < TOL), errors
    assert np.all(np.array(misfits) < 0.02)              # clean one-way plane waves, no cross-talk

    # sensitivity: the same measurements against the Christoffel speeds of media 1 % off in one Cij
    worst_qs = np.abs(errors[:, :2]).max()
    for (p, q), angle, mode in (((0, 2), 45.0, 0), ((3, 3), 0.0, 1)):
        wrong = TI_C.copy()
        wrong[p, q] *= 1.01
        wrong[q, p] = wrong[p, q]
        n, meas, pol = results[angle]
        dev = meas / matched_speeds(wrong, TI["rho"], n, pol) - 1
        print(f"against C{p + 1}{q + 1} + 1 %: errors at {angle:.0f} deg (qSV, SH, qP) {np.round(100 * dev, 4)} %; "
              f"{'qSV' if mode == 0 else 'SH'} off by {abs(dev[mode]) / worst_qs:.0f}x the largest qS error")
        assert abs(dev[mode]) > 10 * worst_qs
        if (p, q) == (0, 2):
            assert abs(dev[mode]) > TOL                  # the test fails for this medium


def test_general_anisotropic_speeds_match_christoffel():
    h = 500.0
    runs, nspec, nt = measure(lambda mesh: sem.Model.anisotropic(mesh, C21, RHO_OLIVINE), C21, RHO_OLIVINE,
                              list(C21_DIRECTIONS.values()), h)
    print(f"21 Cij: {len(runs)} periodic boxes, {nspec} elements, {nt} steps")
    rows, errors, results = [], [], {}
    for (name, n), (meas, ref, pol, misfit) in zip(C21_DIRECTIONS.items(), runs):
        rows.append((name, meas, ref))
        errors.append(meas / ref - 1)
        results[name] = (np.asarray(n, float) / np.linalg.norm(n), meas, pol)
        print(f"21 Cij {name}: waveform misfit per mode (qS2, qS1, qP) {np.round(misfit, 4)}")
        assert np.all(misfit < 0.02)
    print("\nrotated olivine (21 Cij), phase velocities in m/s\n" + table(rows, ["qS2", "qS1", "qP"]))
    errors = np.array(errors)
    assert np.all(np.abs(errors) < TOL), errors
    # sensitivity: with any diagonal Cij 1 % larger, some measured speed is off by > 5x the largest
    # error of its kind (qS or qP) in the test
    worst = np.array([np.abs(errors[:, :2]).max()] * 2 + [np.abs(errors[:, 2]).max()])
    for d in range(6):
        wrong = C21.copy()
        wrong[d, d] *= 1.01
        dev = np.array([meas / matched_speeds(wrong, RHO_OLIVINE, n, pol) - 1 for n, meas, pol in results.values()])
        ratio = np.abs(dev) / worst
        i, m = np.unravel_index(np.argmax(ratio), ratio.shape)
        print(f"against C{d + 1}{d + 1} + 1 %: {['qS2', 'qS1', 'qP'][m]} along {list(results)[i]} off by "
              f"{100 * dev[i, m]:+.3f} %, {ratio[i, m]:.1f}x the largest {['qS', 'qS', 'qP'][m]} error")
        assert ratio[i, m] > 5
