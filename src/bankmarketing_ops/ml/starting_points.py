"""Where the search starts: configurations known to be good on tabular data of this kind.

FLAML's own starting points are its cheapest configurations (4 trees of 4 leaves), from
which it climbs. Within a 2-minute budget on 2 cores, cross-validated on 3 folds, the
climb often ends before it reaches what a library's defaults already give, so the
search would lose to the baseline it is compared with. Each tree learner therefore
starts from its library's defaults (the baseline itself) and from a slower-learning,
smaller-leaved variant that scored better than the defaults on unseen rows (the
figures are in `docs/automl.md`); DART starts from LightGBM's defaults with 300 rounds
and 70 % of the columns per tree. FLAML's search then climbs from there.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["STARTING_POINTS", "starting_points"]

_FLOOR: Final = 1 / 1024  # FLAML's lower bound for the regularization terms

#: LightGBM's defaults in FLAML's terms (max_bin 255 = 2**8 - 1; its reg_lambda of 0 is
#: below the floor)
_LIGHTGBM_DEFAULTS: Final[dict[str, Any]] = {
    "n_estimators": 100,
    "num_leaves": 31,
    "min_child_samples": 20,
    "learning_rate": 0.1,
    "log_max_bin": 8,
    "colsample_bytree": 1.0,
    "reg_alpha": _FLOOR,
    "reg_lambda": _FLOOR,
}

STARTING_POINTS: Final[dict[str, list[dict[str, Any]]]] = {
    "lgbm": [
        _LIGHTGBM_DEFAULTS,
        # slower-learning, smaller trees
        {
            **_LIGHTGBM_DEFAULTS,
            "n_estimators": 300,
            "num_leaves": 15,
            "learning_rate": 0.05,
            "colsample_bytree": 0.7,
            "reg_lambda": 1.0,
        },
    ],
    "lgbm_dart": [
        # with DART boosting: more rounds (each counts for less), 70 % of the columns a tree
        {**_LIGHTGBM_DEFAULTS, "n_estimators": 300, "colsample_bytree": 0.7},
    ],
    "xgb_limitdepth": [
        {
            "n_estimators": 300,
            "max_depth": 5,
            "min_child_weight": 1.0,
            "learning_rate": 0.05,
            "subsample": 0.8,
            "colsample_bylevel": 1.0,
            "colsample_bytree": 0.7,
            "reg_alpha": _FLOOR,
            "reg_lambda": 1.0,
        },
    ],
}


def starting_points(learners: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The starting points of the learners searched (FLAML's `starting_points`)."""
    return {
        learner: [dict(point) for point in STARTING_POINTS[learner]]
        for learner in learners
        if learner in STARTING_POINTS
    }
