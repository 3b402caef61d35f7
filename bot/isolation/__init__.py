"""Work that must run in another process (untrusted model files): limits, cancellation, every ending a result.

    runner = IsolatedRunner(max_jobs=2, limits=Limits(wall_s=30, rss_bytes=1 << 30))
    match await runner.run(check_model, "/tmp/model.onnx"):
        case Ok(value=report): ...
        case other: reply(other.describe())
"""

from bot.isolation.limits import Limits
from bot.isolation.results import Crashed, Failed, JobResult, Ok, OutOfMemory, Stopped, TimedOut
from bot.isolation.runner import IsolatedRunner

__all__ = ["Crashed", "Failed", "IsolatedRunner", "JobResult", "Limits", "Ok", "OutOfMemory", "Stopped",
           "TimedOut"]
