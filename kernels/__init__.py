"""CUDA C sources of the GPU kernels (shipped in the wheel as sem.kernels; loaded by sem.backend.cuda_module)."""
