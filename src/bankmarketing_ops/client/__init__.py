"""Clients of HTTP endpoints, all under one HTTP policy."""

from bankmarketing_ops.client._policy import HttpPolicy
from bankmarketing_ops.client.endpoint import AsyncEndpointClient, EndpointClient, ScoreResponse

__all__ = ["AsyncEndpointClient", "EndpointClient", "HttpPolicy", "ScoreResponse"]
