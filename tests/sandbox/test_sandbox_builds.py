"""A build by id through the real SDK (``BuildClient.get_build``): each YAML pipeline run is a build of its
pipeline's definition, as Azure DevOps shows it at ``_build/results?buildId=N``."""

from __future__ import annotations

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError

P = "College"


def test_a_run_read_as_a_build(clients):
    build = clients.build.get_build(P, 102)
    assert (build.id, build.build_number, build.status, build.result) == (102, "20261128.1", "inProgress", None)
    assert build.definition.name == "tinyyolo-edge-deploy" and build.requested_for.display_name == "Bob Builder"
    assert build.finish_time is None and build._links.additional_properties["web"]["href"].endswith(
        "/College/_build/results?buildId=102")
    done = clients.build.get_build(P, 101)
    assert (done.status, done.result) == ("completed", "succeeded") and done.finish_time is not None


def test_an_unknown_build_is_404(clients):
    with pytest.raises(AzureDevOpsServiceError) as raised:
        clients.build.get_build(P, 999)
    assert raised.value.type_key == "BuildNotFoundException" and "build 999 could not be found" in raised.value.message
