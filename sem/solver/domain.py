"""A domain: the elements of one kind of medium with their own field and global numbering.

The solid domain carries the displacement (3 components), the fluid domain the potential chi
(1 component). Each has its own mesh (a subset of the full mesh, with compact numbering), law,
mass matrix and stiffness operator; they meet on coupling faces (sem.physics.coupling).
"""

from __future__ import annotations

import numpy as np

from ..mesh.timestep import COURANT, courant_dt

class Domain:
    """kind 'solid' or 'fluid'; mesh (its own); law (on that mesh's elements): the law of the time
    step, which may carry memory variables (sem.physics.attenuating); `elastic_law` is then its
    unrelaxed elastic law (stability limit, diagnostics), else the law itself."""

    def __init__(self, kind: str, mesh, law):
        self.kind, self.mesh, self.law = kind, mesh, law
        self.elastic_law = law.elastic() if law.state_size else law
        self.ncomp = law.ncomp
        self._ops = {}
        self._vmax = None

    @property
    def memory_size(self) -> int:
        """Memory variables per GLL point of the law (0: none)."""
        return self.law.state_size

    @property
    def nglob(self) -> int:
        return self.mesh.nglob

    def mass(self) -> np.ndarray:
        """Diagonal mass matrix (nglob,): kg for the solid, 1/kappa-weighted volume for the fluid."""
        return self.mesh.assemble(self.law.mass_density() * self.mesh.quadrature_weights)

    def courant_dt(self, courant: float = COURANT) -> float:
        """The Courant time step of this domain (s), by the one rule of sem.mesh.timestep."""
        if self._vmax is None:         # (nspec,) m/s, once: a Christoffel search for anisotropic laws
            self._vmax = self.law.max_velocity().reshape(self.mesh.nspec, -1).max(axis=1)
        return courant_dt(self.mesh.min_gll_spacing(), self._vmax, courant)[0]

    def operator(self, backend, elastic: bool = False):
        """The stiffness operator of this domain on `backend` (a sem.backend.Backend), cached: the
        time step's (advancing any memory variables), or with `elastic` that of `elastic_law`."""
        law = self.elastic_law if elastic else self.law
        key = (backend.name, backend.dtype.name, law is self.law)
        if key not in self._ops:
            self._ops[key] = backend.operator(self.mesh, law)
        return self._ops[key]

    def estimated_bytes(self, itemsize: int) -> int:
        """Geometry, coefficients, numbering, memory variables and the three fields, bytes."""
        npts = self.mesh.nspec * self.mesh.ngll**self.mesh.ndim
        per_point = (9 + 1 + len(self.law.coefficient_names) + self.memory_size) * itemsize + 8
        return int(npts * per_point + (3 * self.ncomp + 1) * self.nglob * itemsize)

    def stability_limit(self, backend, tol: float = 1e-4) -> float:
        """Largest stable dt of this domain alone, 2 / sqrt(lambda_max(M^-1 K)), by Lanczos, in
        float64 on the CPU twin of `backend` (backend.host())."""
        from scipy.sparse.linalg import LinearOperator, eigsh
        op = self.operator(backend.host(), elastic=True)
        minv_sqrt = 1.0 / np.sqrt(self.mass())
        n = self.ncomp * self.nglob

        def matvec(x):
            u = np.ascontiguousarray(x.reshape(self.ncomp, -1) * minv_sqrt)
            return (op.internal_forces(u) * minv_sqrt).ravel()

        lam = eigsh(LinearOperator((n, n), matvec=matvec), k=1, which="LA", tol=tol,
                    v0=np.random.default_rng(0).standard_normal(n), return_eigenvectors=False)[0]
        return 2.0 / np.sqrt(lam * (1 + 10 * tol))


def coupled_stability_limit(solid, fluid, coupling, backend, tol: float = 1e-4) -> float:
    """Largest stable dt (s) of the coupled solid-fluid step, 2 / sqrt(lambda_max(A)).

    One step of sem's scheme is the central-difference (Newmark, beta = 0) step of y'' = -A y for
    y = (u, chi): the fluid's chi_ddot = M_f^-1 (-K_f chi - C^T u) uses the predicted u, and the solid's
    u_ddot = M_s^-1 (-K_s u + C chi_ddot) the new chi_ddot, so A y = -(u_ddot, chi_ddot). The system
    conserves energy, so A's eigenvalues are real and >= 0 and the step is stable for
    dt^2 lambda_max(A) < 4. A is not symmetric: lambda_max by Arnoldi (scipy eigs), in float64 on the
    CPU twin of `backend`. coupling: sem.physics.coupling.Coupling of the two domains' meshes.
    """
    from scipy.sparse.linalg import LinearOperator, eigs
    host = backend.host()
    op_s, op_f = solid.operator(host, elastic=True), fluid.operator(host, elastic=True)
    minv_s, minv_f = 1.0 / solid.mass(), 1.0 / fluid.mass()
    c = coupling.matrix.tocsr()
    ct = c.T.tocsr()
    ns = solid.ncomp * solid.nglob

    def matvec(x):
        x = np.real(np.asarray(x)).astype(np.float64)
        u = np.ascontiguousarray(x[:ns].reshape(solid.ncomp, -1))
        chi = np.ascontiguousarray(x[ns:].reshape(1, -1))
        chi_dd = minv_f * (-op_f.internal_forces(chi)[0] - ct @ u.reshape(-1))
        u_dd = minv_s * (-op_s.internal_forces(u) + (c @ chi_dd).reshape(solid.ncomp, -1))
        return -np.concatenate([u_dd.ravel(), chi_dd])

    n = ns + fluid.nglob
    lam = eigs(LinearOperator((n, n), matvec=matvec, dtype=np.float64), k=1, which="LM", tol=tol,
               v0=np.random.default_rng(0).standard_normal(n), return_eigenvectors=False)[0]
    if abs(lam.imag) > 1e-6 * abs(lam.real) or lam.real <= 0:
        raise RuntimeError(f"the coupled step operator has the eigenvalue {lam}: not a real positive one")
    return 2.0 / np.sqrt(lam.real * (1 + 10 * tol))


def split_domains(mesh, model):
    """(solid Domain, fluid Domain or None) for a model; the solid uses the full mesh when there is no fluid."""
    if not model.has_fluid:
        return Domain("solid", mesh, model.law), None
    solid = Domain("solid", mesh.subset(model.solid_elements), model.law)
    fluid = Domain("fluid", mesh.subset(model.fluid_elements), model.fluid_law)
    return solid, fluid
