"""Structured blocks of hexahedra in a chunk's reference lattice, and the conforming 2:1 doubling.

The cubed-sphere mesher (`cubed_sphere.py`) describes every element by its eight corners in a
chunk's *reference lattice*: integer coordinates ``(U, V, T)`` where ``U`` and ``V`` count the finest
lateral cells of the chunk (the surface cells, ``0 .. nex``) along its two angular directions xi and
eta, and ``T`` codes the height inside one radial step: 0 at its bottom, 1 at the doubling template's
interior height ``h``, 2 at its top. Integer corners make the topology exact (corner keys compare
exactly) and leave all floating-point geometry to the mapping.

Corner arrays have shape (nel, 2, 2, 2, 3): ``[e, a, b, g, (U, V, T)]``, where ``a, b, g`` in {0, 1}
are the element's reference ends along xi, eta, zeta (zeta is radial, upward), i.e. the corner at
reference coordinates ``(2a - 1, 2b - 1, 2g - 1)``.

The doubling (Komatitsch & Tromp 2002a, section 3, doubles the lateral element count with depth
to follow the growing wavelength; their "superbrick" does both lateral directions in one 3-D
brick). Here one doubling *sub-step* halves the count in ONE lateral direction with a 2-D template
extruded along the other direction. The template covers a strip 4 fine cells (= 2 coarse cells) wide
and one radial step high, coarse side at the bottom (deeper)::

    T=2  o---o---o---o---o          nodes: bottom (0,0) (2,0) (4,0)
         |   |   |   |   |                 top    (0,1) (1,1) (2,1) (3,1) (4,1)
    T=1  |   o---o---o   |                 inner  (1,h) (2,h) (3,h)
         |  /    |    \\  |
    T=0  o-------o-------o          six quadrilaterals, all convex for 0 < h < 1

Every template quad edge on the strip's sides is the full vertical edge, and the template is
mirror-symmetric, so strips tile a row conformingly, and top and bottom match the fine and coarse
grids. A sub-step of this kind shows, on a boundary face parallel to the doubled direction, the 2-D
template, and on a boundary face across it, plain vertical strips; the mesher uses that to keep the
six chunks conforming (see `cubed_sphere.py`).
"""

from __future__ import annotations

import numpy as np

#: Template nodes in units of fine cells (x) and height code (0 bottom, 1 at h, 2 top).
TEMPLATE_NODES = np.array([[0, 0], [2, 0], [4, 0],                      # bottom (coarse)
                           [0, 2], [1, 2], [2, 2], [3, 2], [4, 2],      # top (fine)
                           [1, 1], [2, 1], [3, 1]], dtype=np.int64)     # interior, at height h
#: Template quadrilaterals, counter-clockwise in (x, height): corners at reference (-1,-1), (1,-1),
#: (1,1), (-1,1) of the quad's (lateral, radial) axes.
TEMPLATE_QUADS = np.array([[0, 8, 4, 3], [8, 9, 5, 4], [9, 10, 6, 5], [10, 2, 7, 6],
                           [0, 1, 9, 8], [1, 2, 10, 9]], dtype=np.int64)
#: (lateral end, radial end) of the quad corners in the order listed above.
_QUAD_ENDS = ((0, 0), (1, 0), (1, 1), (0, 1))

#: Elements a doubling sub-step makes per strip of 4 fine cells and per cell of the other direction.
ELEMENTS_PER_STRIP = len(TEMPLATE_QUADS)


def template_height_fraction(code, h: float):
    """Height inside the radial step (0..1) of the integer height codes 0, 1, 2."""
    return np.asarray([0.0, h, 1.0])[np.asarray(code)]


def regular_block(nu: int, nv: int, su: int, sv: int) -> np.ndarray:
    """Corners of an nu x nv block of one radial step, cells su x sv lattice units wide: (nu*nv, 2,2,2, 3)."""
    iu, iv = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    iu, iv = iu.ravel(), iv.ravel()
    e = np.arange(2)
    out = np.empty((iu.size, 2, 2, 2, 3), dtype=np.int64)
    out[..., 0] = ((iu[:, None] + e) * su)[:, :, None, None]
    out[..., 1] = ((iv[:, None] + e) * sv)[:, None, :, None]
    out[..., 2] = (2 * e)[None, None, None, :]
    return out


def doubling_block(direction: int, n_fine: int, n_other: int, s_fine: int, s_other: int) -> np.ndarray:
    """Corners of one doubling sub-step that halves the cell count along `direction` (0: U, 1: V).

    n_fine cells of width s_fine along `direction` at the top become n_fine / 2 cells at the bottom;
    n_other cells of width s_other along the other direction are extruded unchanged. n_fine must be a
    multiple of 4 (whole template strips). Returns (6 * n_fine / 4 * n_other, 2, 2, 2, 3).
    """
    if n_fine % 4:
        raise ValueError(f"a doubling needs a multiple of 4 fine cells, got {n_fine}")
    strip, quad, other = np.meshgrid(np.arange(n_fine // 4), np.arange(len(TEMPLATE_QUADS)),
                                     np.arange(n_other), indexing="ij")
    strip, quad, other = strip.ravel(), quad.ravel(), other.ravel()
    out = np.empty((strip.size, 2, 2, 2, 3), dtype=np.int64)
    e = np.arange(2)
    ext = (other[:, None] + e) * s_other                            # (nel, 2) along the other direction
    for k, (lat, rad) in enumerate(_QUAD_ENDS):                      # 4 quad corners: a tiny fixed loop
        node = TEMPLATE_NODES[TEMPLATE_QUADS[quad, k]]              # (nel, 2): x (fine cells), height code
        pos = (4 * strip + node[:, 0]) * s_fine
        if direction == 0:                  # quad axes (lateral, radial) = reference (xi, zeta); eta extruded
            out[:, lat, :, rad, 0] = pos[:, None]
            out[:, lat, :, rad, 1] = ext
            out[:, lat, :, rad, 2] = node[:, 1:2]
        else:                               # quad axes = reference (eta, zeta); xi extruded
            out[:, :, lat, rad, 0] = ext
            out[:, :, lat, rad, 1] = pos[:, None]
            out[:, :, lat, rad, 2] = node[:, 1:2]
    return out


def doubling_block_size(n_fine: int, n_other: int) -> int:
    """Number of elements of `doubling_block(d, n_fine, n_other, ...)`."""
    return ELEMENTS_PER_STRIP * (n_fine // 4) * n_other
