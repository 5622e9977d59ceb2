"""The example row both scoring scripts declare (as AutoML writes one into its scripts)."""

from __future__ import annotations

import pandas as pd

ROW = {
    "age": 24,
    "job": "technician",
    "marital": "single",
    "education": "university.degree",
    "default": "no",
    "housing": "no",
    "loan": "yes",
    "contact": "cellular",
    "month": "jul",
    "day_of_week": "wed",
    "duration": 109,
    "campaign": 3,
    "pdays": 999,
    "previous": 0,
    "poutcome": "nonexistent",
    "emp.var.rate": 1.4,
    "cons.price.idx": 93.918,
    "cons.conf.idx": -42.7,
    "euribor3m": 4.963,
    "nr.employed": 5228.1,
}


def frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([value]) for name, value in ROW.items()})
