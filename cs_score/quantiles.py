"""Mergeable quantiles: exact for small runs, a relative-error sketch for large ones.

Up to `EXACT_LIMIT` values are kept as they are, so the sample log's median is the true median.
Past that, values fall into logarithmic buckets (the DDSketch idea): any quantile is within
`RELATIVE_ACCURACY` of a true value, memory is bounded by the value range rather than the count,
and two sketches merge by adding bucket counts, so parallel parts combine to the same answer in
any order.
"""

from __future__ import annotations

import math
from typing import Final

from cs_score.pickling import mypyc_attr

EXACT_LIMIT: Final = 10_000
RELATIVE_ACCURACY = 0.005
_GAMMA: Final = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA: Final = math.log(_GAMMA)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Quantiles:
    """Non-negative values (e.g. wait seconds) whose quantiles the report needs."""

    __slots__ = ("_buckets", "_exact", "_zeros", "count")

    def __init__(self) -> None:
        self._exact: list[float] | None = []
        self._buckets: dict[int, int] = {}
        self._zeros = 0
        self.count = 0

    def add(self, value: float) -> None:
        self.count += 1
        if self._exact is not None:
            self._exact.append(value)
            if len(self._exact) > EXACT_LIMIT:
                self._to_sketch()
        else:
            self._bucket(value)

    def _bucket(self, value: float) -> None:
        if value <= 0:
            self._zeros += 1
        else:
            key = math.ceil(math.log(value) / _LOG_GAMMA)
            self._buckets[key] = self._buckets.get(key, 0) + 1

    def _to_sketch(self) -> None:
        values, self._exact = self._exact or [], None
        self._bucket_all(values)

    def _bucket_all(self, values: list[float]) -> None:
        """`_bucket` of many values (parts arrive with thousands)."""
        positive = [value for value in values if value > 0]
        self._zeros += len(values) - len(positive)
        buckets = self._buckets
        log, ceil, log_gamma = math.log, math.ceil, _LOG_GAMMA
        for key in [ceil(log(value) / log_gamma) for value in positive]:
            buckets[key] = buckets.get(key, 0) + 1

    def merge(self, other: Quantiles) -> None:
        if self._exact is not None and other._exact is not None:
            self._exact.extend(other._exact)
            self.count += other.count
            if len(self._exact) > EXACT_LIMIT:
                self._to_sketch()
            return
        if self._exact is not None:
            self._to_sketch()
        if other._exact is not None:
            self._bucket_all(other._exact)
        else:
            self._zeros += other._zeros
            for key, n in other._buckets.items():
                self._buckets[key] = self._buckets.get(key, 0) + n
        self.count += other.count

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0..1): exact (linear interpolation) or within the sketch's accuracy."""
        if self.count == 0:
            return None
        if self._exact is not None:
            ordered = sorted(self._exact)
            position = q * (len(ordered) - 1)
            low = math.floor(position)
            high = min(low + 1, len(ordered) - 1)
            return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
        rank = q * (self.count - 1)
        seen = self._zeros
        if rank < seen:
            return 0.0
        for key in sorted(self._buckets):
            seen += self._buckets[key]
            if rank < seen:
                return 2 * _GAMMA**key / (_GAMMA + 1)
        return 2 * _GAMMA ** max(self._buckets) / (_GAMMA + 1)
