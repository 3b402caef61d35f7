"""Every verb a card button can emit. Handlers register these same constants (bot.router.card_action);
a check at start-up and a test make sure none is left without a handler."""

CONFIRM = "confirm.yes"
CANCEL = "confirm.cancel"
HELP_COMMAND = "help.command"
CONNECTIONS_TEST = "connections.test"
DOCTOR_RUN = "doctor.run"
REPOS_MORE = "repos.more"
TEAM_MORE = "team.more"
MODELS_MORE = "models.more"
MODEL_SHOW = "model.show"
DOCTOR_FIX = "doctor.fix"
RELEASES_MORE = "releases.list"
RELEASE_SHOW = "release.show"
APPROVALS_LIST = "approvals.list"
APPROVAL_DECIDE = "approval.decide"
RUN_APPROVAL_DECIDE = "run_approval.decide"
APPROVALS_APPROVE_ALL = "approvals.approve_all"
PIPELINES_LIST = "pipelines.list"
SUBSCRIPTIONS_LIST = "subscriptions.list"
RELEASE_REDEPLOY = "release.redeploy"

ALL = frozenset({CONFIRM, CANCEL, HELP_COMMAND, CONNECTIONS_TEST, DOCTOR_RUN, REPOS_MORE, TEAM_MORE, MODELS_MORE,
                 MODEL_SHOW, DOCTOR_FIX, RELEASES_MORE, RELEASE_SHOW, APPROVALS_LIST, APPROVAL_DECIDE,
                 RUN_APPROVAL_DECIDE, APPROVALS_APPROVE_ALL, PIPELINES_LIST, SUBSCRIPTIONS_LIST, RELEASE_REDEPLOY})
