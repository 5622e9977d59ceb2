"""The one schema of the Bank Marketing data: 20 inputs and the target `y`.

Validation, the typed loader, the synthetic generator (and later the Swagger builder and
the compiled scorer) all read this module; no other module lists the columns.
Category values and column meanings follow UCI's `bank-additional-names.txt`; missing
categorical values are coded `"unknown"`. Numeric ranges are generous plausibility bounds
(the real file sits well inside them), not the observed minimum and maximum.
"""

from __future__ import annotations

import math
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CATEGORICAL_COLUMNS",
    "ECONOMIC_COLUMNS",
    "FLOAT_COLUMNS",
    "INPUT_COLUMNS",
    "INTEGER_COLUMNS",
    "LEAKY_COLUMNS",
    "SCHEMA",
    "TARGET",
    "ColumnKind",
    "ColumnSpec",
    "DatasetSchema",
    "TargetSpec",
]

ColumnKind = Literal["integer", "float", "categorical"]
ColumnGroup = Literal["client", "last_contact", "campaign", "economic"]


class ColumnSpec(BaseModel):
    """One input column: its wire name, kind, allowed values and meaning."""

    model_config = ConfigDict(frozen=True)

    name: str
    """Name on the wire and in files (dots kept, e.g. `emp.var.rate`)."""
    kind: ColumnKind
    """`integer`, `float` or `categorical`."""
    group: ColumnGroup
    """UCI's grouping of the attributes."""
    description: str
    """What the column means (from UCI's description)."""
    categories: tuple[str, ...] = ()
    """Allowed values of a categorical column, in a fixed order."""
    frequencies: tuple[float, ...] = ()
    """Share of each category in the published file (aligned with `categories`)."""
    minimum: float | None = None
    """Smallest plausible value of a numeric column (inclusive)."""
    maximum: float | None = None
    """Largest plausible value of a numeric column (inclusive)."""
    example: int | float | str
    """A real value, used in examples and generated specs."""
    leaky: bool = False
    """True when the value is only known after the outcome (it leaks the target)."""
    leak_reason: str | None = None
    """Why the column leaks, for messages to the user."""

    @property
    def is_numeric(self) -> bool:
        return self.kind != "categorical"

    @property
    def bounds(self) -> tuple[float, float]:
        """`(minimum, maximum)`, infinite where the column sets none: what training data
        and scoring requests are both checked against."""
        low = self.minimum if self.minimum is not None else -math.inf
        high = self.maximum if self.maximum is not None else math.inf
        return (low, high)

    @property
    def range_message(self) -> str:
        """What a value outside `bounds` is told (by the data validation and the scorer)."""
        low, high = self.bounds
        return f"outside the plausible range [{low:g}, {high:g}]"


class TargetSpec(BaseModel):
    """The binary target."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    negative: str
    positive: str

    @property
    def labels(self) -> tuple[str, str]:
        """`(negative, positive)`: the order used for encoded labels 0 and 1."""
        return (self.negative, self.positive)


class DatasetSchema(BaseModel):
    """The whole table: inputs in file order, then the target."""

    model_config = ConfigDict(frozen=True)

    inputs: tuple[ColumnSpec, ...]
    target: TargetSpec

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs)

    @property
    def column_names(self) -> tuple[str, ...]:
        """All 21 columns in file order (inputs, then target)."""
        return (*self.input_names, self.target.name)

    def column(self, name: str) -> ColumnSpec:
        """The spec of input `name`; `KeyError` if there is none."""
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def names_of(self, kind: ColumnKind) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs if c.kind == kind)

    def example_row(self) -> dict[str, int | float | str]:
        """One real row of inputs (wire names as keys)."""
        return {c.name: c.example for c in self.inputs}


_YES_NO_UNKNOWN: Final = ("no", "yes", "unknown")
_DURATION_LEAK: Final = (
    "`duration` is the length of the last call, known only after the call ends "
    "(duration == 0 means y == 'no'). It makes models look far better than they can be "
    "before a call; drop it for a realistic model, keep it only to reproduce the Azure results."
)

SCHEMA: Final = DatasetSchema(
    inputs=(
        ColumnSpec(name="age", kind="integer", group="client", description="Age in years.",
                   minimum=15, maximum=120, example=24),
        ColumnSpec(name="job", kind="categorical", group="client", description="Type of job.",
                   categories=("admin.", "blue-collar", "entrepreneur", "housemaid",
                               "management", "retired", "self-employed", "services",
                               "student", "technician", "unemployed", "unknown"),
                   frequencies=(0.253, 0.223, 0.036, 0.026, 0.071, 0.042, 0.035, 0.096,
                                0.021, 0.165, 0.024, 0.008),
                   example="technician"),
        ColumnSpec(name="marital", kind="categorical", group="client",
                   description="Marital status ('divorced' includes widowed).",
                   categories=("divorced", "married", "single", "unknown"),
                   frequencies=(0.1116, 0.6059, 0.2805, 0.002),
                   example="single"),
        ColumnSpec(name="education", kind="categorical", group="client",
                   description="Highest education.",
                   categories=("basic.4y", "basic.6y", "basic.9y", "high.school", "illiterate",
                               "professional.course", "university.degree", "unknown"),
                   frequencies=(0.1012, 0.0561, 0.1475, 0.2292, 0.0005, 0.1283, 0.2949, 0.0424),
                   example="university.degree"),
        ColumnSpec(name="default", kind="categorical", group="client",
                   description="Has credit in default?", categories=_YES_NO_UNKNOWN,
                   frequencies=(0.791, 0.0001, 0.2089),
                   example="no"),
        ColumnSpec(name="housing", kind="categorical", group="client",
                   description="Has a housing loan?", categories=_YES_NO_UNKNOWN,
                   frequencies=(0.4533, 0.523, 0.0237),
                   example="no"),
        ColumnSpec(name="loan", kind="categorical", group="client",
                   description="Has a personal loan?", categories=_YES_NO_UNKNOWN,
                   frequencies=(0.8245, 0.1518, 0.0237),
                   example="yes"),
        ColumnSpec(name="contact", kind="categorical", group="last_contact",
                   description="Contact communication type.",
                   categories=("cellular", "telephone"),
                   frequencies=(0.6357, 0.3643),
                   example="cellular"),
        ColumnSpec(name="month", kind="categorical", group="last_contact",
                   description="Month of the last contact.",
                   categories=("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                               "oct", "nov", "dec"),
                   frequencies=(0.0, 0.0, 0.0128, 0.064, 0.3361, 0.129, 0.1746, 0.1482, 0.0137,
                                0.0173, 0.1, 0.0044),
                   example="jul"),
        ColumnSpec(name="day_of_week", kind="categorical", group="last_contact",
                   description="Weekday of the last contact.",
                   categories=("mon", "tue", "wed", "thu", "fri"),
                   frequencies=(0.2064, 0.1968, 0.1963, 0.2105, 0.19),
                   example="wed"),
        ColumnSpec(name="duration", kind="integer", group="last_contact",
                   description="Duration of the last contact, in seconds.",
                   minimum=0, maximum=10_000, example=109, leaky=True,
                   leak_reason=_DURATION_LEAK),
        ColumnSpec(name="campaign", kind="integer", group="campaign",
                   description="Contacts during this campaign for this client (incl. the last).",
                   minimum=1, maximum=100, example=3),
        ColumnSpec(name="pdays", kind="integer", group="campaign",
                   description="Days since the client was last contacted in a previous "
                   "campaign (999: never).", minimum=0, maximum=999, example=999),
        ColumnSpec(name="previous", kind="integer", group="campaign",
                   description="Contacts before this campaign for this client.",
                   minimum=0, maximum=100, example=0),
        ColumnSpec(name="poutcome", kind="categorical", group="campaign",
                   description="Outcome of the previous marketing campaign.",
                   categories=("failure", "nonexistent", "success"),
                   frequencies=(0.1047, 0.8617, 0.0335),
                   example="nonexistent"),
        ColumnSpec(name="emp.var.rate", kind="float", group="economic",
                   description="Employment variation rate (quarterly).",
                   minimum=-10, maximum=10, example=1.4),
        ColumnSpec(name="cons.price.idx", kind="float", group="economic",
                   description="Consumer price index (monthly).",
                   minimum=50, maximum=150, example=93.918),
        ColumnSpec(name="cons.conf.idx", kind="float", group="economic",
                   description="Consumer confidence index (monthly).",
                   minimum=-100, maximum=100, example=-42.7),
        ColumnSpec(name="euribor3m", kind="float", group="economic",
                   description="Euribor 3-month rate (daily).",
                   minimum=-5, maximum=20, example=4.963),
        ColumnSpec(name="nr.employed", kind="float", group="economic",
                   description="Number of employees, thousands (quarterly).",
                   minimum=1_000, maximum=10_000, example=5228.1),
    ),
    target=TargetSpec(name="y", description="Has the client subscribed a term deposit?",
                      negative="no", positive="yes"),
)  # fmt: skip

TARGET: Final = SCHEMA.target.name
INPUT_COLUMNS: Final = SCHEMA.input_names
INTEGER_COLUMNS: Final = SCHEMA.names_of("integer")
FLOAT_COLUMNS: Final = SCHEMA.names_of("float")
CATEGORICAL_COLUMNS: Final = SCHEMA.names_of("categorical")
ECONOMIC_COLUMNS: Final = tuple(c.name for c in SCHEMA.inputs if c.group == "economic")
#: Inputs that leak the target (today: `duration`). Later steps warn about or drop them.
LEAKY_COLUMNS: Final = tuple(c.name for c in SCHEMA.inputs if c.leaky)
