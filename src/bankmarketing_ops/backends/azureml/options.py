"""`AzureMLOptions`: how the azureml backend sizes compute, names things and deploys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bankmarketing_ops import _constants as C
from bankmarketing_ops.config import AzureAuthKind

__all__ = ["AuthKind", "AzureMLOptions"]

#: How the backend signs in (the same names as `BANKOPS_AZURE_AUTH`).
AuthKind = AzureAuthKind


class AzureMLOptions(BaseModel):
    """Names and sizes the azureml backend uses; every field has a working default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    compute_name: str = Field(default="cpu-cluster", min_length=2, max_length=16)
    """The AmlCompute cluster AutoML runs on (created when missing)."""
    vm_size: str = "STANDARD_DS3_V2"
    """VM size of the cluster's nodes, used only when the cluster is created."""
    min_nodes: int = Field(default=0, ge=0)
    """Nodes kept when idle (0: pay nothing while idle)."""
    max_nodes: int = Field(default=4, ge=1)
    """Upper bound on nodes (and so on concurrent AutoML iterations)."""
    idle_seconds_before_scaledown: int = Field(default=1800, ge=0)
    experiment_name: str = "bankmarketing-automl"
    """The Azure ML experiment AutoML runs are submitted to."""
    dataset_name: str = "bankmarketing_train"
    """Name under which the training data set is registered."""
    dataset_url: str = C.DEFAULT_DATA_URL
    """Public copy of the data; Azure reads it directly when the data is that file."""
    deploy_target: Literal["aci", "aks"] = "aci"
    """Azure Container Instances (dev/test) or an attached AKS cluster (production)."""
    aks_cluster_name: str | None = None
    """The AKS compute target's name (required when `deploy_target` is `aks`)."""
    cpu_cores: float = Field(default=1.0, gt=0)
    """CPU cores of each scoring container."""
    memory_gb: float = Field(default=2.0, gt=0)
    """Memory of each scoring container."""
    deploy_timeout_s: float = Field(default=1800.0, gt=0)
    """How long a deployment may take before `DeploymentError` (ACI takes minutes)."""
    poll_interval_s: float = Field(default=30.0, gt=0)
    """How often a training poller asks Azure for the run's state."""
