"""PREM, the Preliminary Reference Earth Model.

Dziewonski, A. M. & Anderson, D. L. (1981). Preliminary reference Earth model. Physics of the Earth
and Planetary Interiors 25, 297-356, doi:10.1016/0031-9201(81)90046-7.

The polynomial coefficients below are typed from the paper's Table I (isotropic PREM, and the
transversely isotropic upper mantle between the Moho and 220 km). They are polynomials in the
normalised radius ``x = r / a``, ``a = 6371 km``, with density in g/cm^3 and velocities in km/s at a
reference period of 1 s; they are converted to SI on evaluation. Q (the shear and bulk quality
factors, constant within each region) is from the paper's Table I as well.

Layers (discontinuities, where a velocity, the density or Q jumps), from the centre up::

    k  region                    top radius (km)  depth (km)  name of its top
    0  inner core                1221.5           5149.5      icb
    1  outer core (fluid)        3480.0           2891.0      cmb
    2  lower mantle              5701.0            670.0      670   (second-order: 771 km, D'' at 2741 km)
    3  transition zone           5971.0            400.0      400   (second-order: 600 km)
    4  220-400 km                6151.0            220.0      220
    5  low-velocity zone (LVZ)   6291.0             80.0      80    (Q only: 80 -> 600; velocities continuous)
    6  LID                       6346.6             24.4      moho
    7  lower crust               6356.0             15.0      midcrust
    8  upper crust               6368.0              3.0      seafloor
    9  ocean (fluid)             6371.0              0.0      surface

The variants (``ocean``, ``crust``) drop layers from the top as described in :class:`PREM`.

Between the Moho and 220 km the isotropic PREM uses Table I's isotropic linear polynomials
(``vp = 4.1875 + 3.9382 x``, ``vs = 2.1519 + 2.3481 x``). Table II tabulates there the equivalent
isotropic values of the TI model instead; those are what the Voigt averages ``vp``, ``vs`` of the TI
PREM reproduce (to 1e-4 km/s), and the linear polynomials differ from them by up to 1.2e-3 km/s (0.03 %).
"""

from __future__ import annotations

import math

import numpy as np

from .model1d import EarthModel1D, voigt_average

__all__ = ["PREM"]

A_KM = 6371.0
QK = 57823.0          # Q_kappa outside the inner core (Table I)
INF = math.inf

# Polynomial coefficients [c0, c1, c2, c3] in x = r/a (density g/cm^3, velocities km/s at 1 s).
_RHO_LM = (7.9565, -6.4761, 5.5283, -3.0807)
_RHO_UM = (2.6910, 0.6924)
_ISO_UM = dict(rho=_RHO_UM, vp=(4.1875, 3.9382), vs=(2.1519, 2.3481))
_TI_UM = dict(rho=_RHO_UM, vpv=(0.8317, 7.2180), vph=(3.5908, 4.6172),
              vsv=(5.8582, -1.4678), vsh=(-1.0839, 5.7176), eta=(3.3687, -2.4778))

# Each layer: top radius (km), name of its top, Q_mu, Q_kappa, [(sub-region top radius km, polys)],
# where the sub-regions are the regions of Table I that meet at second-order discontinuities.
_LAYERS = [
    (1221.5, "icb", 84.6, 1327.7, [
        (1221.5, dict(rho=(13.0885, 0.0, -8.8381), vp=(11.2622, 0.0, -6.3640), vs=(3.6678, 0.0, -4.4475)))]),
    (3480.0, "cmb", INF, QK, [
        (3480.0, dict(rho=(12.5815, -1.2638, -3.6426, -5.5281), vp=(11.0487, -4.0362, 4.8023, -13.5732),
                      vs=(0.0,)))]),
    (5701.0, "670", 312.0, QK, [
        (3630.0, dict(rho=_RHO_LM, vp=(15.3891, -5.3181, 5.5242, -2.5514), vs=(6.9254, 1.4672, -2.0834, 0.9783))),
        (5600.0, dict(rho=_RHO_LM, vp=(24.9520, -40.4673, 51.4832, -26.6419),
                      vs=(11.1671, -13.7818, 17.4575, -9.2777))),
        (5701.0, dict(rho=_RHO_LM, vp=(29.2766, -23.6027, 5.5242, -2.5514),
                      vs=(22.3459, -17.2473, -2.0834, 0.9783)))]),
    (5971.0, "400", 143.0, QK, [
        (5771.0, dict(rho=(5.3197, -1.4836), vp=(19.0957, -9.8672), vs=(9.9839, -4.9324))),
        (5971.0, dict(rho=(11.2494, -8.0298), vp=(39.7027, -32.6166), vs=(22.3512, -18.5856)))]),
    (6151.0, "220", 143.0, QK, [
        (6151.0, dict(rho=(7.1089, -3.8045), vp=(20.3926, -12.2569), vs=(8.9496, -4.4597)))]),
    (6291.0, "80", 80.0, QK, [(6291.0, _ISO_UM)]),         # LVZ
    (6346.6, "moho", 600.0, QK, [(6346.6, _ISO_UM)]),      # LID
    (6356.0, "midcrust", 600.0, QK, [(6356.0, dict(rho=(2.900,), vp=(6.800,), vs=(3.900,)))]),
    (6368.0, "seafloor", 600.0, QK, [(6368.0, dict(rho=(2.600,), vp=(5.800,), vs=(3.200,)))]),
    (6371.0, "surface", INF, QK, [(6371.0, dict(rho=(1.020,), vp=(1.450,), vs=(0.0,)))]),
]
_SECOND_ORDER = {"d_double_prime": 3630.0e3, "771": 5600.0e3, "600": 5771.0e3}


class PREM(EarthModel1D):
    """PREM (Dziewonski & Anderson 1981), isotropic or transversely isotropic, with Q.

    Parameters
    ----------
    isotropic : bool
        ``False`` (default): the TI PREM, transversely isotropic (radial axis) between the Moho
        (24.4 km) and 220 km depth, isotropic elsewhere (there vpv = vph, vsv = vsh, eta = 1).
        ``True``: the isotropic PREM of Table I.
    ocean : bool
        ``True`` (default): PREM's 3-km ocean (a fluid layer at the surface). ``False``: the ocean is
        replaced by the upper crust (2.6 g/cm^3, 5.8 km/s, 3.2 km/s) extended to the surface, so the
        upper crust is 15 km thick and the model is solid at the surface (as TauP's and SPECFEM's
        "PREM without ocean"). Ignored when ``crust=False`` (there is then no ocean either).
    crust : bool
        ``True`` (default): PREM's two-layer crust. ``False``: the "light" / no-crust PREM. The ocean
        and both crustal layers are removed and the LID polynomials (the upper-mantle region just
        below the Moho: isotropic or TI as selected, density ``2.6910 + 0.6924 x``) are extended from
        the Moho to the surface, with the LID's Q (Q_mu = 600). The radius stays 6371 km and the 80-km
        Q discontinuity (Q_mu 600 above, 80 below) is kept. This is the velocity and density structure
        of AxiSEM's 'prem_iso_light' / 'prem_ani_light' ("crust removed": AxiSEM's top domain runs from
        the surface to 220 km with the upper-mantle polynomial); AxiSEM's Q differs slightly (it uses
        Q_mu = 600 over the whole 0-220 km domain and Q_kappa = 57827; here Q follows the paper).
    reference_period : float
        Period (s) at which the velocities are wanted. PREM's velocities are given at 1 s; for another
        period the paper's constant-Q physical dispersion is applied:
        ``vs(T) = vs(1 s) [1 - ln(T)/(pi Q_mu)]`` and
        ``vp(T) = vp(1 s) [1 - ln(T)/pi ((1 - E)/Q_kappa + E/Q_mu)]``, ``E = 4/3 (vs/vp)^2`` (1-s values).
        In the TI layers vsv and vsh take the shear factor, vpv and vph the compressional one with E
        from (vsv, vpv) and (vsh, vph) respectively; eta and the density are unchanged; the Voigt
        averages are then formed from the corrected values.
    """

    def __init__(self, isotropic=False, ocean=True, crust=True, reference_period=1.0):
        T = float(reference_period)
        if not (math.isfinite(T) and T > 0):
            raise ValueError(f"reference_period must be a positive number of seconds, not {reference_period!r}")
        self.isotropic = bool(isotropic)
        self.ocean = bool(ocean) and bool(crust)
        self.crust = bool(crust)
        self.reference_period = T
        self.is_transversely_isotropic = not self.isotropic

        layers = [list(lay) for lay in _LAYERS]
        if not self.crust:
            layers = layers[:7]                        # up to and including the LID
        elif not self.ocean:
            layers = layers[:9]                        # up to and including the upper crust
        top = layers[-1]
        top[0], top[1] = A_KM, "surface"               # the top layer reaches the surface
        top[4] = [(A_KM, top[4][-1][1])]
        self._layers = []
        for r_top, name, qmu, qkappa, subs in layers:
            ti = (not self.isotropic) and subs[0][1] is _ISO_UM      # the LVZ and the LID
            subs = [(rt * 1e3, _TI_UM if ti else polys) for rt, polys in subs]
            self._layers.append(dict(qmu=qmu, qkappa=qkappa, ti=ti,
                                     sub_tops=np.array([s[0] for s in subs]), polys=[s[1] for s in subs]))
        tops = [lay[0] * 1e3 for lay in layers]
        names = [lay[1] for lay in layers]
        self._set_layers(A_KM * 1e3, tops, names, second_order=_SECOND_ORDER)

        parts = ["PREM", "isotropic" if self.isotropic else "TI"]
        if not self.crust:
            parts.append("no crust")
        elif not self.ocean:
            parts.append("no ocean")
        if T != 1.0:
            parts.append(f"at {T:g} s")
        self.name = " ".join(parts)

    def _layer_breakpoints(self, k):
        return self._layers[k]["sub_tops"][:-1]

    def _eval_layer(self, k, r):
        lay = self._layers[k]
        r = np.asarray(r, dtype=float)
        x = r / (A_KM * 1e3)
        sub_tops = lay["sub_tops"]
        isub = np.searchsorted(sub_tops[:-1], r) if sub_tops.size > 1 else np.zeros(r.shape, dtype=int)
        raw = {}
        for key in lay["polys"][0]:
            v = np.empty_like(r)
            for s, polys in enumerate(lay["polys"]):
                sel = isub == s
                v[sel] = np.polynomial.polynomial.polyval(x[sel], polys[key])
            raw[key] = v
        qmu = np.full(r.shape, lay["qmu"])
        qkappa = np.full(r.shape, lay["qkappa"])
        rho = raw.pop("rho") * 1e3
        T = self.reference_period
        if lay["ti"]:
            vpv, vph = raw["vpv"] * 1e3, raw["vph"] * 1e3
            vsv, vsh = raw["vsv"] * 1e3, raw["vsh"] * 1e3
            eta = raw["eta"]
            if T != 1.0:
                vpv, vsv = _disperse(vpv, vsv, lay["qmu"], lay["qkappa"], T)
                vph, vsh = _disperse(vph, vsh, lay["qmu"], lay["qkappa"], T)
            vp, vs = voigt_average(rho, vpv, vph, vsv, vsh, eta)
        else:
            vp, vs = raw["vp"] * 1e3, np.broadcast_to(raw["vs"] * 1e3, r.shape).copy()
            if T != 1.0:
                vp, vs = _disperse(vp, vs, lay["qmu"], lay["qkappa"], T)
            vpv = vph = vp
            vsv = vsh = vs
            eta = np.ones(r.shape)
        out = dict(vp=vp, vs=vs, rho=rho, qmu=qmu, qkappa=qkappa)
        if self.is_transversely_isotropic:
            out.update(vpv=vpv, vph=vph, vsv=vsv, vsh=vsh, eta=eta)
        return out


def _disperse(vp, vs, qmu, qkappa, T):
    """Dziewonski & Anderson (1981) constant-Q dispersion from 1 s to period T (s)."""
    lnT_pi = math.log(T) / math.pi
    inv_qmu = 0.0 if math.isinf(qmu) else 1.0 / qmu
    e = 4.0 / 3.0 * (vs / vp) ** 2
    vs_T = vs * (1.0 - lnT_pi * inv_qmu)
    vp_T = vp * (1.0 - lnT_pi * ((1.0 - e) / qkappa + e * inv_qmu))
    return vp_T, vs_T
