"""Importing this module registers every backend (bot.backends): one import per backend package.

Kept apart from the package's __init__ so that a child process that imports only the model checker
(bot.services.models) does not load every backend's client.
"""

from bot.services.azureml import backend as _azureml  # noqa: F401  (registration by import)
from bot.services.devops import backend as _devops  # noqa: F401
