"""The default-LightGBM baseline every model is compared with."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bankmarketing_ops.ml.features import FeatureSpec, categorical_indices

__all__ = ["baseline_proba"]


def baseline_proba(
    x_train: npt.NDArray[np.float64],
    y_train: npt.NDArray[np.int64],
    x_test: npt.NDArray[np.float64],
    features: tuple[FeatureSpec, ...],
    *,
    seed: int = 0,
) -> npt.NDArray[np.float64]:
    """Fit `LGBMClassifier()` with default settings (native categoricals) and predict P(yes)."""
    import lightgbm

    model = lightgbm.LGBMClassifier(random_state=seed, verbose=-1, n_jobs=1)
    model.fit(x_train, y_train, categorical_feature=categorical_indices(features))
    return np.asarray(model.predict_proba(x_test), dtype=np.float64)[:, 1]
