"""1-D Earth models: PREM (Dziewonski & Anderson 1981), ak135-f (from ObsPy's TauP files), user tables."""

import math

import numpy as np
import pytest

import sem.earth as earth
from sem.earth import AK135F, PREM, TabularModel

KM = 1e3

# PREM, Dziewonski & Anderson (1981), Table II (isotropic, 1 s): depth km, side, vp, vs (km/s), rho (g/cm^3)
PREM_TABLE_II = [
    (0.0, None, 1.45000, 0.00000, 1.02000),
    (3.0, "below", 5.80000, 3.20000, 2.60000),
    (24.4, "above", 6.80000, 3.90000, 2.90000),
    (24.4, "below", 8.11061, 4.49094, 3.38076),
    (220.0, "above", 7.98970, 4.41885, 3.35950),
    (220.0, "below", 8.55896, 4.64391, 3.43578),
    (670.0, "above", 10.26622, 5.57020, 3.99214),
    (670.0, "below", 10.75131, 5.94508, 4.38071),
    (2891.0, "above", 13.71660, 7.26466, 5.56645),
    (2891.0, "below", 8.06482, 0.00000, 9.90349),
    (5149.5, "above", 10.35568, 0.00000, 12.16634),
    (5149.5, "below", 11.02827, 3.50432, 12.76360),
    (6371.0, None, 11.26220, 3.66780, 13.08848),
]


@pytest.fixture(scope="module")
def prem_iso():
    return PREM(isotropic=True)


@pytest.fixture(scope="module")
def prem_ti():
    return PREM()


def _nd_rows(name):
    """Numeric rows of one of ObsPy's TauP '.nd' files, or skip."""
    d = earth.tables.obspy_taup_data_dir()
    path = d / name
    if not path.is_file():
        pytest.skip(f"ObsPy ships no {path}")
    return earth.tables._read_nd(path)


# --- PREM -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth, side, vp, vs, rho", PREM_TABLE_II)
def test_prem_against_the_papers_table(prem_iso, depth, side, vp, vs, rho):
    # Table II prints 5 decimals; the isotropic vs of the 24.4-220 km zone is printed as the equivalent
    # isotropic value of the TI model, which the 4-decimal linear polynomial of Table I reproduces to
    # 7e-5 km/s. So 1.5e-4 (km/s, g/cm^3): a wrong digit in any coefficient of 1e-3 or more fails.
    v = prem_iso.evaluate_depth_km(depth, side=side)
    assert v["vp"] / KM == pytest.approx(vp, abs=1.5e-4)
    assert v["vs"] / KM == pytest.approx(vs, abs=1.5e-4)
    assert v["rho"] / KM == pytest.approx(rho, abs=1.5e-4)


def test_prem_q_per_region(prem_iso):
    # Table I: Q_mu 84.6 / inf / 312 / 143 / 143 / 80 / 600 / 600 / 600 / inf; Q_kappa 1327.7 then 57823
    depths = [6000, 4000, 1500, 500, 300, 150, 50, 20, 10, 1]
    q = prem_iso.evaluate_depth_km(np.array(depths, float))
    assert list(q["qmu"]) == [84.6, math.inf, 312, 143, 143, 80, 600, 600, 600, math.inf]
    assert list(q["qkappa"]) == [1327.7] + [57823.0] * 9


def test_prem_against_obspy_prem_nd():
    # ObsPy/TauP's prem.nd is an independent transcription of Table II (no ocean, 1 s). Every node must
    # agree to 1.5e-4 (printed precision, see above): this checks every polynomial of every region.
    # Between the Moho and 220 km Table II lists the equivalent isotropic values of the TI model, which
    # the Voigt averages of the TI PREM reproduce (to 9e-5 km/s); Table I's isotropic linear
    # polynomials differ from them by up to 1.2e-3 km/s (0.03 %), so 1.5e-3 for those.
    rows = _nd_rows("prem.nd")
    m, ti = PREM(isotropic=True, ocean=False), PREM(ocean=False)
    d = rows[:, 0]
    side = np.where(np.r_[False, d[1:] == d[:-1]], "below", "above")
    for (dep, vp, vs, rho, _, qmu), sd in zip(rows, side):
        v = m.evaluate_depth_km(dep, side=sd)
        tiv = ti.evaluate_depth_km(dep, side=sd)
        in_ti_zone = 24.4 < dep < 220.0 or (dep, sd) in ((24.4, "below"), (220.0, "above"))
        np.testing.assert_allclose([tiv["vp"] / KM, tiv["vs"] / KM, tiv["rho"] / KM], [vp, vs, rho], atol=1.5e-4,
                                   err_msg=f"depth {dep} km ({sd})")
        np.testing.assert_allclose([v["vp"] / KM, v["vs"] / KM, v["rho"] / KM], [vp, vs, rho],
                                   atol=1.5e-3 if in_ti_zone else 1.5e-4, err_msg=f"depth {dep} km ({sd})")
        if dep == 80.0:   # prem.nd does not repeat the 80-km Q-only discontinuity; it lists the LVZ's Q
            v = m.evaluate_depth_km(dep, side="below")
        assert (v["qmu"] == math.inf) if qmu == 0 else v["qmu"] == pytest.approx(qmu, abs=0.5)
    rep = sorted({x for x, y in zip(d[1:], d[:-1]) if x == y})
    ours = m.discontinuity_depths_km()
    for x in rep:   # every discontinuity of prem.nd is one of ours (ours also has the 80-km Q step)
        assert any(abs(x - y) < 1e-9 for y in ours.values()), x


def test_prem_discontinuities_and_names(prem_ti):
    dd = prem_ti.discontinuity_depths_km()
    assert list(dd) == ["surface", "seafloor", "midcrust", "moho", "80", "220", "400", "670", "cmb", "icb"]
    assert dd["moho"] == pytest.approx(24.4) and dd["cmb"] == pytest.approx(2891.0)
    assert dd["icb"] == pytest.approx(5149.5)
    r = prem_ti.discontinuities
    assert np.all(np.diff(r) > 0) and r[-1] == 6371e3 and prem_ti.radius == 6371e3
    assert prem_ti.discontinuity_radius("cmb") == 3480e3
    assert set(prem_ti.second_order_discontinuities) == {"600", "771", "d_double_prime"}
    assert prem_ti.is_transversely_isotropic and not PREM(isotropic=True).is_transversely_isotropic
    with pytest.raises(KeyError, match="no discontinuity 'd410'"):
        prem_ti.discontinuity_radius("d410")


def test_ti_prem_is_isotropic_prem_outside_moho_to_220(prem_ti, prem_iso):
    # exact equality: the same polynomials are evaluated outside the TI zone
    depths = np.array([0.0, 1.0, 10.0, 20.0, 221.0, 300.0, 500.0, 1000.0, 2000.0, 2890.0, 4000.0, 6000.0, 6371.0])
    a, b = prem_ti.evaluate_depth_km(depths), prem_iso.evaluate_depth_km(depths)
    for key in ("vp", "vs", "rho", "qmu", "qkappa"):
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(a["vpv"], a["vp"])
    np.testing.assert_array_equal(a["vph"], a["vp"])
    np.testing.assert_array_equal(a["vsv"], a["vs"])
    np.testing.assert_array_equal(a["vsh"], a["vs"])
    np.testing.assert_array_equal(a["eta"], 1.0)
    for d, side in [(24.4, "above"), (220.0, "below")]:    # the TI zone's neighbours, on its boundaries
        x, y = prem_ti.evaluate_depth_km(d, side=side), prem_iso.evaluate_depth_km(d, side=side)
        assert x["vsv"] == x["vsh"] == y["vs"] and x["eta"] == 1.0


def test_ti_prem_isotropic_equivalent(prem_ti, prem_iso):
    v, iso = prem_ti.evaluate_depth_km(100.0), prem_iso.evaluate_depth_km(100.0)
    assert v["vsv"] < iso["vs"] < v["vsh"]          # the isotropic PREM lies between SV and SH
    assert v["vsv"] < v["vs"] < v["vsh"]            # and so does the Voigt average
    assert v["vpv"] < v["vp"] < v["vph"]
    assert v["eta"] < 1.0
    # the Voigt average of the TI zone is the isotropic PREM: 0.03 % measured, 0.05 % allowed (a typo
    # in a leading TI coefficient digit would be percent-level)
    r = np.linspace(6151e3, 6346.6e3, 101)
    k = np.where(r <= 6291e3, 5, 6)
    a, b = prem_ti.evaluate(r, layer=k), prem_iso.evaluate(r, layer=k)
    np.testing.assert_allclose(a["vs"], b["vs"], rtol=5e-4)
    np.testing.assert_allclose(a["vp"], b["vp"], rtol=5e-4)
    # Table II's printed vs at 24.4 and 220 km are these Voigt averages: 1.3e-5 and 1.0e-5 km/s measured
    assert prem_ti.evaluate_depth_km(24.4, side="below")["vs"] / KM == pytest.approx(4.49094, abs=3e-5)
    assert prem_ti.evaluate_depth_km(220.0, side="above")["vs"] / KM == pytest.approx(4.41885, abs=3e-5)


def test_outer_core_and_ocean_are_fluid(prem_ti):
    assert prem_ti.fluid_regions == [(1221.5e3, 3480e3), (6368e3, 6371e3)]
    r = np.linspace(1221.5e3, 3480e3, 50)
    v = prem_ti.evaluate(r, layer=1)
    assert np.all(v["vs"] == 0) and np.all(v["vsv"] == 0) and np.all(v["vsh"] == 0)
    assert np.all(v["qmu"] == math.inf) and np.all(v["vp"] > 8000)
    assert prem_ti.is_fluid_layer(1) and not prem_ti.is_fluid_layer(2)
    assert PREM(ocean=False).fluid_regions == [(1221.5e3, 3480e3)]


def test_no_ocean_and_no_crust_variants():
    no_ocean = PREM(isotropic=True, ocean=False)
    v = no_ocean.evaluate_depth_km(0.0)
    assert (v["vp"], v["vs"], v["rho"]) == (5800.0, 3200.0, 2600.0)
    assert "seafloor" not in no_ocean.discontinuity_names

    light = PREM(isotropic=True, crust=False)
    # the LID polynomial at x = 1: rho = 2.6910 + 0.6924, vp = 4.1875 + 3.9382, vs = 2.1519 + 2.3481
    v = light.evaluate_depth_km(0.0)
    assert v["rho"] == pytest.approx(3383.4, abs=1e-9) and v["vp"] == pytest.approx(8125.7, abs=1e-9)
    assert v["vs"] == pytest.approx(4500.0, abs=1e-9) and v["qmu"] == 600.0
    assert list(light.discontinuity_depths_km()) == ["surface", "80", "220", "400", "670", "cmb", "icb"]
    assert light.fluid_regions == [(1221.5e3, 3480e3)]
    # continuous through the former Moho, and equal to PREM below it
    full = PREM(isotropic=True)
    for d in (24.4, 50.0, 300.0, 3000.0):
        a = light.evaluate_depth_km(d)
        b = full.evaluate_depth_km(d, side="below")
        assert {k: float(x) for k, x in a.items()} == {k: float(x) for k, x in b.items()}
    ti = PREM(crust=False).evaluate_depth_km(0.0)
    assert ti["vsh"] == pytest.approx(-1083.9 + 5717.6) and ti["vsv"] == pytest.approx(5858.2 - 1467.8)


def test_prem_mass_and_moment_of_inertia(prem_iso):
    # integrate with the layer-aware evaluation: Gauss-Legendre inside each layer between its
    # second-order boundaries (exact for the cubic density times r^4)
    x, w = np.polynomial.legendre.leggauss(8)
    mass = inertia = 0.0
    for k in range(prem_iso.n_layers):
        lo, hi = prem_iso.layer_bounds(k)
        edges = np.unique([lo, hi, *[r for r in prem_iso.second_order_discontinuities.values() if lo < r < hi]])
        for a, b in zip(edges[:-1], edges[1:]):
            r = 0.5 * (b - a) * x + 0.5 * (a + b)
            rho = prem_iso.evaluate(r, layer=k)["rho"]
            mass += 0.5 * (b - a) * np.sum(w * 4 * np.pi * r**2 * rho)
            inertia += 0.5 * (b - a) * np.sum(w * 8 * np.pi / 3 * r**4 * rho)
    # the paper's M = 5.974e24 kg and I/(M a^2) = 0.3308; the printed 4-5 digit coefficients give
    # 5.9732e24 (0.014 %) and 0.33080: 0.1 % and 0.5 % as asked (both measured well inside)
    assert mass == pytest.approx(5.974e24, rel=1e-3)
    assert inertia / (mass * prem_iso.radius**2) == pytest.approx(0.3308, rel=5e-3)
    assert prem_iso.mass() == pytest.approx(mass, rel=1e-13)
    assert prem_iso.moment_of_inertia() == pytest.approx(inertia, rel=1e-13)


def test_layer_index_side_and_layer_evaluation(prem_iso):
    cmb = 3480e3
    with pytest.raises(ValueError, match="discontinuity 'cmb'"):
        prem_iso.evaluate(cmb)
    assert prem_iso.layer_index(cmb, side="below") == 1 and prem_iso.layer_index(cmb, side="above") == 2
    # within 1e-9 of the radius (6 mm) counts as on it; 1 m away does not
    assert prem_iso.layer_index(cmb + 1e-3, side="below") == 1
    assert prem_iso.layer_index(cmb + 1.0, side="below") == 2
    assert prem_iso.layer_index(np.array([0.0, 6371e3]), side="above").tolist() == [0, 9]
    assert prem_iso.layer_index(np.array([0.0, 6371e3]), side="below").tolist() == [0, 9]
    # layer=k evaluates layer k at its own end points (both ends of the outer core: fluid)
    oc = prem_iso.evaluate(np.array([1221.5e3, cmb]), layer=1)
    assert np.all(oc["vs"] == 0)
    assert prem_iso.evaluate(cmb, layer=2)["vs"] == prem_iso.evaluate(cmb, side="above")["vs"] > 7000
    assert prem_iso.evaluate(1221.5e3, layer=0)["vs"] == prem_iso.evaluate(1221.5e3, side="below")["vs"] > 3000
    # per-element layers broadcast against (nspec, n) radii, as a mesher passes them
    r = np.array([[3480e3, 3500e3, 3600e3], [3400e3, 3450e3, 3480e3]])
    v = prem_iso.evaluate(r, layer=np.array([[2], [1]]))
    assert v["vs"].shape == (2, 3) and np.all(v["vs"][0] > 7000) and np.all(v["vs"][1] == 0)
    assert prem_iso.evaluate(r, region=np.array([[2], [1]]))["vp"].tolist() == v["vp"].tolist()
    with pytest.raises(ValueError, match="outside layer 1"):
        prem_iso.evaluate(3600e3, layer=1)
    with pytest.raises(ValueError, match="outside"):
        prem_iso.evaluate(6372e3)
    with pytest.raises(ValueError, match="out of range"):
        prem_iso.evaluate(1e6, layer=10)
    with pytest.raises(ValueError, match="side must be"):
        prem_iso.layer_index(1e6, side="up")


def test_prem_reference_period():
    p1, p200 = PREM(isotropic=True), PREM(isotropic=True, reference_period=200.0)
    assert PREM(isotropic=True, reference_period=1.0).evaluate_depth_km(1000.0) == p1.evaluate_depth_km(1000.0)
    a, b = p1.evaluate_depth_km(1000.0), p200.evaluate_depth_km(1000.0)   # lower mantle: Q_mu 312
    f = math.log(200.0) / math.pi
    e = 4 / 3 * (a["vs"] / a["vp"]) ** 2
    assert b["vs"] / a["vs"] == pytest.approx(1 - f / 312.0, rel=1e-13)          # 0.54 % slower
    assert b["vp"] / a["vp"] == pytest.approx(1 - f * ((1 - e) / 57823.0 + e / 312.0), rel=1e-13)
    assert b["rho"] == a["rho"] and b["vs"] < a["vs"]
    assert p200.evaluate_depth_km(3000.0)["vs"] == 0.0
    ti1, ti200 = PREM(), PREM(reference_period=200.0)
    x, y = ti1.evaluate_depth_km(100.0), ti200.evaluate_depth_km(100.0)          # LVZ: Q_mu 80
    assert y["vsh"] / x["vsh"] == pytest.approx(1 - f / 80.0, rel=1e-13)
    assert y["vsv"] / x["vsv"] == pytest.approx(1 - f / 80.0, rel=1e-13) and y["eta"] == x["eta"]
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="reference_period"):
            PREM(reference_period=bad)


# --- ak135-f ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ak():
    try:
        return AK135F()
    except FileNotFoundError as exc:
        pytest.skip(f"ak135-f unavailable: {exc}")


def test_ak135f_core_mantle_boundary(ak):
    # Kennett, Engdahl & Buland (1995): CMB at 2891.5 km, vp 13.6601 above and 8.0000 below
    assert ak.discontinuity_depths_km()["cmb"] == pytest.approx(2891.5, abs=1e-9)
    assert ak.discontinuity_depths_km()["icb"] == pytest.approx(5153.5, abs=1e-9)
    above, below = ak.evaluate_depth_km(2891.5, side="above"), ak.evaluate_depth_km(2891.5, side="below")
    assert above["vp"] == pytest.approx(13660.1, abs=1e-6) and above["vs"] == pytest.approx(7281.7, abs=1e-6)
    assert below["vp"] == pytest.approx(8000.0, abs=1e-6) and below["vs"] == 0.0
    assert ak.fluid_regions == [(1217.5e3, 3479.5e3), (6368e3, 6371e3)]
    assert below["qkappa"] == 57822.0 and below["qmu"] == math.inf
    assert above["qmu"] == pytest.approx(273.97) and above["qkappa"] == math.inf


def test_ak135f_interpolation_and_structure(ak):
    rows = _nd_rows("ak135f._nd")
    # linear between the rows at 1057.00 and 1106.50 km (vp 11.5493 -> 11.6265)
    v = ak.evaluate_depth_km(0.25 * 1057.0 + 0.75 * 1106.5)
    assert v["vp"] == pytest.approx(1e3 * (0.25 * 11.5493 + 0.75 * 11.6265), rel=1e-12)
    # every row is reproduced, on the right side of every discontinuity
    d = rows[:, 0]
    side = np.where(np.r_[False, d[1:] == d[:-1]], "below", "above")
    for (dep, vp, vs, rho, _, _), sd in zip(rows, side):
        x = ak.evaluate_depth_km(dep, side=sd)
        np.testing.assert_allclose([x["vp"], x["vs"], x["rho"]], [1e3 * vp, 1e3 * vs, 1e3 * rho], rtol=1e-12)
    # 120 km is repeated in the file with identical values: a node, not a discontinuity
    assert 120.0 not in ak.discontinuity_depths_km().values()
    assert ak.discontinuity_depths_km()["moho"] == 18.0
    # Montagner & Kennett's density gives the Earth's mass (5.9722e24 kg): 0.02 % measured, 0.1 % allowed
    assert ak.mass() == pytest.approx(5.9722e24, rel=1e-3)


def test_ak135f_q_column_is_q_alpha():
    # the fifth column equals (3/4)(vp/vs)^2 Q_mu in the solid to the table's rounding (2.4e-5
    # measured): it is Q_alpha with 1/Q_kappa = 0, which is why sem sets qkappa = inf there
    rows = _nd_rows("ak135f._nd")
    s = rows[:, 2] > 0
    np.testing.assert_allclose(rows[s, 4], 0.75 * (rows[s, 1] / rows[s, 2]) ** 2 * rows[s, 5], rtol=1e-4)


def test_ak135f_variants():
    _nd_rows("ak135f_no_mud.nd")
    nm = AK135F("no_mud")
    assert nm.discontinuity_depths_km()["moho"] == 35.0 and nm.fluid_regions == [(1217.5e3, 3479.5e3)]
    assert nm.evaluate_depth_km(0.0)["vs"] == pytest.approx(3460.0)
    no = AK135F(ocean=False)
    v = no.evaluate_depth_km(0.0)
    assert (v["vp"], v["vs"], v["rho"]) == (5800.0, 3200.0, 2600.0)
    assert "seafloor" not in no.discontinuity_names and no.fluid_regions == [(1217.5e3, 3479.5e3)]
    with pytest.raises(ValueError, match="variant"):
        AK135F("ak135")


# --- user tables ---------------------------------------------------------------------------------------

TOY = dict(  # a small whole-Earth table (km/s, g/cm^3): crust, mantle, fluid core, inner core
    depth_km=[0.0, 30.0, 30.0, 2891.0, 2891.0, 5150.0, 5150.0, 6371.0],
    vp=[6.0, 6.2, 8.0, 13.7, 8.0, 10.3, 11.0, 11.3],
    vs=[3.5, 3.6, 4.5, 7.3, 0.0, 0.0, 3.5, 3.7],
    rho=[2.7, 2.8, 3.3, 5.6, 9.9, 12.2, 12.8, 13.1],
    qmu=[600, 600, 300, 300, 0, 0, 85, 85],
    qkappa=[57823] * 6 + [1327.7] * 2,
)


def test_table_model_basics():
    m = TabularModel.from_table(**TOY, units="km/s", name="toy", names={30.0: "moho"})
    assert m.name == "toy" and not m.is_transversely_isotropic
    assert list(m.discontinuity_depths_km()) == ["surface", "moho", "cmb", "icb"]
    assert m.fluid_regions == [(1221e3, 3480e3)]
    v = m.evaluate_depth_km(15.0)
    assert v["vp"] == pytest.approx(6100.0) and v["rho"] == pytest.approx(2750.0)
    below = m.evaluate_depth_km(2891.0, side="below")
    assert below["vs"] == 0.0 and below["qmu"] == math.inf
    nq = TabularModel.from_table(TOY["depth_km"], np.array(TOY["vp"]) * 1e3, np.array(TOY["vs"]) * 1e3,
                                 np.array(TOY["rho"]) * 1e3)        # SI by default, Q unknown
    q = nq.evaluate_depth_km(np.array([100.0, 3000.0]))
    assert math.isnan(q["qmu"][0]) and q["qmu"][1] == math.inf and np.all(np.isnan(q["qkappa"]))
    assert nq.evaluate_depth_km(100.0)["vp"] == m.evaluate_depth_km(100.0)["vp"]


@pytest.mark.parametrize("units", ["km/s", "SI"])
def test_table_file_round_trip(tmp_path, units):
    m = TabularModel.from_table(**TOY, units="km/s", name="toy model", names={30.0: "moho"})
    path = tmp_path / "toy.txt"
    m.to_file(path, units=units)
    m2 = TabularModel.from_file(path)
    assert m2.name == "toy model" and m2.discontinuity_names == m.discontinuity_names
    np.testing.assert_array_equal(m2.discontinuities, m.discontinuities)
    t1, t2 = m.to_table(), m2.to_table()
    assert t1.keys() == t2.keys()
    for k in t1:
        np.testing.assert_allclose(t2[k], t1[k], rtol=1e-15)       # repr() of floats: exact to rounding
    r = np.linspace(0.0, 6371e3, 1001)[1:-1]
    r = r[np.min(np.abs(r[:, None] - m.discontinuities[None, :]), axis=1) > 1.0]
    a, b = m.evaluate(r), m2.evaluate(r)
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=1e-14)
    assert not list(tmp_path.glob(".*tmp"))                           # no temporary file left behind


def _write(tmp_path, text):
    p = tmp_path / "model.txt"
    p.write_text(text)
    return p


GOOD_HEAD = "# units: km/s g/cm3\n# depth_km vp vs rho\n"


@pytest.mark.parametrize("body, match", [
    ("0 6 3.5 2.7\n10 6 3.5 2.7\n5 6.1 3.5 2.7\n", r"model.txt, line 5 \(depth 5 km\).*increase downwards"),
    ("0 6 3.5 2.7\n10 nan 3.5 2.7\n", r"line 4 \(depth 10 km\): vp is nan"),
    ("0 6 3.5 2.7\n10 6 -3.5 2.7\n", r"line 4 .*vs = -3.5 is negative"),
    ("0 6 3.5 2.7\n10 -6 3.5 2.7\n", r"line 4 .*vp = -6 must be positive"),
    ("0 6 3.5 2.7\n10 6 3.5\n", r"line 4: expected 4 columns"),
    ("0 6 3.5 2.7\n10 6 3.5 2.7 600 inf\n", r"line 4: 6 columns where the lines above have 4"),
    ("0 6 3.5 2.7\n10 6 3.5 2.7\n10 7 4 3\n10 8 4.5 3.3\n20 8 4.5 3.3\n", r"line 6 .*at most twice"),
    ("1 6 3.5 2.7\n10 6 3.5 2.7\n", r"line 3 .*start at the surface"),
    ("0 6 3.5 2.7\n10 6 5.5 2.7\n", r"line 4 .*negative bulk modulus"),
    ("0 6 3.5 2.7\n10 6 0 2.7\n", r"line 4 .*vs changes between zero and non-zero"),
    ("0 6 3.5 2.7\n10 6 abc 2.7\n", r"line 4: cannot read"),
    ("0 6000 3500 2700\n10 6000 3500 2700\n", r"look like m/s"),
])
def test_table_file_errors_name_the_line(tmp_path, body, match):
    with pytest.raises(ValueError, match=match):
        TabularModel.from_file(_write(tmp_path, GOOD_HEAD + body))


def test_table_file_header_errors(tmp_path):
    with pytest.raises(ValueError, match="no units header"):
        TabularModel.from_file(_write(tmp_path, "0 6 3.5 2.7\n10 6 3.5 2.7\n"))
    with pytest.raises(ValueError, match="line 1: units must name"):
        TabularModel.from_file(_write(tmp_path, "# units: km/s\n0 6 3.5 2.7\n10 6 3.5 2.7\n"))
    p = _write(tmp_path, "# units: m/s kg/m3\n# radius_km: 100\n# discontinuity: 5 d5\n"
                         "0 6000 3500 2700\n5 6000 3500 2700\n5 7000 4000 3000\n100 7000 4000 3000\n")
    m = TabularModel.from_file(p)
    assert m.radius == 100e3 and m.discontinuity_depths_km() == {"surface": 0.0, "d5": 5.0}
    with pytest.raises(ValueError, match="named discontinuity 'x' at 7"):
        TabularModel.from_table([0, 10], [6, 6], [3, 3], [2, 2], units="km/s", names={7: "x"})


def test_table_from_table_errors():
    with pytest.raises(ValueError, match=r"row 2 \(depth 5 km\).*increase downwards"):
        TabularModel.from_table([0, 10, 5], [6, 6, 6], [3, 3, 3], [2, 2, 2], units="km/s")
    with pytest.raises(ValueError, match="look like km/s"):
        TabularModel.from_table([0, 10], [6, 6], [3, 3], [2, 2])
    with pytest.raises(ValueError, match="same length"):
        TabularModel.from_table([0, 10], [6, 6, 6], [3, 3], [2, 2], units="km/s")
    with pytest.raises(ValueError, match="both qmu and qkappa"):
        TabularModel.from_table([0, 10], [6, 6], [3, 3], [2, 2], qmu=[1, 1], units="km/s")
    with pytest.raises(ValueError, match=r"row 1 .*qmu = 0 must be positive in a solid"):
        TabularModel.from_table([0, 10], [6, 6], [3, 3], [2, 2], qmu=[100, 0], qkappa=[1, 1], units="km/s")
    with pytest.raises(ValueError, match="zero thickness"):
        TabularModel.from_table([0, 0, 10], [6, 7, 7], [3, 3, 3], [2, 2, 2], units="km/s")
