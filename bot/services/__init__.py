"""Ports and adapters, one package per backend. Importing this package registers every backend (bot.backends)."""

from bot.services.azureml import backend as _azureml  # noqa: F401  (registration by import)
from bot.services.devops import backend as _devops  # noqa: F401
