"""doctor's checks and the connection diagnosis as pure functions over plain data; the two cards within Teams' size
limit whatever the data."""

from __future__ import annotations

import json

import pytest

from bot.services.checks.model import CheckResult
from bot.services.devops.connections import diagnose, from_test_result
from bot.services.devops.model import (
    Artifact,
    ConnectionTest,
    Extension,
    Member,
    ReleaseDefinition,
    Repository,
    SecureFile,
    ServiceConnection,
    TestState,
)
from bot.services.devops.workshop_checks import (
    ORDER,
    Expected,
    check_connection,
    check_extension,
    check_members,
    check_release,
    check_repository,
    check_secure_file,
    finalise,
    pending,
)
from cards.connections import ConnectionView, connections_card
from cards.doctor import doctor_card
from tests.harness.cards import MAX_CARD_BYTES, assert_valid_card, card_texts

E = Expected(project="College", team="College Team")
EXPIRED = ("Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: "
           "AADSTS7000222: The provided client secret keys for app 'abc' are expired.")


def conn(name: str, type_: str = "azurerm", id_: str = "") -> ServiceConnection:
    return ServiceConnection(id=id_ or name, name=name, type=type_, scheme="ServicePrincipal", is_ready=True,
                             parameters={"serviceprincipalid": "app-1", "tenantid": "t"})


PASSED = ConnectionTest(TestState.PASSED, seconds=0.2)
FAILED = ConnectionTest(TestState.FAILED, EXPIRED, "badRequest")
TIMED_OUT = ConnectionTest(TestState.TIMED_OUT, "No answer within 10 s.")
ERROR = ConnectionTest(TestState.ERROR, "Azure DevOps answered 503.")


# ---- repository, members, secure file, extension ------------------------------------------------------------------
def test_repository_missing_disabled_empty_and_imported():
    missing = check_repository(None, E)
    assert missing.state == "fail"
    assert missing.next_step.startswith("Type `repo import https://github.com/Azure/aidevcollege as aidevcollege`")
    disabled = check_repository(Repository("1", "aidevcollege", "master", is_disabled=True), E)
    assert disabled.state == "fail" and "Disable repository: Off" in disabled.next_step
    empty = check_repository(Repository("1", "aidevcollege"), E)
    assert empty.state == "fail" and "exists but is empty" in empty.detail
    assert "Repos → aidevcollege → Import" in empty.next_step and "imports into the empty repository" in empty.next_step
    ok = check_repository(Repository("1", "aidevcollege", "master", size=48_213_004), E)
    assert ok.state == "pass" and ok.detail == "default branch master, 48.2 MB" and not ok.next_step


def test_repository_names_come_from_settings():
    e = Expected(project="P", team="T", repository="mlops", repository_url="https://github.com/org/mlops")
    assert check_repository(None, e).next_step.startswith("Type `repo import https://github.com/org/mlops as mlops`")


def test_members():
    none = check_members([], E)
    assert none.state == "fail" and "`onboard dana@contoso.com erin@contoso.com`" in none.next_step
    many = [Member(f"Person {i:02}", "") for i in range(12)] + [Member("Alice", "", is_admin=True)]
    ok = check_members(many, E)
    assert ok.state == "pass" and ok.detail.startswith("13 member(s): Alice (admin), Person 00")
    assert ok.detail.endswith("and 5 more")


def test_secure_file_name_is_case_insensitive_and_hint_only_for_config_json():
    assert check_secure_file([SecureFile("1", "CONFIG.JSON")], E).state == "pass"
    missing = check_secure_file([SecureFile("1", "other.json")], E)
    assert missing.state == "fail" and "service_principal_password" in missing.next_step
    other = check_secure_file([], Expected(project="P", team="T", secure_file="kube.yaml"))
    assert "kube.yaml" in other.next_step and "service_principal" not in other.next_step


def test_extension_missing_disabled_installed():
    missing = check_extension(None, E)
    assert missing.state == "fail"
    assert "https://marketplace.visualstudio.com/items?itemName=ms-air-aiagility.vss-services-azureml" in \
        missing.next_step
    disabled = check_extension(Extension("ms-air-aiagility", "vss-services-azureml", "Machine Learning",
                                             flags="disabled, trusted"), E)
    assert disabled.state == "fail" and "Extensions → Machine Learning → Enable" in disabled.next_step
    ok = check_extension(Extension("ms-air-aiagility", "vss-services-azureml", "Machine Learning", "0.1.48"), E)
    assert ok.state == "pass" and ok.detail == "Machine Learning 0.1.48"


# ---- connections -----------------------------------------------------------------------------------------------
def test_any_connection_of_the_type_passing_is_enough():
    connections = [conn("aml"), conn("legacy"), conn("GitHub", "github")]
    view = check_connection("azurerm", connections, {"aml": PASSED, "legacy": FAILED, "GitHub": PASSED}, E)
    assert view.state == "pass" and view.detail == "aml passes; legacy does not (type connections for details)"


def test_a_missing_type_is_known_before_any_test():
    view = check_connection("github", [conn("aml")], {}, E)
    assert view.state == "fail" and "New service connection → GitHub" in view.next_step


def test_pending_until_every_candidate_answered():
    assert check_connection("azurerm", [conn("a"), conn("b")], {"a": FAILED}, E).state == "pending"


def test_the_most_telling_failure_is_reported():
    connections = [conn("a"), conn("b"), conn("c")]
    view = check_connection("azurerm", connections, {"a": TIMED_OUT, "b": FAILED, "c": ERROR}, E)
    assert view.state == "fail" and view.detail.startswith("b: The service principal's client secret has expired.")
    assert "2 other Azure Resource Manager connection(s) fail too" in view.detail
    assert view.reason == f"The service said: {EXPIRED}" and "Renew the secret" in view.next_step
    only_timeouts = check_connection("azurerm", connections[:1], {"a": TIMED_OUT}, E)
    assert only_timeouts.state == "timeout" and "within 10 s" in only_timeouts.detail


def test_a_named_connection_must_exist_and_be_of_the_type():
    e = Expected(project="P", team="T", arm_connection="aml", github_connection="GitHub")
    assert check_connection("azurerm", [conn("AML")], {"AML": PASSED}, e).state == "pass"  # names: any case
    missing = check_connection("azurerm", [conn("other")], {"other": PASSED}, e)
    assert missing.state == "fail" and "no service connection called aml" in missing.detail
    assert "Service connection name aml" in missing.next_step
    wrong = check_connection("github", [conn("GitHub", "azurerm")], {}, e)
    assert wrong.state == "fail" and "is a Azure Resource Manager connection, not GitHub" in wrong.detail


# ---- release -------------------------------------------------------------------------------------------------------
def definition(*artifacts: Artifact) -> ReleaseDefinition:
    return ReleaseDefinition(1, "TinyYOLO to IoT Edge", artifacts=artifacts)


ML = Artifact("_TinyYOLO", "AzureML", "aml", "aml-workspace-connection", "TinyYOLO")
GH = Artifact("_code", "GitHub", "gh", "GitHub")


def test_release_needs_an_azure_ml_model_artifact():
    none = check_release([definition(GH)], [conn("aml")], E)
    assert none.state == "fail" and "+ Add an artifact → AzureML" in none.next_step
    ok = check_release([definition(GH, ML)], [conn("aml")], E)
    assert ok.state == "pass" and ok.detail == "TinyYOLO to IoT Edge: model TinyYOLO through aml-workspace-connection"


def test_release_model_filter_and_dangling_connection():
    e = Expected(project="P", team="T", model="ResNet")
    assert "Model names ResNet" in check_release([definition(ML)], [conn("aml")], e).next_step
    dangling = check_release([definition(ML)], [conn("other")], E)
    assert dangling.state == "fail" and "which no longer exists" in dangling.detail
    assert "Edit → artifact _TinyYOLO" in dangling.next_step
    assert check_release([definition(ML)], None, E).state == "pass"  # connections unknown: not held against it


# ---- ordering and dependencies -----------------------------------------------------------------------------------
def test_a_missing_project_marks_what_depends_on_it():
    results = {"project": CheckResult("Project College exists", "fail", next_step="Create it")}
    views = finalise(results, E)
    assert views[0].title == "Project College exists" and len(views) == len(ORDER)
    by_title = {v.title: v for v in views}
    assert by_title["Extension ms-air-aiagility.vss-services-azureml is installed"].state == "pending"
    repo = by_title["Repository aidevcollege is imported"]
    assert repo.state == "error" and repo.next_step == "Fix the project first (see above)."


def test_a_missing_team_marks_the_members_check():
    views = finalise({"project": CheckResult("p", "pass"), "team": CheckResult("t", "fail")}, E)
    assert views[2].state == "error" and "team College Team does not exist" in views[2].detail


# ---- diagnosis ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("message", "type_", "summary", "step"), [
    (EXPIRED, "azurerm", "client secret has expired", "Certificates & secrets → New client secret"),
    ("AADSTS7000215: Invalid client secret provided.", "azurerm", "wrong client secret", "copy its Value"),
    ("AADSTS700016: Application with identifier 'x' was not found", "azurerm", "no longer exists",
     "App registrations → New registration"),
    ("AADSTS90002: Tenant 'x' not found.", "azurerm", "tenant that does not exist", "Tenant ID"),
    ("Failed to query service connection API: 'https://api.github.com/user'. Status Code: 'Unauthorized'",
     "github", "GitHub refused", "personal access token"),
    ("AADSTS50000: something else", "azurerm", "AADSTS50000", "Verify and save"),
    ("Something unexpected", "generic", "could not use the connection", "Verify to see the details"),
])
def test_diagnosis_of_failed_tests(message, type_, summary, step):
    diagnosis = diagnose(conn("c", type_), ConnectionTest(TestState.FAILED, message), timeout_s=10)
    assert diagnosis is not None and summary in diagnosis.summary and step in diagnosis.next_step
    assert "Project settings → Service connections → c" in diagnosis.next_step


def test_diagnosis_of_timeouts_errors_and_passes():
    assert diagnose(conn("c"), PASSED, timeout_s=10) is None
    assert "within 7.5 s" in diagnose(conn("c"), TIMED_OUT, timeout_s=7.5).summary
    assert "503" in diagnose(conn("c"), ERROR, timeout_s=10).summary


class Result:
    def __init__(self, status_code, error_message=""):
        self.status_code, self.error_message = status_code, error_message


def test_test_results_from_the_service():
    assert from_test_result(Result("ok"), 0.1).passed
    failed = from_test_result(Result("badRequest", EXPIRED), 0.1)
    assert failed.state is TestState.FAILED and failed.message == EXPIRED
    assert from_test_result(Result("ok", "warning text"), 0.1).state is TestState.FAILED
    assert "no status" in from_test_result(Result(None), 0.1).message


# ---- cards within Teams' limits ------------------------------------------------------------------------------------
def size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def test_connections_card_stays_under_25_kb_with_many_failing_connections():
    long_reason = "The service said: " + EXPIRED * 10
    views = [ConnectionView(f"connection-{i:03}", "Azure Resource Manager", "Service principal (secret)", True,
                            "failed · TinyYOLO to IoT Edge · Release-9 · 1 days ago", "fail", "TestConnection failed",
                            long_reason, "Renew the secret " * 20, f"https://dev.azure.com/o/p/_settings/x?id={i}")
             for i in range(300)]
    card = connections_card("College", views, pending=False, timeout_s=10)
    assert_valid_card(card)
    assert size(card) < MAX_CARD_BYTES
    texts = "\n".join(card_texts(card))
    assert "more not shown" in texts and "300 connection(s)" in texts


def test_connections_card_shows_failures_first_and_no_buttons_while_testing():
    views = [ConnectionView("a-ok", "GitHub", "Token", True, "never used", "pass", "passed"),
             ConnectionView("z-bad", "GitHub", "Token", True, "never used", "fail", "failed", "r", "do this"),
             ConnectionView("m-wait", "GitHub", "Token", False, "never used", "pending", "testing…")]
    card = connections_card("College", views, pending=True, timeout_s=10)
    assert_valid_card(card)
    titles = [t for t in card_texts(card) if "**" in t]
    assert titles[0].startswith("❌ **z\\-bad**") and titles[-1].startswith("✅ **a\\-ok**")
    assert "actions" not in card
    assert "no \\(not ready" not in "".join(card_texts(card))  # plain text, not escaped
    empty = connections_card("College", [], pending=False, timeout_s=10)
    assert_valid_card(empty) and "no service connections" in "\n".join(card_texts(empty))


def test_doctor_card_stays_under_25_kb_with_every_item_failing_at_length():
    checks = [CheckResult(f"Check {key}", "fail", "detail " * 50, EXPIRED * 3, "step " * 100) for key in ORDER]
    card = doctor_card("College", checks, pending=False, checked_at="10:00 UTC")
    assert_valid_card(card)
    assert size(card) < MAX_CARD_BYTES
    assert "0 of 9 checks pass" in "\n".join(card_texts(card))


def test_doctor_card_while_checking():
    checks = [pending(key, E) for key in ORDER]
    card = doctor_card("College", checks, pending=True)
    assert_valid_card(card)
    assert "actions" not in card and "updates itself" in "\n".join(card_texts(card))
