"""graph and memberEntitlementManagement: people, groups, memberships, onboarding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.member_entitlement_management.models import (
    AccessLevel,
    GraphUser,
    ProjectEntitlement,
    UserEntitlement,
)

TEAM_FILE = Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json"
PEOPLE = {p["key"]: p for p in json.loads(TEAM_FILE.read_text())["people"]}


def _team_group(clients):
    team = clients.core.get_team("College", "College Team")
    return team, clients.graph.get_descriptor(team.id).value


def test_graph_users_are_the_people_in_the_organization(clients):
    users = clients.graph.list_users().graph_users
    by_origin = {u.origin_id: u for u in users}
    for person in PEOPLE.values():
        if person["in_organization"]:
            user = by_origin[person["aad_object_id"]]
            assert user.principal_name == person["upn"]
            assert user.display_name == person["name"]
            assert user.descriptor.startswith("aad.")
        else:
            assert person["aad_object_id"] not in by_origin
    alice = by_origin[PEOPLE["alice"]["aad_object_id"]]
    assert clients.graph.get_user(alice.descriptor).origin_id == alice.origin_id


def test_storage_keys_and_descriptors_round_trip(clients):
    user = clients.graph.list_users().graph_users[0]
    key = clients.graph.get_storage_key(user.descriptor).value
    assert clients.graph.get_descriptor(key).value == user.descriptor
    members = clients.core.get_team_members_with_extended_properties("College", "College Team")
    assert key in {m.identity.id for m in members} or user.display_name not in {
        m.identity.display_name for m in members}


def test_team_group_and_its_memberships(clients):
    _team, group_descriptor = _team_group(clients)
    assert group_descriptor.startswith("vssgp.")
    groups = clients.graph.list_groups().graph_groups
    team_group = next(g for g in groups if g.descriptor == group_descriptor)
    assert team_group.principal_name == "[College]\\College Team"
    down = clients.graph.list_memberships(group_descriptor, direction="down")
    member_descriptors = {m.member_descriptor for m in down}
    users = {u.descriptor: u for u in clients.graph.list_users().graph_users}
    assert {users[d].display_name for d in member_descriptors} == {
        p["name"] for p in PEOPLE.values() if p["team_member"] and p["in_organization"]}
    up = clients.graph.list_memberships(group_descriptor)
    contributors = next(g for g in groups if g.principal_name == "[College]\\Contributors")
    assert contributors.descriptor in {m.container_descriptor for m in up}


def test_list_users_pages_with_continuation_token(clients, devops_sandbox):
    devops_sandbox.reset(page_size=2)
    first = clients.graph.list_users()
    assert len(first.graph_users) == 2 and first.continuation_token
    names = [u.display_name for u in first.graph_users]
    token = first.continuation_token
    while token:
        following = clients.graph.list_users(continuation_token=token)
        names += [u.display_name for u in following.graph_users]
        token = following.continuation_token
    assert len(names) == len({p["key"] for p in PEOPLE.values() if p["in_organization"]}) == len(set(names))


def test_entitlements_show_access_levels(clients):
    members = clients.entitlements.search_user_entitlements().members
    levels = {m.user.principal_name: m.access_level.account_license_type for m in members}
    assert levels[PEOPLE["alice"]["upn"]] == "express"
    assert levels[PEOPLE["erin"]["upn"]] == "stakeholder"
    assert PEOPLE["frank"]["upn"] not in levels
    filtered = clients.entitlements.search_user_entitlements(filter="licenseId eq 'Account-Stakeholder'").members
    assert [m.user.principal_name for m in filtered] == [PEOPLE["erin"]["upn"]]
    one = clients.entitlements.get_user_entitlement(members[0].id)
    assert one.user.descriptor == members[0].user.descriptor


def _onboard(clients, upn, level="express", project_id=None):
    entitlement = UserEntitlement(
        access_level=AccessLevel(account_license_type=level),
        user=GraphUser(principal_name=upn, subject_kind="user"),
        project_entitlements=[ProjectEntitlement(group={"groupType": "projectContributor"},
                                                 project_ref={"id": project_id})] if project_id else None,
    )
    return clients.entitlements.add_user_entitlement(entitlement)


def test_onboarding_creates_the_graph_user_and_team_membership(clients):
    frank = PEOPLE["frank"]
    project = clients.core.get_project("College")
    result = _onboard(clients, frank["upn"], "stakeholder", project.id)
    assert result.is_success
    user = result.user_entitlement.user
    assert user.origin_id == frank["aad_object_id"]
    assert result.user_entitlement.access_level.account_license_type == "stakeholder"
    assert frank["aad_object_id"] in {u.origin_id for u in clients.graph.list_users().graph_users}

    team, group_descriptor = _team_group(clients)
    membership = clients.graph.add_membership(user.descriptor, group_descriptor)
    assert membership.container_descriptor == group_descriptor
    members = clients.core.get_team_members_with_extended_properties("College", "College Team")
    assert {m.identity.display_name: m.is_team_admin for m in members}[frank["name"]] is False
    refreshed = clients.entitlements.get_user_entitlement(result.user_entitlement.id)
    assert refreshed.project_entitlements[0].team_refs[0].name == team.name


def test_onboarding_someone_outside_the_tenant_fails_softly(clients, exchanges):
    result = _onboard(clients, "mallory@example.com")
    assert result.is_success is False and result.user_entitlement is None
    # The SDK's UserEntitlementOperationResult model drops `errors`; the raw answer carries the reason.
    assert "mallory@example.com" in exchanges[-1].body["operationResult"]["errors"][0]["value"]
    not_email = _onboard(clients, "not-an-address")
    assert not_email.is_success is False


def test_onboarding_an_existing_member_changes_nothing(clients):
    alice = PEOPLE["alice"]
    before = {m.user.principal_name: m.access_level.account_license_type
              for m in clients.entitlements.search_user_entitlements().members}
    result = _onboard(clients, alice["upn"], "stakeholder")
    assert result.is_success and result.user_entitlement.access_level.account_license_type == "express"
    after = {m.user.principal_name: m.access_level.account_license_type
             for m in clients.entitlements.search_user_entitlements().members}
    assert before == after


def test_unknown_descriptor_is_404(clients):
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.graph.get_user("aad.bm9ib2R5")
    assert caught.value.type_key == "GraphSubjectNotFoundException"
