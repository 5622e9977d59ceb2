"""The local backend: everything on this machine, under one workspace directory."""

from bankmarketing_ops.backends.local.workspace import LocalBackend

__all__ = ["LocalBackend"]
