"""The terms of a time step: small objects the stepper applies in order.

A term has `apply(state)`, which updates the state's arrays in place for the time level
`state.step`, on the backend it was built for. A linear term also has the linear map it applies,
`forward(x, out)` (out += A x), and its exact transpose `transpose(y, out)` (out += A^T y), each
checked by a dot-product test <A x, y> = <x, A^T y> (tests/unit/test_terms.py); the adjoint run
applies the transposes in reverse order.

The forward step to level n (sem.solver.simulation builds this list):
    NewmarkPredict(solid), NewmarkPredict(fluid)       u += dt v + dt^2/2 a, ...; a = 0
    InternalForces(fluid)                              chi_ddot += K_f chi
    SolidFluidCoupling(on="fluid")                     chi_ddot -= C^T u
    NewmarkCorrect(fluid)                              chi_ddot = -M_f^-1 chi_ddot; chi_dot += dt/2 chi_ddot
    InternalForces(solid)                              a += K u
    SolidFluidCoupling(on="solid")                     a += C chi_ddot
    PointForcing (the sources)                         a -= F s(t_n)
    AbsorbingSolve                                     a[idx] = B (a[idx] + C_abs v[idx])
    NewmarkCorrect(solid)                              a = -M^-1 a; v += dt/2 a
"""

from __future__ import annotations

import numpy as np


class Term:
    """Base class: `apply(state)`; linear terms also `forward` and `transpose` (see the module doc)."""

    name = "term"
    linear = False

    def apply(self, state):
        raise NotImplementedError

    def forward(self, x, out):
        raise NotImplementedError(f"{type(self).__name__} is not a linear term")

    def transpose(self, y, out):
        raise NotImplementedError(f"{type(self).__name__} is not a linear term")

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class InternalForces(Term):
    """r += K x for one domain: `residual` += K `field` (K symmetric, so the transpose is K).
    With `memory` (the state's name of a law's memory variables, sem.physics.attenuating) the
    operator also advances them: the linear map is then (x, memory) -> (r += K x, memory'), whose
    transpose the reference operator has (`transpose_with_memory`; the numpy backend)."""

    linear = True

    def __init__(self, operator, field: str, residual: str, memory: str | None = None):
        self.operator, self.field, self.residual, self.memory = operator, field, residual, memory
        self.name = f"K {field} -> {residual}" + (f" (advancing {memory})" if memory else "")

    def apply(self, state):
        if self.memory is None:
            self.operator.internal_forces(state[self.field], out=state[self.residual])
        else:
            self.operator.internal_forces(state[self.field], out=state[self.residual], memory=state[self.memory])

    def forward(self, x, out):
        if self.memory is None:
            self.operator.internal_forces(x, out=out)
            return
        (u, memory), (out_r, out_memory) = x, out
        advanced = memory.copy()
        self.operator.internal_forces(u, out=out_r, memory=advanced)
        out_memory += advanced

    def transpose(self, y, out):
        if self.memory is None:
            self.operator.internal_forces(y, out=out)                   # K is symmetric
            return
        if not hasattr(self.operator, "transpose_with_memory"):
            raise NotImplementedError("the transpose of the step with memory variables exists on the numpy "
                                      "backend only (the reference operator)")
        self.operator.transpose_with_memory(y[0], y[1], out[0], out[1])


class SolidFluidCoupling(Term):
    """The solid-fluid interface terms of sem.physics.coupling.Coupling, applied on one side:
    on="solid":  a += C chi_ddot   (the fluid pressure on the solid);
    on="fluid":  chi_ddot -= C^T u (the solid's normal displacement driving the fluid).
    forward/transpose: the map of that side and its transpose (C and C^T with the sign)."""

    linear = True

    def __init__(self, backend, coupling, on: str, data=None):
        if on not in ("solid", "fluid"):
            raise ValueError(f"on must be 'solid' or 'fluid', got {on!r}")
        self.backend, self.on = backend, on
        self.data = backend.coupling_data(coupling) if data is None else data
        self.name = "C chi_ddot -> a" if on == "solid" else "-C^T u -> chi_ddot"

    def apply(self, state):
        if self.on == "solid":
            self.backend.couple_solid(state["a"], state["chi_ddot"], self.data, +1)
        else:
            self.backend.couple_fluid(state["chi_ddot"], state["u"], self.data, -1)

    def forward(self, x, out):
        if self.on == "solid":
            self.backend.couple_solid(out, x, self.data, +1)            # out_s += C x_f
        else:
            self.backend.couple_fluid(out, x, self.data, -1)            # out_f -= C^T x_s

    def transpose(self, y, out):
        if self.on == "solid":
            self.backend.couple_fluid(out, y, self.data, +1)            # out_f += C^T y_s
        else:
            self.backend.couple_solid(out, y, self.data, -1)            # out_s -= C y_f


class AbsorbingSolve(Term):
    """The implicit Stacey terms at the absorbing nodes idx: r[:, idx] <- B (r[:, idx] + C v[:, idx])
    with C the damping blocks and B = (I + dt/2 M^-1 C)^-1 (sem.physics.absorbing).

    As a linear map of x = (r, v) to the new r (unchanged away from idx): forward(x, out) adds
    A x into out (3, rows); transpose(y, out) adds A^T y into out = (out_r, out_v)."""

    linear = True
    name = "absorbing solve"

    def __init__(self, backend, boundary, mass, dt):
        self.backend = backend
        self.idx = backend.asarray(boundary.idx)
        self.c = backend.asarray(boundary.c)
        self.b = backend.asarray(boundary.implicit_blocks(mass, dt))
        self.empty = len(boundary) == 0

    def apply(self, state):
        if not self.empty:
            self.backend.absorb(state["a"], state["v"], self.idx, self.c, self.b)

    def forward(self, x, out):
        r, v = x
        ax = r.copy()
        if not self.empty:
            self.backend.absorb(ax, v, self.idx, self.c, self.b)
        out += ax

    def transpose(self, y, out):
        out_r, out_v = out
        xp = self.backend.xp
        yb = xp.einsum("bji,jb->ib", self.b, y[:, self.idx])          # B^T y at idx
        keep = y.copy()
        keep[:, self.idx] = 0
        out_r += keep
        out_r[:, self.idx] += yb
        out_v[:, self.idx] += xp.einsum("bji,jb->ib", self.c, yb)      # C^T B^T y


class PointForcing(Term):
    """Forces at points: the linear map F from group values s (ngroups,) to a field (ncomp, rows),
        field[c, idx[k]] += w[c, k] s[owner[k]],
    and its transpose, recording: (F^T field)[g] = sum_{k: owner[k] = g} sum_c w[c, k] field[c, idx[k]].

    Sources are groups of one (a force or a moment tensor, weights from sem.sources); receivers are
    `PointForcing.interpolation(...)`: one group per receiver and component, the weights the Lagrange
    interpolation h at the receiver, so that recording a field is F^T and an adjoint source is F.
    As a term, `apply` subtracts F s(t_n) from the residual `residual`, s sampled in `table`
    (ngroups, nt) at the state's step counter."""

    linear = True
    name = "point forcing"

    def __init__(self, backend, idx, w, owner, ngroups: int, table=None, residual: str = "a", ncomp=None):
        """idx (nnz,), w (ncomp, nnz), owner (nnz,) on the host (or None for `interpolation`)."""
        self.backend = backend
        self.ngroups = int(ngroups)
        self.ncomp = int(np.shape(w)[0]) if ncomp is None else int(ncomp)
        self._host = None if idx is None else (np.asarray(idx, np.int64), np.asarray(w, np.float64),
                                               np.asarray(owner, np.int64))
        self._device = None
        self.table = None if table is None else backend.asarray(table)
        self.residual = residual
        self.interp = None               # (idx (nrec, npts), h (nrec, npts)) on the device, for receivers
        self._interp_host = None

    @classmethod
    def interpolation(cls, backend, idx, h, ncomp: int = 3):
        """Receivers (or adjoint sources) at points given by their interpolation: idx, h (nrec, npts).
        Recording uses these arrays directly; the flat form (ncomp times larger) is made only when
        the forward map or the generic transpose is asked for."""
        idx, h = np.asarray(idx, np.int64), np.asarray(h, np.float64)
        out = cls(backend, None, None, None, idx.shape[0] * ncomp, ncomp=ncomp)
        out._interp_host = (idx, h)
        out.interp = (backend.asarray(idx, dtype=np.int64), backend.asarray(h))
        return out

    def flat_host(self):
        """(idx (nnz,), w (ncomp, nnz), owner (nnz,)) on the host: the map in its general form."""
        if self._host is None:
            idx, h = self._interp_host
            nrec, npts, nc = idx.shape[0], idx.shape[1], self.ncomp
            w = np.zeros((nc, nrec, nc, npts))
            for c in range(nc):
                w[c, :, c, :] = h
            self._host = (np.repeat(idx[:, None, :], nc, axis=1).ravel(),        # entries ordered (rec, c, p)
                          w.reshape(nc, -1), np.repeat(np.arange(nrec * nc), npts))
        return self._host

    def _flat(self):
        """The general form on the device, made on first use."""
        if self._device is None:
            idx, w, owner = self.flat_host()
            be = self.backend
            self._device = (be.asarray(idx, dtype=np.int64), be.asarray(w), be.asarray(owner, dtype=np.int64))
        return self._device

    def apply(self, state):
        if self.ngroups:
            idx, w, owner = self._flat()
            self.backend.inject(state[self.residual], idx, w, owner, self.table, state.counter)

    def forward(self, s, out):
        idx, w, owner = self._flat()
        vals = w * self.backend.xp.asarray(s)[owner][None, :]
        for c in range(out.shape[0]):
            self.backend.scatter_add(out[c], idx, vals[c])

    def transpose(self, field, out):
        if self.interp is not None:                                    # receivers: interpolation
            idx, h = self.interp
            out += (field[:, idx] * h[None]).sum(-1).T.reshape(-1)
            return
        idx, w, owner = self._flat()
        self.backend.scatter_add(out, owner, (field[:, idx] * w).sum(0))

    def record(self, seis, field, step):
        """seis[step] = F^T field as (ncomp, nrec), for receivers (the recording pass)."""
        idx, h = self.interp
        self.backend.record(seis, field, idx, h, step)


class NewmarkPredict(Term):
    """u += dt v + dt^2/2 a;  v += dt/2 a;  a = 0 for the fields (u, v, a) of one domain
    (nothing at step 0: the initial state is given). Linear in x = (u, v, a)."""

    linear = True

    def __init__(self, backend, fields, dt):
        self.backend, self.fields, self.dt = backend, tuple(fields), float(dt)
        self.name = f"predict {self.fields[0]}"

    def apply(self, state):
        if state.step:
            u, v, a = (state[k] for k in self.fields)
            self.backend.predict(u, v, a, self.dt)

    def forward(self, x, out):
        u, v, a = x
        dt = self.dt
        out[0][...] += u + dt * v + (0.5 * dt * dt) * a
        out[1][...] += v + (0.5 * dt) * a

    def transpose(self, y, out):
        yu, yv, _ = y
        dt = self.dt
        out[0][...] += yu
        out[1][...] += dt * yu + yv
        out[2][...] += (0.5 * dt * dt) * yu + (0.5 * dt) * yv


class NewmarkCorrect(Term):
    """a = -M^-1 r;  v += dt/2 a (dt/2 -> 0 at step 0, where a is the initial acceleration); a
    non-finite field is noted in `flag` with the step (see Backend.first_bad_step). Linear in
    x = (u, v, r) (the step-n map, dt > 0)."""

    linear = True

    def __init__(self, backend, fields, minv, dt, flag):
        self.backend, self.fields, self.minv, self.dt, self.flag = backend, tuple(fields), minv, float(dt), flag
        self.name = f"correct {self.fields[2]}"

    def apply(self, state):
        u, v, a = (state[k] for k in self.fields)
        self.backend.correct(u, v, a, self.minv, self.dt if state.step else 0.0, state.counter, self.flag)

    def forward(self, x, out):
        u, v, r = x
        acc = -self.minv * r
        out[0][...] += u
        out[1][...] += v + (0.5 * self.dt) * acc
        out[2][...] += acc

    def transpose(self, y, out):
        yu, yv, ya = y
        out[0][...] += yu
        out[1][...] += yv
        out[2][...] += -self.minv * ((0.5 * self.dt) * yv + ya)
