"""Clients of HTTP endpoints, all under one HTTP policy."""

from bankmarketing_ops._http import HttpPolicy
from bankmarketing_ops.client.endpoint import AsyncEndpointClient, EndpointClient, ScoreResponse
from bankmarketing_ops.client.pipelines import PipelineClient

__all__ = [
    "AsyncEndpointClient",
    "EndpointClient",
    "HttpPolicy",
    "PipelineClient",
    "ScoreResponse",
]
