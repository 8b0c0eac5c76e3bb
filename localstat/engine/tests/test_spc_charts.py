"""SPC conformance for the powerbi profile and Laney's p′ and u′ charts.

Sources: PowerBI-SPC (AUS-DOH-Safety-and-Quality/PowerBI-SPC), test/Chart Types/test-i.ts,
test-pprime.ts and test-uprime.ts, whose limits are given to 4 decimal places and compared with
toBeCloseTo(·, 4); Laney (2002), "Improved control charts for attributes", Quality Engineering
14(4) 531–537, for the p′ definition worked by hand.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from localstat.engine.spc import prime_limits, spc_table, xmr_limits

# PowerBI-SPC test/Chart Types/test-pprime.ts and test-uprime.ts share these counts.
POWERBI_NUMERATORS = [266501, 264225, 276532, 281461, 269071, 261215, 270409, 279778, 270483, 270320, 267923, 271478, 255353, 256820, 261835, 259144, 255910, 260863, 264465, 260989]  # fmt: skip
POWERBI_DENOMINATORS = [280443, 276823, 291681, 296155, 282343, 275888, 283867, 295251, 284468, 282529, 279618, 283932, 266629, 268091, 276803, 271578, 266005, 273520, 278574, 273772]  # fmt: skip
# toBeCloseTo(expected, 4) passes when |actual - expected| < 0.5e-4.
CLOSE_TO_4 = 0.5e-4


def series_frame(name: str, values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"series": name, "period": list(range(len(values))), "value": values})


def test_the_powerbi_profile_reproduces_powerbi_spc_individuals_limits():
    # Given test-i.ts: ratios of these numerators and denominators, monthly from 2010-01
    numerators = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8]
    denominators = [113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134]
    values = [n / d for n, d in zip(numerators, denominators, strict=True)]

    # When XmR limits are computed with the powerbi profile (3 × AMR / 1.128, screening on)
    limits = xmr_limits(values, profile="powerbi")
    points, _ = spc_table(series_frame("s", values), profile="powerbi")

    # Then they are the test's ul99 0.0957, ul95 0.0836, ll95 0.035, ll99 0.0229
    assert abs(limits.upl[0, 0] - 0.0957) < CLOSE_TO_4
    assert abs(limits.unl[0, 0] - 0.0836) < CLOSE_TO_4
    assert abs(limits.lnl[0, 0] - 0.035) < CLOSE_TO_4
    assert abs(limits.lpl[0, 0] - 0.0229) < CLOSE_TO_4
    assert points["upl"].to_list() == pytest.approx([limits.upl[0, 0]] * 17, rel=1e-15)


def test_the_p_prime_chart_reproduces_powerbi_spc_limits():
    # Given test-pprime.ts (limits in percent)
    ul99 = [96.567, 96.5753, 96.5421, 96.5326, 96.5627, 96.5775, 96.5593, 96.5345, 96.5579, 96.5623, 96.5689, 96.5591, 96.5996, 96.5961, 96.5753, 96.5877, 96.6012, 96.583, 96.5713, 96.5824]  # fmt: skip
    ul95 = [96.1413, 96.1469, 96.1247, 96.1184, 96.1384, 96.1483, 96.1362, 96.1197, 96.1353, 96.1382, 96.1426, 96.1361, 96.1631, 96.1607, 96.1469, 96.1551, 96.1641, 96.152, 96.1442, 96.1516]  # fmt: skip
    ll95 = [94.4386, 94.4331, 94.4552, 94.4615, 94.4415, 94.4316, 94.4438, 94.4603, 94.4447, 94.4418, 94.4374, 94.4439, 94.4169, 94.4192, 94.4331, 94.4248, 94.4158, 94.4279, 94.4358, 94.4283]  # fmt: skip
    ll99 = [94.013, 94.0046, 94.0378, 94.0473, 94.0173, 94.0025, 94.0207, 94.0454, 94.022, 94.0177, 94.0111, 94.0208, 93.9803, 93.9839, 94.0046, 93.9923, 93.9788, 93.9969, 94.0087, 93.9975]  # fmt: skip
    frame = pl.DataFrame(
        {
            "series": "s",
            "period": list(range(1, 21)),
            "numerator": POWERBI_NUMERATORS,
            "denominator": POWERBI_DENOMINATORS,
        }
    )

    # When charted as p′ with the powerbi profile, and through the lower-level function
    points, _ = spc_table(frame, chart="p_prime", profile="powerbi")
    limits = prime_limits([POWERBI_NUMERATORS], [POWERBI_DENOMINATORS], chart="p_prime", profile="powerbi")

    # Then every point's limits match to the reference's 4 decimals (of a percentage)
    assert np.abs(points["upl"].to_numpy() * 100 - ul99).max() < CLOSE_TO_4
    assert np.abs(points["lpl"].to_numpy() * 100 - ll99).max() < CLOSE_TO_4
    assert np.abs(limits.unl[0] * 100 - ul95).max() < CLOSE_TO_4
    assert np.abs(limits.lnl[0] * 100 - ll95).max() < CLOSE_TO_4
    # And the plotted value is the proportion
    assert points["value"][0] == 266501 / 280443


def test_the_u_prime_chart_reproduces_powerbi_spc_limits():
    # Given test-uprime.ts
    ul99 = [0.9657, 0.9658, 0.9654, 0.9653, 0.9656, 0.9658, 0.9656, 0.9653, 0.9656, 0.9656, 0.9657, 0.9656, 0.966, 0.966, 0.9658, 0.9659, 0.966, 0.9658, 0.9657, 0.9658]  # fmt: skip
    ul95 = [0.9614, 0.9615, 0.9612, 0.9612, 0.9614, 0.9615, 0.9614, 0.9612, 0.9614, 0.9614, 0.9614, 0.9614, 0.9616, 0.9616, 0.9615, 0.9616, 0.9616, 0.9615, 0.9614, 0.9615]  # fmt: skip
    ll95 = [0.9444, 0.9443, 0.9446, 0.9446, 0.9444, 0.9443, 0.9444, 0.9446, 0.9444, 0.9444, 0.9444, 0.9444, 0.9442, 0.9442, 0.9443, 0.9442, 0.9442, 0.9443, 0.9444, 0.9443]  # fmt: skip
    ll99 = [0.9401, 0.940, 0.9404, 0.9405, 0.9402, 0.94, 0.9402, 0.9405, 0.9402, 0.9402, 0.9401, 0.9402, 0.9398, 0.9398, 0.94, 0.9399, 0.9398, 0.94, 0.9401, 0.94]  # fmt: skip
    frame = pl.DataFrame(
        {
            "series": "s",
            "period": list(range(1, 21)),
            "numerator": POWERBI_NUMERATORS,
            "denominator": POWERBI_DENOMINATORS,
        }
    )

    # When charted as u′ with the powerbi profile
    points, _ = spc_table(frame, chart="u_prime", profile="powerbi")
    limits = prime_limits([POWERBI_NUMERATORS], [POWERBI_DENOMINATORS], chart="u_prime", profile="powerbi")

    # Then every point's limits match to 4 decimals
    assert np.abs(points["upl"].to_numpy() - ul99).max() < CLOSE_TO_4
    assert np.abs(points["lpl"].to_numpy() - ll99).max() < CLOSE_TO_4
    assert np.abs(limits.unl[0] - ul95).max() < CLOSE_TO_4
    assert np.abs(limits.lnl[0] - ll95).max() < CLOSE_TO_4


def test_p_prime_limits_follow_laneys_definition_by_hand():
    # Given Laney (2002): p̄ = Σx/Σn; σ_pi = √(p̄(1−p̄)/n_i); z_i = (p_i − p̄)/σ_pi; σ_z = MR̄(z)/1.128;
    # limits p̄ ± 3·σ_pi·σ_z. With x = (10, 30), n = (100, 100): p̄ = 0.2, σ_p = 0.04, z = (−2.5, 2.5),
    # MR̄ = 5 (one range, kept: screening needs ≥ 3.267 × 5), σ_z = 5/1.128, 3·σ_p·σ_z = 0.6/1.128
    limits = prime_limits([[10, 30]], [[100, 100]], chart="p_prime", profile="powerbi")

    # Then the limits are 0.2 ± 0.531914893..., clipped to [0, 1]
    assert limits.mean[0, 0] == pytest.approx(0.2, rel=1e-15)
    assert limits.upl[0].tolist() == pytest.approx([0.2 + 0.6 / 1.128] * 2, rel=1e-14)
    assert limits.lpl[0].tolist() == [0.0, 0.0]
