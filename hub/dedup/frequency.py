"""Term frequencies: how common a shared value is, in bands, and what that is worth.

Exact agreement on a rare value is stronger evidence than on a common one: two "Smith"s at one
employer may well be two people, two "Okonkwo-Idowu"s hardly. For a field configured with
``term_frequency``, an exact agreement on value ``v`` is weighed ``log2(m / p(v))`` instead of
``log2(m / u)``, where ``p(v)`` is the share of records holding ``v``; the adjustment added to the
exact weight is therefore ``log2(u / p(v))`` (Splink's term-frequency adjustment).

Frequencies are kept in quarter-decade bands so that a comparison stays a small pattern of
integers (cached verdicts, readable explanations): band ``b`` covers ``10**(-b/4) < p <=
10**(-(b-1)/4)`` and stands for the geometric middle of that range (within 0.42 bits of any
frequency in it).
"""

from __future__ import annotations

import math

# Below this many values the counts say too little about how common a value is.
MIN_RECORDS = 1000
_PER_DECADE = 4
BANDS = 7 * _PER_DECADE
_NO_BAND = 0


def frequency_band(count: int, total: int) -> int:
    """The band of a value held by ``count`` of ``total`` records (0: no adjustment).

    Args:
        count: Records holding the value (at least 1).
        total: Records with any value in the field.

    Returns:
        ``1`` (very common) … ``BANDS`` (rarest), or 0 when ``total`` is too small to tell.
    """
    if total < MIN_RECORDS or count <= 0:
        return _NO_BAND
    share = min(count / total, 1.0)
    return min(int(-_PER_DECADE * math.log10(share)) + 1, BANDS)


def band_frequency(band: int) -> float:
    """The frequency a band stands for (geometric middle of its range).

    Args:
        band: A band from ``frequency_band`` (not 0).

    Returns:
        The representative share of records.
    """
    return float(10 ** (-(band - 0.5) / _PER_DECADE))


def band_adjustment(u_exact: float, band: int) -> float:
    """Weight added to an exact agreement in ``band`` (negative for common values).

    Args:
        u_exact: P(exact agreement | different people) of the field.
        band: The band of the shared value (0 adds nothing).

    Returns:
        ``log2(u_exact / frequency)``.
    """
    if band == _NO_BAND:
        return 0.0
    return math.log2(u_exact / band_frequency(band))
