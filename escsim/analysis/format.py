"""Numbers as printed: probabilities and differences with significant digits, never rounded to
zero (a tail of 5e-05 prints as ``5e-05``, not ``0.000``), with their intervals."""

from __future__ import annotations

import math


def sig(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits (``0.0123``, ``5e-05``, ``0``, ``nan``)."""
    if x is None:
        return "-"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def interval_text(estimate: float, low: float, high: float, digits: int = 3) -> str:
    """``estimate [low, high]``, each with significant digits."""
    return f"{sig(estimate, digits)} [{sig(low, digits)}, {sig(high, digits)}]"


def signed(x: float, digits: int = 3) -> str:
    """A difference with its sign (``+0.012``, ``-3e-04``, ``0``)."""
    text = sig(x, digits)
    return text if text.startswith("-") or text in ("0", "nan") else "+" + text
