"""The `bankops` command line: a thin layer over the public facades."""

from bankmarketing_ops.cli.app import app, main

__all__ = ["app", "main"]
