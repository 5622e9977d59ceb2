"""The SDK's exceptions (the real classes of azureml-core) become our error tree."""

from __future__ import annotations

import pytest
import requests

from bankmarketing_ops import (
    BankOpsError,
    CredentialError,
    DeploymentError,
    ServiceNotFoundError,
)
from bankmarketing_ops.backends.azureml._sdk import masked, sdk_status, translated


def _webservice_error(message: str, status: int | None = None) -> Exception:
    from azureml.exceptions import WebserviceException

    return WebserviceException(message, status_code=status)


def test_an_sdk_error_becomes_ours_and_says_what_failed() -> None:
    with (
        pytest.raises(DeploymentError, match=r"cannot update 'svc': the image build failed"),
        translated(DeploymentError, "update 'svc'"),
    ):
        raise _webservice_error("the image build failed")


def test_a_404_becomes_the_not_found_error() -> None:
    with (
        pytest.raises(ServiceNotFoundError, match="no web service 'svc'"),
        translated(
            DeploymentError,
            "read 'svc'",
            not_found=ServiceNotFoundError,
            not_found_message="no web service 'svc'",
        ),
    ):
        raise _webservice_error("Received bad response from service", status=404)


def test_a_not_found_message_without_status_is_recognised() -> None:
    with (
        pytest.raises(ServiceNotFoundError),
        translated(DeploymentError, "read 'svc'", not_found=ServiceNotFoundError),
    ):
        raise _webservice_error("WebserviceNotFound: No service with name svc found")


def test_without_a_not_found_class_a_404_stays_the_area_error() -> None:
    with pytest.raises(DeploymentError) as caught, translated(DeploymentError, "delete 'svc'"):
        raise _webservice_error("gone", status=404)
    assert type(caught.value) is DeploymentError


def test_an_authentication_failure_becomes_a_credential_error() -> None:
    from azureml.exceptions import AuthenticationException

    with (
        pytest.raises(CredentialError, match="az login"),
        translated(DeploymentError, "list services"),
    ):
        raise AuthenticationException("token expired")
    with pytest.raises(CredentialError), translated(DeploymentError, "list services"):
        raise _webservice_error("Received bad response from service", status=401)


def test_transport_errors_are_translated_and_ours_pass_unchanged() -> None:
    with (
        pytest.raises(DeploymentError, match=r"cannot get keys: .*refused"),
        translated(DeploymentError, "get keys"),
    ):
        raise requests.ConnectionError("connection refused")
    original = ServiceNotFoundError("mine")
    with pytest.raises(BankOpsError) as caught, translated(DeploymentError, "x"):
        raise original
    assert caught.value is original


def test_status_is_read_from_attributes_or_the_message() -> None:
    assert sdk_status(_webservice_error("x", status=409)) == 409
    assert sdk_status(_webservice_error("Received bad response. Response Code: 503")) == 503
    assert sdk_status(_webservice_error("no status here")) is None


def test_the_dataset_services_request_failed_status_is_read() -> None:
    from azureml.exceptions import UserErrorException

    # azureml.data._dataset_rest_helper says the status only in its message
    refused = UserErrorException("Request failed (401): The token is expired")
    assert sdk_status(refused) == 401
    with pytest.raises(CredentialError), translated(DeploymentError, "register the data set"):
        raise refused


def test_secrets_quoted_by_the_sdk_are_masked() -> None:
    url = (
        "https://stbankops.blob.core.windows.net/azureml/score.py"
        "?sv=2019-07-07&sig=REALSECRETSIG%2Babc&se=2026"
    )
    failure = requests.HTTPError(f"403 Client Error: Forbidden for url: {url}")
    with pytest.raises(DeploymentError) as caught, translated(DeploymentError, "read"):
        raise failure
    text = str(caught.value)
    assert "REALSECRETSIG" not in text
    assert "sig=***" in text
    assert caught.value.__cause__ is None  # the raw text is not chained either
    token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.c2ln"
    assert masked(f"Authorization: Bearer {token}") == "Authorization: Bearer ***"
    assert masked(f"token {token} refused") == "token *** refused"
    assert masked('{"primaryKey": "k-123", "secondaryKey": "k-456"}') == (
        '{"primaryKey": "***", "secondaryKey": "***"}'
    )


def test_a_mistake_in_our_own_code_is_not_blamed_on_azure() -> None:
    from bankmarketing_ops.backends.azureml.deploy import map_service

    # our mapping code given something that is no SDK service: its AttributeError is ours
    with pytest.raises(AttributeError), translated(DeploymentError, "read"):
        map_service(object())


def test_not_found_text_counts_only_without_a_status() -> None:
    with (
        pytest.raises(DeploymentError) as caught,
        translated(DeploymentError, "deploy", not_found=ServiceNotFoundError),
    ):
        raise _webservice_error("Compute target cpu-cluster not found", status=400)
    assert type(caught.value) is DeploymentError
    with (
        pytest.raises(ServiceNotFoundError, match=r"no web service 'svc' \(gone\)"),
        translated(
            DeploymentError,
            "read",
            not_found=ServiceNotFoundError,
            not_found_message="no web service 'svc'",
        ),
    ):
        raise _webservice_error("gone", status=404)


def test_a_rest_client_error_without_a_readable_model_keeps_azures_message() -> None:
    """msrest says only "invalid status code 'Bad Request'" when it cannot read the
    error body into its model (the pipelines service's errors): Azure's message is taken
    from the body."""
    from msrest.exceptions import HttpOperationError

    response = requests.Response()
    response.status_code, response.reason = 400, "Bad Request"
    response._content = b'{"error": {"code": "UserError", "message": "the cluster is gone"}}'
    with (
        pytest.raises(
            BankOpsError,
            match=r"cannot run it: Operation returned an invalid status code 'Bad Request': "
            "UserError: the cluster is gone",
        ),
        translated(BankOpsError, "run it"),
    ):
        raise HttpOperationError(None, response)


def test_a_dumped_refusal_says_azures_error_not_the_response_headers() -> None:
    """azureml.core.compute dumps a refused response (status, every response header, the
    body as bytes): the translated message keeps the status and Azure's code and message,
    which the headers would otherwise push past the length kept."""
    from azureml.exceptions import ComputeTargetException

    headers = {f"x-ms-header-{i}": "0f0e0d0c-0000-4000-8000-000000000000" for i in range(20)}
    body = b'{"error": {"code": "Conflict", "message": "The cluster\'s name is taken."}}'
    refused = ComputeTargetException(
        "Received bad response from Resource Provider:\n"
        f"Response Code: 409\nHeaders: {headers}\nContent: {body!r}"
    )
    assert sdk_status(refused) == 409
    with pytest.raises(DeploymentError) as caught, translated(DeploymentError, "create 'c'"):
        raise refused
    message = str(caught.value)
    assert message.endswith("Azure answered 409: Conflict: The cluster's name is taken.")
    assert "x-ms-header" not in message
    # a dump whose body is not an Azure error is kept as the SDK wrote it
    odd = ComputeTargetException("Response Code: 502\nHeaders: {}\nContent: b'<html>'")
    with pytest.raises(DeploymentError, match="<html>"), translated(DeploymentError, "x"):
        raise odd
