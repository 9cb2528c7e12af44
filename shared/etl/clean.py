"""Clean: defaults for optional fields, then one row per (transaction_id, line_number).

Repeats of a line inside one batch are told apart by content: identical repeats are dropped
and counted as ``duplicate``; repeats that disagree are all refused (``conflicting_duplicate``),
because nothing says which version is right. Trimming and case were settled by ``validate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shared.etl.hashing import row_digests
from shared.etl.validate import REJECT_COLUMNS
from shared.schema import CANONICAL_COLUMNS, DEFAULT_CURRENCY, ROW_COLUMN

KEY = ["transaction_id", "line_number"]
DEFAULTS: dict[str, object] = {"discount": 0.0, "currency": DEFAULT_CURRENCY, "payment_method": "other"}


def clean(valid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Return ``(cleaned, rejects, duplicates)``."""
    df = valid.fillna(DEFAULTS)
    repeated = df.duplicated(KEY, keep=False).to_numpy()
    if not repeated.any():
        return df, pd.DataFrame(columns=list(REJECT_COLUMNS)), 0
    group = df.loc[repeated, KEY]
    hi, lo = row_digests(df.loc[repeated], CANONICAL_COLUMNS)
    versions = pd.DataFrame({"hi": hi, "lo": lo}, index=group.index).groupby(
        [group["transaction_id"], group["line_number"]], sort=False
    )
    distinct = (versions["hi"].transform("nunique") > 1) | (versions["lo"].transform("nunique") > 1)
    conflicting = np.zeros(len(df), dtype=bool)
    conflicting[np.flatnonzero(repeated)[distinct.to_numpy()]] = True
    rejects = pd.DataFrame(
        {
            ROW_COLUMN: df.loc[conflicting, ROW_COLUMN].to_numpy(),
            "field": "line_number",
            "code": "conflicting_duplicate",
            "message": "this transaction_id and line_number occur more than once with different content",
        }
    )
    kept = df[~conflicting]
    extra = kept.duplicated(KEY, keep="first").to_numpy()
    return kept[~extra].reset_index(drop=True), rejects, int(extra.sum())
