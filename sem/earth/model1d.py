"""The common interface of spherically symmetric (1-D) Earth models.

A 1-D model is a stack of *layers* separated by *discontinuities*. Everything is SI inside:
radii in metres, velocities in m/s, density in kg/m^3; depths in km appear only in the ``*_km``
helpers (geographic input; see docs/conventions.md).

Layers and discontinuities
--------------------------
``discontinuities`` holds the radii (ascending, metres) of the top of every layer: the last entry is
the surface. Layer ``k`` spans ``[discontinuities[k-1], discontinuities[k]]`` (layer 0 starts at
``r_min``, the centre for a whole-Earth model). A discontinuity is a radius where at least one
parameter (a velocity, the density, eta or a Q) jumps. Radii where only the gradient changes
(PREM's 600 km, 771 km and D'' boundaries) are *not* discontinuities: the values are continuous there,
so they live inside a layer and are listed separately in ``second_order_discontinuities``.

Evaluating on a discontinuity is made unambiguous in one of two ways:

* ``side='below'`` (the deeper side, smaller radius) or ``side='above'``; points within
  ``DISCONTINUITY_RTOL * radius`` (about 6 mm on the Earth) of a discontinuity count as lying on it;
* ``layer=k`` (alias ``region=k``): the parameters of layer ``k`` are evaluated, even at (and a
  rounding error beyond) its end points. This is what a mesher uses: every element belongs to one
  layer, and its GLL points on the layer's faces take that layer's values.

With neither, a point on an internal discontinuity raises ``ValueError`` rather than silently picking a
side. The surface and the centre belong to the top and the bottom layer whatever ``side`` says.

Returned parameters
-------------------
``evaluate`` returns a dict of float64 arrays of the broadcast shape of ``r`` (and ``layer``):

* ``'vp', 'vs', 'rho'``: for a transversely isotropic (TI) model, ``vp`` and ``vs`` are the Voigt
  isotropic averages (see :func:`voigt_average`);
* TI models also give ``'vpv', 'vph', 'vsv', 'vsh', 'eta'`` (radial symmetry axis; ``eta = F/(A-2L)``);
  in their isotropic layers ``vpv = vph = vp``, ``vsv = vsh = vs``, ``eta = 1``.
  For the time step use ``max(vpv, vph)``, for resolution ``min(vsv, vsh)``;
* ``'qmu', 'qkappa'``: the shear and bulk quality factors. ``qmu`` is ``inf`` in a fluid (no shear
  modulus, so nothing to dissipate); ``inf`` also means "no loss" elsewhere, ``nan`` means unknown.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EarthModel1D", "voigt_average", "DISCONTINUITY_RTOL", "LAYER_SLACK_RTOL"]

#: Points closer than this times the planet radius to a discontinuity lie on it (about 6 mm on the
#: Earth: far below any physical scale, far above the rounding of coordinates computed in float64).
DISCONTINUITY_RTOL = 1e-9
#: With ``layer=k``, points may lie this far (relative to the radius, about 6 m on the Earth) outside
#: the layer before ``evaluate`` refuses them as belonging to another layer.
LAYER_SLACK_RTOL = 1e-6

ISO_KEYS = ("vp", "vs", "rho", "qmu", "qkappa")
TI_KEYS = ("vp", "vs", "rho", "vpv", "vph", "vsv", "vsh", "eta", "qmu", "qkappa")


def voigt_average(rho, vpv, vph, vsv, vsh, eta):
    """Voigt isotropic average of a TI medium (radial axis): returns ``(vp, vs)``.

    With Love's parameters ``A = rho vph^2, C = rho vpv^2, L = rho vsv^2, N = rho vsh^2,
    F = eta (A - 2L)``: ``mu = (A + C - 2F + 5N + 6L)/15`` and ``kappa = (4A + C + 4F - 4N)/9``
    (Babuska & Cara 1991). For PREM this reproduces the isotropic polynomials between the Moho and
    220 km to 0.03 % (the isotropic PREM is the equivalent isotropic model of the TI one).
    """
    a, c = rho * vph**2, rho * vpv**2
    ll, n = rho * vsv**2, rho * vsh**2
    f = eta * (a - 2.0 * ll)
    mu = (a + c - 2.0 * f + 5.0 * n + 6.0 * ll) / 15.0
    kappa = (4.0 * a + c + 4.0 * f - 4.0 * n) / 9.0
    return np.sqrt((kappa + 4.0 / 3.0 * mu) / rho), np.sqrt(mu / rho)


class EarthModel1D:
    """Base class of the 1-D models. Subclasses call ``_set_layers`` and implement ``_eval_layer``.

    Attributes: ``name``, ``radius`` (m), ``r_min`` (m, 0 for a whole Earth), ``discontinuities``
    (ascending radii in m, surface last), ``discontinuity_names`` (aligned with them),
    ``second_order_discontinuities`` (dict name -> radius in m), ``is_transversely_isotropic``.
    """

    name: str = "earth model"
    is_transversely_isotropic: bool = False

    # --- set-up (subclasses) -------------------------------------------------------------------------
    def _set_layers(self, radius, tops, names, r_min=0.0, second_order=None):
        tops = np.asarray(tops, dtype=float)
        if tops.ndim != 1 or tops.size == 0 or np.any(np.diff(tops) <= 0) or tops[0] <= r_min:
            raise ValueError("layer tops must be strictly increasing radii above r_min")
        if not np.isclose(tops[-1], radius, rtol=0, atol=DISCONTINUITY_RTOL * radius):
            raise ValueError(f"the top layer must end at the surface (radius {radius} m), not at {tops[-1]} m")
        if len(names) != tops.size:
            raise ValueError("one name per discontinuity is needed")
        names = list(names)
        seen = {}
        for i, nm in enumerate(names):           # names must be unique: suffix repeats
            if nm in seen:
                seen[nm] += 1
                names[i] = f"{nm}_{seen[nm]}"
            else:
                seen[nm] = 0
        self.radius = float(radius)
        self.r_min = float(r_min)
        tops[-1] = self.radius
        self._tops = tops
        self._tops.flags.writeable = False
        self._names = tuple(names)
        self.second_order_discontinuities = dict(second_order or {})
        self._fluid_regions = None

    def _eval_layer(self, k: int, r: np.ndarray) -> dict:
        """Parameters of layer ``k`` at radii ``r`` (1-D float array, m), SI units, all keys."""
        raise NotImplementedError

    def _layer_breakpoints(self, k: int) -> np.ndarray:
        """Radii inside layer k where the parameters are not smooth (table nodes, polynomial
        changes); used for exact quadrature. The default has none."""
        return np.empty(0)

    # --- discontinuities and layers -----------------------------------------------------------------
    @property
    def discontinuities(self) -> np.ndarray:
        """Radii (m, ascending) of the discontinuities, the surface last; layer k ends at entry k."""
        return self._tops

    @property
    def discontinuity_names(self) -> tuple:
        return self._names

    @property
    def n_layers(self) -> int:
        return self._tops.size

    def layer_bounds(self, k: int) -> tuple:
        """``(r_bottom, r_top)`` of layer ``k`` in metres."""
        k = self._check_layer(k)
        return (self.r_min if k == 0 else float(self._tops[k - 1]), float(self._tops[k]))

    def discontinuity_radius(self, name: str) -> float:
        """Radius (m) of the discontinuity called ``name`` (e.g. 'cmb', 'moho', 'surface')."""
        try:
            return float(self._tops[self._names.index(name)])
        except ValueError:
            raise KeyError(f"{self.name} has no discontinuity {name!r}; it has {list(self._names)}") from None

    def discontinuity_depths_km(self) -> dict:
        """``{name: depth in km}`` from the surface (depth 0) down."""
        return {nm: (self.radius - r) / 1e3 for nm, r in zip(self._names[::-1], self._tops[::-1])}

    def depth_km_to_radius(self, depth_km):
        """Radius in m of a depth in km."""
        return self.radius - 1e3 * np.asarray(depth_km, dtype=float)

    def radius_to_depth_km(self, r):
        return (self.radius - np.asarray(r, dtype=float)) / 1e3

    def _check_layer(self, k):
        k = np.asarray(k)
        if not np.issubdtype(k.dtype, np.integer):
            raise TypeError(f"a layer index must be an integer, got {k.dtype}")
        if np.any((k < 0) | (k >= self.n_layers)):
            raise ValueError(f"layer index out of range 0..{self.n_layers - 1}")
        return int(k) if k.ndim == 0 else k

    def _check_radius(self, r):
        tol = DISCONTINUITY_RTOL * self.radius
        if not np.all(np.isfinite(r)):
            raise ValueError("radii must be finite")
        bad = (r < self.r_min - tol) | (r > self.radius + tol)
        if np.any(bad):
            raise ValueError(f"radius {r[bad].flat[0]} m lies outside {self.name} "
                             f"[{self.r_min}, {self.radius}] m")

    def layer_index(self, r, side=None):
        """Index of the layer holding each radius ``r`` (m).

        On a discontinuity (within ``DISCONTINUITY_RTOL * radius``), ``side='below'`` gives the layer
        under it and ``side='above'`` the one over it; ``side=None`` raises ``ValueError`` there.
        """
        r = np.asarray(r, dtype=float)
        self._check_radius(r)
        if side not in (None, "below", "above"):
            raise ValueError(f"side must be 'below', 'above' or None, not {side!r}")
        internal = self._tops[:-1]
        if internal.size == 0:
            return np.zeros(r.shape, dtype=np.intp)
        tol = DISCONTINUITY_RTOL * self.radius
        j = np.clip(np.searchsorted(internal, r), 0, internal.size - 1)
        near = np.abs(r - internal[j])
        jm = np.clip(j - 1, 0, internal.size - 1)
        alt = np.abs(r - internal[jm])
        j = np.where(alt < near, jm, j)
        on = np.minimum(near, alt) <= tol
        if np.any(on) and side is None:
            d = internal[j[on].flat[0]]
            raise ValueError(
                f"radius {r[on].flat[0]} m lies on the discontinuity "
                f"{self._names[int(j[on].flat[0])]!r} at {d} m of {self.name}: "
                "pass side='below'|'above' or layer=k")
        snapped = np.where(on, internal[j], r)
        k = np.searchsorted(internal, snapped, side="left" if side in (None, "below") else "right")
        return k.astype(np.intp)

    def layer_index_depth_km(self, depth_km, side=None):
        return self.layer_index(self.depth_km_to_radius(depth_km), side=side)

    # --- evaluation ------------------------------------------------------------------------------
    @property
    def keys(self) -> tuple:
        return TI_KEYS if self.is_transversely_isotropic else ISO_KEYS

    def evaluate(self, r, side=None, layer=None, region=None) -> dict:
        """Model parameters at radii ``r`` (m): dict of arrays (SI units) described in the module doc.

        ``side`` ('below'|'above') chooses the side on a discontinuity; ``layer`` (or its alias
        ``region``), an int or an int array broadcastable with ``r``, evaluates that layer's parameters
        (also at its end points, and up to ``LAYER_SLACK_RTOL * radius`` beyond them).
        """
        if region is not None:
            if layer is not None and not np.array_equal(layer, region):
                raise ValueError("give either layer= or region= (they are the same thing)")
            layer = region
        r = np.asarray(r, dtype=float)
        if layer is None:
            kk = self.layer_index(r, side=side)
        else:
            layer = self._check_layer(layer)
            r, kk = np.broadcast_arrays(r, np.asarray(layer))
            self._check_radius(r)
            lo = np.concatenate(([self.r_min], self._tops[:-1]))[kk]
            hi = self._tops[kk]
            slack = LAYER_SLACK_RTOL * self.radius
            bad = (r < lo - slack) | (r > hi + slack)
            if np.any(bad):
                i = np.flatnonzero(bad.ravel())[0]
                raise ValueError(f"radius {r.ravel()[i]} m is outside layer {kk.ravel()[i]} "
                                 f"[{lo.ravel()[i]}, {hi.ravel()[i]}] m of {self.name}")
        shape = r.shape
        rf, kf = r.ravel(), np.asarray(kk).ravel()
        out = {key: np.empty(rf.size) for key in self.keys}
        for k in np.unique(kf):
            sel = kf == k
            vals = self._eval_layer(int(k), rf[sel])
            for key in self.keys:
                out[key][sel] = vals[key]
        return {key: v.reshape(shape) for key, v in out.items()}

    def evaluate_depth_km(self, depth_km, side=None, layer=None) -> dict:
        """``evaluate`` at depths in km (``side='below'`` is the deeper side)."""
        return self.evaluate(self.depth_km_to_radius(depth_km), side=side, layer=layer)

    # --- derived quantities ---------------------------------------------------------------------
    @property
    def fluid_regions(self) -> list:
        """``[(r_min, r_max), ...]`` (m, ascending) of the fluid regions (vs = 0), adjacent fluid
        layers merged (e.g. PREM: the outer core and the ocean)."""
        if self._fluid_regions is None:
            regions = []
            for k in range(self.n_layers):
                lo, hi = self.layer_bounds(k)
                rr = np.linspace(lo, hi, 9)
                vs = self._eval_layer(k, rr)["vs"]
                if np.all(vs == 0.0):
                    if regions and regions[-1][1] == lo:
                        regions[-1] = (regions[-1][0], hi)
                    else:
                        regions.append((lo, hi))
                elif np.any(vs <= 0.0):
                    raise ValueError(f"layer {k} of {self.name} is partly fluid; split it at the fluid boundary")
            self._fluid_regions = regions
        return list(self._fluid_regions)

    def is_fluid_layer(self, k: int) -> bool:
        lo, hi = self.layer_bounds(k)
        return any(a <= lo and hi <= b for a, b in self.fluid_regions)

    def _radial_integral(self, f, npts=8):
        """Integral of ``f(r, rho) dr`` from r_min to the surface, layer by layer and between the
        breakpoints of each layer with ``npts``-point Gauss-Legendre (exact for the piecewise cubic
        PREM and piecewise linear tables times r^4)."""
        x, w = np.polynomial.legendre.leggauss(npts)
        total = 0.0
        for k in range(self.n_layers):
            lo, hi = self.layer_bounds(k)
            edges = np.unique(np.concatenate(([lo, hi], self._layer_breakpoints(k))))
            for a, b in zip(edges[:-1], edges[1:]):
                r = 0.5 * (b - a) * x + 0.5 * (a + b)
                rho = self._eval_layer(k, r)["rho"]
                total += 0.5 * (b - a) * np.sum(w * f(r, rho))
        return total

    def mass(self) -> float:
        """Mass (kg) between r_min and the surface: the integral of 4 pi r^2 rho dr."""
        return self._radial_integral(lambda r, rho: 4.0 * np.pi * r**2 * rho)

    def moment_of_inertia(self) -> float:
        """Moment of inertia (kg m^2) about a diameter: the integral of (8 pi / 3) r^4 rho dr."""
        return self._radial_integral(lambda r, rho: 8.0 * np.pi / 3.0 * r**4 * rho)

    def __repr__(self) -> str:
        d = ", ".join(f"{n}={v:g}" for n, v in self.discontinuity_depths_km().items())
        return f"<{type(self).__name__} {self.name!r}: {self.n_layers} layers; depths (km): {d}>"
