"""Pydantic models generated from Swagger specs, and the generator.

`bankmarketing` holds the request and response models of our own services, generated
from their spec and committed (`tests/schema/test_generated.py` fails when they drift).
"""

from bankmarketing_ops.schema.bankmarketing import Datum as ScoringRecord
from bankmarketing_ops.schema.bankmarketing import ErrorResponse
from bankmarketing_ops.schema.bankmarketing import ServiceInput as ScoringRequest
from bankmarketing_ops.schema.bankmarketing import ServiceOutput as ScoringOutput

__all__ = ["ErrorResponse", "ScoringOutput", "ScoringRecord", "ScoringRequest"]
