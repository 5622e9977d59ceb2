"""The deployment operation both backends return: a service settling after a change."""

from __future__ import annotations

from collections.abc import Callable

from bankmarketing_ops.types.deploy import ServiceState, WebService

__all__ = ["ServiceOperation"]


class ServiceOperation:
    """A service being deployed, updated or restarted.

    `look` reads the service once; `settle(timeout)` waits until it has taken the change
    (raising `DeploymentError` when it failed, `OperationTimeoutError` when time is up).
    The backend closes over whatever its platform needs to follow the change (on Azure
    ML, the SDK object of the deployment), so nothing is kept behind the operation's back.
    """

    def __init__(
        self,
        name: str,
        *,
        description: str,
        look: Callable[[], WebService],
        settle: Callable[[float | None], WebService],
    ) -> None:
        self._name, self._description = name, description
        self._look, self._settle = look, settle

    @property
    def operation_id(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    def status(self) -> ServiceState:
        return self._look().state

    def done(self) -> bool:
        return self.status() != "Transitioning"

    def result(self, timeout: float | None = None) -> WebService:
        return self._settle(timeout)
