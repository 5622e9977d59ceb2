"""The Bank Marketing data layer: fetch, load, validate, profile, synthesize, split.

Example:
    >>> from bankmarketing_ops import data
    >>> frame = data.synthetic(1_000, seed=7)
    >>> data.validate(frame).valid
    True
    >>> data.LEAKY_COLUMNS
    ('duration',)
"""

from bankmarketing_ops.data.fetch import ProgressCallback, cached_path, fetch
from bankmarketing_ops.data.loading import load
from bankmarketing_ops.data.models import (
    CategoricalProfile,
    DataProfile,
    DataSource,
    FetchResult,
    FileFormat,
    IssueKind,
    LeakyColumnNote,
    NumericProfile,
    TargetBalance,
    ValidationIssue,
    ValidationReport,
)
from bankmarketing_ops.data.profile import profile
from bankmarketing_ops.data.schema import (
    CATEGORICAL_COLUMNS,
    ECONOMIC_COLUMNS,
    FLOAT_COLUMNS,
    INPUT_COLUMNS,
    INTEGER_COLUMNS,
    LEAKY_COLUMNS,
    SCHEMA,
    TARGET,
    ColumnKind,
    ColumnSpec,
    DatasetSchema,
    TargetSpec,
)
from bankmarketing_ops.data.source import locate
from bankmarketing_ops.data.split import DataSplit, split_features, train_test_split
from bankmarketing_ops.data.synthetic import synthetic
from bankmarketing_ops.data.validation import validate

__all__ = [
    "CATEGORICAL_COLUMNS",
    "ECONOMIC_COLUMNS",
    "FLOAT_COLUMNS",
    "INPUT_COLUMNS",
    "INTEGER_COLUMNS",
    "LEAKY_COLUMNS",
    "SCHEMA",
    "TARGET",
    "CategoricalProfile",
    "ColumnKind",
    "ColumnSpec",
    "DataProfile",
    "DataSource",
    "DataSplit",
    "DatasetSchema",
    "FetchResult",
    "FileFormat",
    "IssueKind",
    "LeakyColumnNote",
    "NumericProfile",
    "ProgressCallback",
    "TargetBalance",
    "TargetSpec",
    "ValidationIssue",
    "ValidationReport",
    "cached_path",
    "fetch",
    "load",
    "locate",
    "profile",
    "split_features",
    "synthetic",
    "train_test_split",
    "validate",
]
