"""The container image builds only what production needs, runs as non-root with a health check, and
azure-pipelines.yml runs the project's tests. Static checks of the files (no Docker daemon here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
NOT_IN_PRODUCTION = ("sandbox", "tests", "bench", "deploy", "node_modules", "reference", "requirements-dev.txt",
                     "package.json", ".venv", ".env")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def test_the_image_copies_only_the_running_code():
    copied = []
    for word, args in _instructions():
        if word in ("COPY", "ADD"):
            parts = [p for p in args.split() if not p.startswith("--")]
            copied += [p.rstrip("/").removeprefix("./") for p in parts[:-1]]
    assert "." not in copied, "COPY . would bring the sandbox, tests and benches in"
    assert {"app.py", "bot", "cards", "dialogs", "requirements.txt"} <= set(copied)
    assert [p for p in copied if p.split("/")[0] in NOT_IN_PRODUCTION] == []


def test_only_the_runtime_requirements_are_installed():
    runs = " ".join(args for word, args in _instructions() if word == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert "requirements-dev" not in runs and not re.search(r"\b(pytest|ruff|playwright|npm)\b", runs)


def test_it_runs_as_a_non_root_user_with_a_health_check():
    instructions = _instructions()
    users = [args for word, args in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the last USER must not be root"
    assert [word for word, _ in instructions].index("USER") < [word for word, _ in instructions].index("CMD")
    health = [args for word, args in instructions if word == "HEALTHCHECK"]
    assert health and "/healthz" in health[0]
    assert any(word == "CMD" and "app.py" in args for word, args in instructions)


def test_the_build_context_leaves_out_everything_else():
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", ".dockerignore allow-lists what the image needs"
    allowed = {line.removeprefix("!").rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"app.py", "bot", "cards", "dialogs", "requirements.txt", "constraints.txt"}


def test_azure_pipelines_runs_make_test_and_publishes_the_artifacts():
    pipeline = yaml.safe_load((ROOT / "azure-pipelines.yml").read_text())
    jobs = {job["job"]: job for job in pipeline["jobs"]}
    test = jobs["test"]
    assert test["pool"]["vmImage"].startswith("ubuntu")
    steps = test["steps"]
    tasks = {step["task"]: step.get("inputs", {}) for step in steps if "task" in step}
    scripts = "\n".join(step["script"] for step in steps if "script" in step)
    assert tasks["UsePythonVersion@0"]["versionSpec"] == "3.11"
    assert tasks["UseNode@1"]["version"].startswith("20")
    assert "apt-get install" in scripts and "chromium" in scripts
    assert re.search(r"^\s*(PYTEST_ADDOPTS=\S+ )?make test\b", scripts, re.MULTILINE)
    assert tasks["PublishPipelineArtifact@1"]["targetPath"] == "test-artifacts"
    publish = next(step for step in steps if step.get("task") == "PublishPipelineArtifact@1")
    assert publish["condition"] == "succeededOrFailed()"


def test_azure_pipelines_builds_the_image_and_waits_for_its_health_check():
    pipeline = yaml.safe_load((ROOT / "azure-pipelines.yml").read_text())
    image = next(job for job in pipeline["jobs"] if job["job"] == "image")
    scripts = "\n".join(step["script"] for step in image["steps"] if "script" in step)
    assert "docker build -f deploy/Dockerfile" in scripts
    assert "State.Health.Status" in scripts and "healthy" in scripts


def test_the_copied_code_imports_nothing_that_is_left_out_of_the_image():
    """app.py, bot/, cards/ and dialogs/ import no first-party package the image leaves out (sandbox, deploy, ...).
    bot/docs.py is a developer tool (it rewrites README.md, which is not in the image) and may import anything."""
    import ast

    copied = {"app", "bot", "cards", "dialogs"}
    left_out = {"sandbox", "tests", "bench", "deploy", "reference"}
    files = [ROOT / "app.py", *(p for d in ("bot", "cards", "dialogs") for p in (ROOT / d).rglob("*.py"))]
    found = []
    for path in files:
        if path == ROOT / "bot" / "docs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in left_out]
    assert found == []
    assert copied <= {p.stem if p.is_file() else p.name for p in ROOT.iterdir()}
