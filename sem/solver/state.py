"""The state of a run: every evolving array, by name, and the step it belongs to.

    state = State.zeros(backend, {"u": (3, nglob_s), "v": (3, nglob_s), "a": (3, nglob_s)})
    state["u"]            # (3, rows) on the backend (rows >= nglob: padded on the GPU)
    state.view("u")       # (3, nglob), the real points
    state.save("ckpt.h5"); State.load("ckpt.h5", backend)      # exact, atomic

Names used by the solver: "u", "v", "a" (displacement m, velocity m/s, acceleration m/s^2 of the
solid, (3, nglob_solid)); "chi", "chi_dot", "chi_ddot" (the fluid potential and its time
derivatives, (1, nglob_fluid)); "memory" (the solid's memory variables of attenuation,
(6 n_sls, nspec * n^3), in its operator's element order).
`step` is the time level the arrays hold (0: the initial state); `counter` the backend's step
counter that the passes of a step read (a device int on the GPU), kept by the stepper.
"""

from __future__ import annotations

import numpy as np

FORMAT = "sem-state-1"


class State:
    """Named fields (ncomp, rows) on one backend, their real point counts, and the step."""

    def __init__(self, backend, fields: dict, npoints: dict, step: int = 0):
        self.backend = backend
        self.fields = dict(fields)
        self.npoints = {k: int(v) for k, v in npoints.items()}
        self.step = int(step)
        self.counter = None          # set by the stepper: the level its next passes compute

    @classmethod
    def zeros(cls, backend, layout: dict):
        """A state of zero fields: layout name -> (ncomp, npoints)."""
        return cls(backend, {k: backend.zeros(nc, n) for k, (nc, n) in layout.items()},
                   {k: n for k, (_, n) in layout.items()})

    def __getitem__(self, name):
        return self.fields[name]

    def __contains__(self, name):
        return name in self.fields

    def names(self):
        return list(self.fields)

    def view(self, name):
        """The field without its padding points, (ncomp, npoints), a view on the backend."""
        return self.fields[name][:, :self.npoints[name]]

    def set(self, name, values):
        """Overwrite the real points of a field from an array (ncomp, npoints) (host or device)."""
        field = self.fields[name]
        arr = self.backend.asarray(values, dtype=field.dtype)
        if arr.shape != (field.shape[0], self.npoints[name]):
            raise ValueError(f"{name} must have shape {(field.shape[0], self.npoints[name])}, got {arr.shape}")
        field[:, :self.npoints[name]] = arr

    @property
    def nbytes(self) -> int:
        """Bytes of the field arrays (padding included)."""
        return int(sum(f.nbytes for f in self.fields.values()))

    def copy(self) -> "State":
        """An independent copy on the same backend, at the same step."""
        return State(self.backend, {k: v.copy() for k, v in self.fields.items()}, self.npoints, self.step)

    def to_numpy(self) -> dict:
        """Host copies of the real points of every field."""
        return {k: self.backend.to_numpy(self.view(k)) for k in self.fields}

    # ---- files ---------------------------------------------------------------------------------
    def write(self, group):
        """Write into an open h5py group: one dataset per field (real points, exact dtype)."""
        group.attrs["format"] = FORMAT
        group.attrs["step"] = self.step
        group.attrs["fields"] = list(self.fields)                      # HDF5 lists names sorted
        for k in self.fields:
            group.create_dataset(k, data=self.backend.to_numpy(self.view(k)))

    @classmethod
    def read(cls, group, backend) -> "State":
        """A state from an h5py group written by `write`, on `backend` (whose dtype must match)."""
        if group.attrs.get("format") != FORMAT:
            raise ValueError(f"{group.file.filename}: no sem state in group {group.name!r}")
        fields, npoints = {}, {}
        for k in group.attrs["fields"]:
            ds = group[k]
            if np.dtype(ds.dtype) != backend.dtype:
                raise ValueError(f"{group.file.filename}: field {k!r} is {ds.dtype}, the run is {backend.dtype}")
            ncomp, n = ds.shape
            npoints[k] = n
            fields[k] = backend.zeros(ncomp, n)
            fields[k][:, :n] = backend.asarray(ds[...], dtype=backend.dtype)
        return cls(backend, fields, npoints, int(group.attrs["step"]))

    def save(self, path):
        """Write the state to an HDF5 file, atomically (a crash leaves no half-written file)."""
        import h5py

        from ..io.atomic import atomic_path
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
            self.write(f.create_group("state"))

    @classmethod
    def load(cls, path, backend) -> "State":
        import h5py
        with h5py.File(path, "r") as f:
            if "state" not in f:
                raise ValueError(f"{path}: not a sem state file (no 'state' group)")
            return cls.read(f["state"], backend)

    def matches(self, other: "State") -> bool:
        """Same names, shapes and step as `other`."""
        return (self.names() == other.names() and self.npoints == other.npoints
                and all(self[k].shape == other[k].shape for k in self.fields))

    def __repr__(self):
        return f"State(step {self.step}, " + ", ".join(f"{k} {self[k].shape}" for k in self.fields) + ")"
