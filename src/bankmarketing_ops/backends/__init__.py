"""Backends: the implementations behind the public facades (local, and later azureml)."""
