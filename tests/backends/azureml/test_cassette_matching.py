"""The cassettes' body matcher: a request must send at least what its cassette says."""

from __future__ import annotations

import json

import pytest
from vcr.request import Request

from tests.backends.azureml.conftest import body_subset

URL = "https://eastus.api.azureml.ms/modelmanagement/v1.0/services"


def _request(body: object) -> Request:
    text = body if isinstance(body, str) else json.dumps(body)
    return Request("POST", URL, text, {})


def test_the_sent_body_may_hold_more_than_the_cassette() -> None:
    sent = _request({"authEnabled": True, "name": "svc", "properties": {"git": "x"}})
    body_subset(sent, _request({"authEnabled": True}))
    body_subset(sent, _request(""))  # an empty cassette body matches any


def test_a_different_value_or_a_missing_field_does_not_match() -> None:
    with pytest.raises(AssertionError, match=r"body\.authEnabled: sent 'False', the cassette"):
        body_subset(_request({"authEnabled": False}), _request({"authEnabled": True}))
    with pytest.raises(AssertionError, match=r"body\.authEnabled: not sent"):
        body_subset(_request({"name": "svc"}), _request({"authEnabled": True}))


def test_json_patch_items_match_in_any_order_but_must_all_be_there() -> None:
    wanted = [{"op": "replace", "path": "/appInsightsEnabled", "value": True}]
    sent = [{"op": "add", "path": "/properties/azureml.git.branch", "value": "main"}, *wanted]
    body_subset(_request(sent), _request(wanted))
    with pytest.raises(AssertionError):
        body_subset(_request(sent[:1]), _request(wanted))


def test_bodies_that_are_not_json_must_be_equal() -> None:
    body_subset(_request("a,b\n1,2\n"), _request("a,b\n1,2\n"))
    with pytest.raises(AssertionError):
        body_subset(_request("a,b\n1,3\n"), _request("a,b\n1,2\n"))


def test_a_json_object_inside_a_string_field_matches_as_a_subset() -> None:
    settings = {"primary_metric": "AUC_weighted", "label_column_name": "y", "iterations": 1000}
    sent = _request({"runType": "automl", "amlSettingsJsonString": json.dumps(settings)})
    body_subset(sent, _request({"amlSettingsJsonString": json.dumps({"label_column_name": "y"})}))
    with pytest.raises(AssertionError, match=r"amlSettingsJsonString\.label_column_name: sent"):
        body_subset(
            sent, _request({"amlSettingsJsonString": json.dumps({"label_column_name": "z"})})
        )
