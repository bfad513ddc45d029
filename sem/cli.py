"""The `sem` command line.

    sem run config.toml [--out DIR]    build everything, run, write the seismograms (hdf5, asdf, plot)
    sem mesh config.toml [--out DIR]   build only the mesh (and model), print its report, export vtu/xdmf
    sem demo [--out DIR]               copy the packaged demo.toml into DIR and run it there

Relative output paths in the [output] table are resolved against --out DIR when given, else against
the folder of the TOML file; missing folders are created. Input files named in the TOML file
(CMTSOLUTION, STATIONS, ...) are always relative to the TOML file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .config import MESH_OUTPUTS, load, load_mesh_model
from .mesh import mesh_report


def _export(out, mesh, model):
    """Write the mesh (and model) to the [output] vtu / xdmf paths, if any."""
    paths = [out[k] for k in MESH_OUTPUTS if k in out]
    if not paths:
        return
    from .io.export import export_mesh          # meshio only when exporting
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        export_mesh(p, mesh, model=model)
        print(f"wrote {p}")


def run(args):
    sim, out = load(args.config, out_dir=args.out)
    for p in out.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    print(sim.report())
    skipped = [k for k in MESH_OUTPUTS if k in out]
    if skipped:
        print(f"([output] {', '.join(skipped)}: the mesh export is written by `sem mesh`, not by `sem run`)")
    t = time.perf_counter()
    res = sim.run()
    wall = time.perf_counter() - t
    steps = sim.nt - 1
    print(f"{steps} steps in {wall:.2f} s: {1e9 * wall / max(steps, 1) / sim.mesh.nspec:.0f} ns per element per step")
    if "hdf5" in out:
        res.save_hdf5(out["hdf5"])
        print(f"wrote {out['hdf5']}")
    if "asdf" in out:
        res.save_asdf(out["asdf"])
        print(f"wrote {out['asdf']}")
    if "plot" in out:
        from .plot import plot_seismograms      # matplotlib only when plotting
        plot_seismograms(res, out["plot"])
        print(f"wrote {out['plot']}")
    return 0


def mesh(args):
    """Build the mesh (and the model, when the file has a [model] table) without running anything."""
    m, earth, model, out = load_mesh_model(args.config, out_dir=args.out)
    print(mesh_report(m, earth))
    if model is not None:
        print(model)
    _export(out, m, model)
    return 0


def demo(args):
    """Copy the packaged demo configuration into args.out and run it with its outputs there."""
    import shutil
    from importlib import resources
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "demo.toml"
    with resources.as_file(resources.files("sem.examples") / "demo.toml") as src:
        shutil.copy(src, cfg)
    args.config = str(cfg)
    return run(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sem", description="spectral-element seismic wave solver")
    sub = parser.add_subparsers(dest="command", required=True)
    out_help = ("folder against which relative [output] paths are resolved (default: the folder of the "
                "TOML file); created if missing")
    p = sub.add_parser("run", help="run a forward simulation described by a TOML file")
    p.add_argument("config")
    p.add_argument("--out", default=None, metavar="DIR", help=out_help)
    p.set_defaults(func=run)
    m = sub.add_parser("mesh", help="build only the mesh of a TOML file: print its report, export vtu/xdmf")
    m.add_argument("config")
    m.add_argument("--out", default=None, metavar="DIR", help=out_help)
    m.set_defaults(func=mesh)
    d = sub.add_parser("demo", help="run the packaged demo (seismograms to ASDF, HDF5 and a PNG)")
    d.add_argument("--out", default="out", metavar="DIR", help="output folder (default ./out)")
    d.set_defaults(func=demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, MemoryError, FileNotFoundError) as exc:
        print(f"sem: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
