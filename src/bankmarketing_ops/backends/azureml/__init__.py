"""The Azure ML (SDK v1) backend. Importing this package does not import `azureml`.

The SDK is imported inside functions, at first use; without the `[azureml]` extra those
raise `MissingExtraError` with the install command.
"""

from bankmarketing_ops.backends.azureml.options import AuthKind, AzureMLOptions
from bankmarketing_ops.backends.azureml.session import StaticTokenCredential
from bankmarketing_ops.backends.azureml.workspace import AzureMLBackend

__all__ = ["AuthKind", "AzureMLBackend", "AzureMLOptions", "StaticTokenCredential"]
