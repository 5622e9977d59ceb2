"""Serving: the compiled scorer (and, later, the scoring server)."""
