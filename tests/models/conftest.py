"""Fixtures for the model checks: the sandbox's seeded models (tests/model_fixtures.py)."""

from tests import model_fixtures

seeded_models = model_fixtures.seeded_models
