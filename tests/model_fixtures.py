"""The sandbox's seeded models as a session fixture, built once per machine (sandbox/models/cache.py says where).

Use from any test folder's conftest.py::

    from tests.model_fixtures import seeded_models  # noqa: F401

A cold cache costs one build (about 20 s on 2 cores: three Tiny YOLOv2 graphs and their onnx.reference outputs);
after that the fixture only looks the folders up.
"""

from __future__ import annotations

import pytest

from sandbox.models import SeededModelVersion, seed_models


@pytest.fixture(scope="session")
def seeded_models() -> dict[tuple[str, int], SeededModelVersion]:
    """Every seeded version by (name, version)."""
    return {(v.name, v.version): v for v in seed_models()}
