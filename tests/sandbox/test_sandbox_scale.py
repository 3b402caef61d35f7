"""The scale seed (``POST /_sandbox/seed``) and the builds list across definitions it is read with, through the
real SDK: filters, order, ``maxBuildsPerDefinition``, paging; and releases by creation time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.sandbox_fixtures import ControlError

P = "College"
BUILDS = "0cd358e1-9217-4d94-8269-1c1ee6f93dcf"


def builds_page(client, **query):
    response = client._send(http_method="GET", location_id=BUILDS, version="7.1", route_values={"project": P},
                            query_parameters=query)
    return response.json()["value"], response.headers.get("x-ms-continuationtoken")


def test_the_seeded_runs_are_builds(clients):
    builds = clients.build.get_builds(P)
    assert sorted(b.id for b in builds) == [101, 102]
    done = clients.build.get_builds(P, status_filter="completed")
    assert [(b.id, b.result, b.definition.name) for b in done] == [(101, "succeeded", "tinyyolo-edge-deploy")]
    assert clients.build.get_builds(P, result_filter="failed") == []


def test_scale_seed_and_batched_queries(devops_sandbox, clients):
    seeded = devops_sandbox.seed(pipelines=30, release_definitions=10, runs_per_pipeline=3)
    assert seeded["runs"] == 90 and seeded["releases"] == 10 + 5 + 1
    assert len(clients.pipelines.list_pipelines(P, top=1000)) == 31
    latest = clients.build.get_builds(P, max_builds_per_definition=1, query_order="finishTimeDescending",
                                      status_filter="completed")
    assert len(latest) == 31 and len({b.definition.id for b in latest}) == 31
    since = (datetime.now(UTC) - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = clients.build.get_builds(P, min_time=since, status_filter="completed", query_order="finishTimeDescending")
    assert len(day) == 30  # one run of each scale pipeline a day
    assert [b.finish_time for b in day] == sorted((b.finish_time for b in day), reverse=True)
    failed = clients.build.get_builds(P, min_time=since, result_filter="failed")
    assert {b.definition.name for b in failed} == {f"scale-pipeline-{n:04d}" for n in (1, 8, 15, 22, 29)}
    first, token = builds_page(clients.build, minTime=since, statusFilter="completed", **{"$top": 20})
    second, end = builds_page(clients.build, minTime=since, statusFilter="completed", continuationToken=token,
                              **{"$top": 20})
    assert len(first) == 20 and len(second) == 10 and end is None
    assert not {b["id"] for b in first} & {b["id"] for b in second}
    recent = clients.release.get_releases(P, min_created_time=datetime.now(UTC) - timedelta(hours=24),
                                          expand="environments", top=100)
    assert len(recent) == 5 + 1 + 1  # every second definition 3 h ago, one a minute ago, the seed's Release-3
    in_flight = clients.release.get_releases(P, environment_status_filter=2 | 32, status_filter="active",
                                             expand="environments", top=100)
    assert any(e.status == "inProgress" for r in in_flight for e in r.environments if e.name == "Dev")


def test_seed_refuses_what_it_does_not_know(devops_sandbox):
    with pytest.raises(ControlError):
        devops_sandbox.seed(pipelines=-1)
    with pytest.raises(ControlError):
        devops_sandbox._call("POST", "seed", {"pipelines": 1, "wells": 2})
