"""check_model through the bot's isolation runner: a real child process with limits, onnxruntime imported there."""

from __future__ import annotations

from bot.isolation import IsolatedRunner, Limits, Ok, OutOfMemory
from bot.services.models import check_model

MiB = 2**20
QUICK = {"warmup_runs": 1, "latency_runs": 3}


async def test_the_seeded_models_checked_in_a_child_process(seeded_models):
    runner = IsolatedRunner(max_jobs=1, limits=Limits(wall_s=120, rss_bytes=1024 * MiB))
    try:
        verdicts = {}
        for key in (("TinyYOLO", 1), ("TinyYOLO", 3), ("TinyResNet", 1), ("TinyResNet", 2)):
            result = await runner.run(check_model, str(seeded_models[key].directory), QUICK)
            assert isinstance(result, Ok), result
            verdicts[key] = result.value["verdict"]
            if key == ("TinyYOLO", 1):
                assert result.value["latency"]["runs"] == 3 and result.value["runtime"]["intra_op_num_threads"] == 1
    finally:
        await runner.close()
    assert verdicts == {("TinyYOLO", 1): "pass", ("TinyYOLO", 3): "fail", ("TinyResNet", 1): "no_test_data",
                        ("TinyResNet", 2): "cannot_run"}


async def test_a_check_over_its_memory_limit_is_out_of_memory_and_the_next_one_runs(seeded_models):
    runner = IsolatedRunner(max_jobs=1)
    tiny_yolo = str(seeded_models["TinyYOLO", 2].directory)
    try:
        starved = await runner.run(check_model, tiny_yolo, QUICK, limits=Limits(wall_s=120, rss_bytes=150 * MiB))
        enough = await runner.run(check_model, tiny_yolo, QUICK, limits=Limits(wall_s=120, rss_bytes=1024 * MiB))
    finally:
        await runner.close()
    assert isinstance(starved, OutOfMemory) and starved.how == "rss_limit"
    assert isinstance(enough, Ok) and enough.value["verdict"] == "pass"
