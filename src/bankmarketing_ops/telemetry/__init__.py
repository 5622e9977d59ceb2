"""Request telemetry: one record per request, written off the request path to SQLite."""
