"""Model checks with onnxruntime: `check_model` (run it in an isolated child), `compare` (two reports, for a card).

`python -m bot.services.models.check PATH... --json` is the same checker on the command line. Importing this package
imports neither numpy, onnx nor onnxruntime: the functions that run in the child import them.
"""

from bot.services.models.checker import check_model
from bot.services.models.compare import compare

__all__ = ["check_model", "compare"]
