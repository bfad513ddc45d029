"""File input and output: HDF5 (h5py), ASDF (pyasdf), meshio exports; all writes are atomic."""
