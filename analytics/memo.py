"""Analytics results kept under the version of the data they came from: the digest of the
series' times, values and names, and the parameters asked for. A model is computed once per data
version, in any process sharing the query cache, and every later view, refresh and export of the
same data reads it (a warm read is a fraction of a millisecond). The analytics' code is part of
the key: after an upgrade nothing computed the old way is served."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the cache is the data layer's; analytics itself reads no data
    from data.cache import QueryCache

T = TypeVar("T")
KEEP_SECONDS = 3600.0  # a version no one asks for again is dropped after this


def _code_digest() -> str:
    """A digest of the analytics' code: a cache shared across restarts serves no result an
    older version computed."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE = _code_digest()


def version(series: list[pd.Series]) -> str:
    """The digest of the series as computed from: times, values, names, in order."""
    digest = hashlib.sha256()
    for one in series:
        digest.update(str(one.name).encode())
        digest.update(pd.DatetimeIndex(one.index).as_unit("ns").asi8.tobytes())
        digest.update(np.asarray(one.to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()


def remembered(
    cache: QueryCache | None,
    what: str,
    params: dict,
    series: list[pd.Series],
    compute: Callable[[], T],
    ttl: float = KEEP_SECONDS,
) -> T:
    """`compute()`'s result for `what` with `params` on these series: from the cache when this
    version of the data has been computed before (without a cache, computed)."""
    if cache is None:
        return compute()
    key = json.dumps(["analytics", CODE, what, params, version(series)], sort_keys=True,
                     default=str)  # fmt: skip
    return cache.get_or_compute(
        key, compute, ttl=ttl, datasource="analytics", last_good=False
    ).value
