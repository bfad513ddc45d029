"""The `sem` command line: `sem run config.toml`."""

from __future__ import annotations

import argparse
import sys
import time


def run(args):
    from .config import load
    sim, out = load(args.config)
    print(sim.report())
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
        from .plot import plot_seismograms
        plot_seismograms(res, out["plot"])
        print(f"wrote {out['plot']}")
    return 0


def demo(args):
    """Run the packaged demo configuration, writing into args.out."""
    import shutil
    from importlib import resources
    from pathlib import Path
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "demo.toml"
    with resources.as_file(resources.files("sem.examples") / "demo.toml") as src:
        shutil.copy(src, cfg)
    text = cfg.read_text().replace('"out/', '"')
    cfg.write_text(text)
    args.config = str(cfg)
    return run(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sem", description="spectral-element seismic wave solver")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a forward simulation described by a TOML file")
    p.add_argument("config")
    p.set_defaults(func=run)
    d = sub.add_parser("demo", help="run the packaged demo (seismograms to ASDF, HDF5 and a PNG)")
    d.add_argument("--out", default="out", help="output folder (default ./out)")
    d.set_defaults(func=demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, MemoryError, FileNotFoundError) as exc:
        print(f"sem: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
