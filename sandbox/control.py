"""The control API (main origin, under /_sandbox/, PAT-protected): reset, faults, request log, clock, readiness,
sign-in.

It covers every origin, Azure DevOps and Azure ML alike. Control calls are neither logged nor subject to faults.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from .clock import iso
from .faults import FaultError
from .http import auth
from .state import pipelines, releases
from .state.scale import MAX_DEFINITIONS, MAX_PIPELINES, MAX_RUNS, seed_scale
from .state.seed import college_team
from .tokenservice import control as signins

if TYPE_CHECKING:
    from .server import Sandbox


def _json(body, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=json.dumps)


def _problem(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status)


async def _body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    raw = await request.read()
    if not raw.strip():
        return {}
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError("the body must be a JSON object")
    return parsed


def make_control(sandbox: Sandbox):
    async def control(request: web.Request) -> web.StreamResponse:
        if not auth.is_authorized(request.headers.get("Authorization"), sandbox.pat):
            return auth.unauthorized(sandbox.control_url, request.headers.get("Authorization") is not None)
        action = request.path.lower().rstrip("/").removeprefix("/_sandbox").strip("/")
        try:
            body = await _body(request) if request.method in ("POST", "PUT") else {}
        except ValueError as exc:
            return _problem(f"invalid JSON body: {exc}")
        route = _ROUTES.get((request.method, action))
        if route is None:
            return _problem(f"no control operation {request.method} /_sandbox/{action}", 404)
        answer = await route(sandbox, request, body)
        if request.method != "GET":  # service hooks: the change's events are delivered before the answer
            await sandbox.hooks.settle()
        return answer
    return control


async def _info(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    origins = {**sandbox.urls.origins, **sandbox.azureml.origins, "token": sandbox.tokens.origin}
    return _json({"origins": origins, "env": sandbox.env(),
                  "now": iso(sandbox.clock.now()), "azureml": await sandbox.azureml.ready(0)})


async def _ready(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    """Waits (``timeout_s``, default 120) until Azure ML's models and blob store are ready; 503 if they are not."""
    raw = request.query.get("timeout_s", "120")
    try:
        timeout = float(raw)
    except ValueError:
        return _problem("timeout_s must be a number of seconds")
    state = await sandbox.azureml.ready(timeout)
    ready = state["models"] == "ready" and state["blob_store"] == "ready"
    return _json({"ready": ready, **state}, 200 if ready else 503)


async def _reset(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    page_size = body.get("page_size")
    if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
        return _problem("page_size must be a positive integer")
    sandbox.reset(page_size=page_size)
    restored = await sandbox.azureml.restore_blobs()
    return _json({"reset": True, "now": iso(sandbox.clock.now()), "page_size": page_size,
                  "blobs_restored": None if restored is None else {"uploaded": restored.uploaded,
                                                                  "deleted": restored.deleted}})


async def _add_fault(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    try:
        rule = sandbox.faults.add(body)
    except FaultError as exc:
        return _problem(str(exc))
    return _json(rule.describe(), 201)


async def _list_faults(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    return _json(sandbox.faults.rules())


async def _clear_faults(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    return _json({"removed": sandbox.faults.clear()})


async def _requests(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    raw = request.query.get("since", "0")
    if not raw.lstrip("-").isdigit():
        return _problem("since must be an integer sequence number")
    return _json(sandbox.request_log.since(int(raw)))


async def _get_clock(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    return _json({"now": iso(sandbox.clock.now())})


async def _advance_clock(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    seconds = body.get("advance_s")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        return _problem("advance_s must be a non-negative number of seconds")
    return _json({"now": iso(sandbox.clock.advance(seconds))})


async def _pats(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    """A PAT per person in the organization: ``{key: {pat, upn, id}}`` (call Azure DevOps as that person)."""
    people = {p["key"]: p for p in college_team()["people"]}
    return _json({key: {"pat": pat, "upn": people[key]["upn"],
                        "id": sandbox.world.user_by_principal_name(people[key]["upn"]).storage_key}
                  for key, pat in sandbox.person_pats.items()})


async def _deploy_outcome(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    """``{release_id, stage, outcome: failed|succeeded}``: how the stage's next (or running) deployment ends."""
    with sandbox.lock:
        release = sandbox.world.releases.get(body.get("release_id"))
        env = next((e for e in (release or {}).get("environments", []) if e["name"] == body.get("stage")), None)
        if env is None or body.get("outcome") not in ("failed", "succeeded"):
            return _problem("needs release_id (a release), stage (its stage name) and outcome (failed|succeeded)")
        env["fail"] = body["outcome"] == "failed"
    return _json({"release_id": release["id"], "stage": env["name"], "outcome": body["outcome"]})


def _person(sandbox: Sandbox, key: object) -> str | None:
    """The storage key of a seeded person (``carol``), or None."""
    person = next((p for p in college_team()["people"] if p["key"] == key), None)
    return sandbox.world.user_by_principal_name(person["upn"]).storage_key if person else None


async def _pending_approval(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    """One more pending approval for a person: ``{release_id, stage, approver}`` (a classic pre-deployment approval
    of a stage that waits for its approvals) or ``{run_id, environment, approver}`` (a YAML environment approval of a
    run). As a stage with a second approver (a person and a group they are in) or a run reaching a second guarded
    environment would have it."""
    with sandbox.lock:
        world, approver = sandbox.world, _person(sandbox, body.get("approver"))
        if approver is None:
            return _problem("approver must be a person's key (carol)")
        if "run_id" in body:
            run = world.runs.get(body["run_id"]) if isinstance(body["run_id"], int) else None
            env = next((e for e in world.environments.values() if e["name"] == body.get("environment")), None)
            if run is None or env is None or run["state"] != "inProgress":
                return _problem("needs run_id (a run in progress) and environment (an environment's name)")
            at = sandbox.clock.now()
            if pipelines.new_approval_id(run, env) in world.pipeline_approvals:
                return _problem("that run has an approval for that environment already")
            approval = pipelines.new_approval(world, run, {**env, "approvers": [approver]}, at)
            return _json({"run_id": run["id"], "environment": env["name"], "approval_id": approval["id"]}, 201)
        release = world.releases.get(body.get("release_id")) if isinstance(body.get("release_id"), int) else None
        env = next((e for e in (release or {}).get("environments", []) if e["name"] == body.get("stage")), None)
        if env is None or env["status"] != "queued" or not releases.pending_approvals(world, env):
            return _problem("needs release_id (a release) and stage (its stage that waits for approvals)")
        approval = releases.add_approval(world, release, env, approver, sandbox.clock.now())
        return _json({"release_id": release["id"], "stage": env["name"], "approval_id": approval["id"]}, 201)


async def _seed(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    """A scale seed added to the world: ``{pipelines, release_definitions, runs_per_pipeline}`` (state/scale.py)."""
    limits = {"pipelines": MAX_PIPELINES, "release_definitions": MAX_DEFINITIONS, "runs_per_pipeline": MAX_RUNS}
    counts = {name: body.get(name, 0) for name in limits}
    if set(body) - set(limits) or any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= limits[k]
                                      for k, v in counts.items()):
        return _problem("needs pipelines (0-5000), release_definitions (0-1000) and runs_per_pipeline (0-20)")
    with sandbox.lock:
        seeded = seed_scale(sandbox.world, sandbox.clock.now(), **counts, requested_by=_person(sandbox, "bob"),
                            approver=_person(sandbox, "carol"))
    return _json(seeded, 201)


async def _sign_in(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    try:
        return _json(signins.sign_in(sandbox, body))
    except signins.ControlProblem as exc:
        return _problem(str(exc))


async def _sign_out(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    try:
        return _json(signins.sign_out(sandbox, body))
    except signins.ControlProblem as exc:
        return _problem(str(exc))


async def _signed_in(sandbox: Sandbox, request: web.Request, body: dict) -> web.Response:
    return _json(signins.sessions(sandbox))


_ROUTES = {
    ("GET", ""): _info,
    ("GET", "ready"): _ready,
    ("POST", "reset"): _reset,
    ("POST", "faults"): _add_fault,
    ("GET", "faults"): _list_faults,
    ("DELETE", "faults"): _clear_faults,
    ("GET", "requests"): _requests,
    ("GET", "clock"): _get_clock,
    ("POST", "clock"): _advance_clock,
    ("GET", "pats"): _pats,
    ("POST", "deploy_outcome"): _deploy_outcome,
    ("POST", "pending_approval"): _pending_approval,
    ("POST", "seed"): _seed,
    ("POST", "signin"): _sign_in,
    ("POST", "signout"): _sign_out,
    ("GET", "signin"): _signed_in,
}
