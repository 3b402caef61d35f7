"""The sandbox's seeded models: what is registered, the Tiny YOLOv2 shape, test data, the corrupt file, the cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from sandbox.models import cache_key, seed_models
from sandbox.models.cache import COMPLETE_MARKER

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {p["name"] for p in json.loads((ROOT / "sandbox/world/college_team.json").read_text())["people"]}


def test_the_catalog(seeded_models):
    assert sorted(seeded_models) == [("TinyResNet", 1), ("TinyResNet", 2), ("TinyYOLO", 1), ("TinyYOLO", 2),
                                     ("TinyYOLO", 3)]
    for version in seeded_models.values():
        assert version.model_format == "ONNX"
        assert version.created_by in PEOPLE
        assert version.description and version.tags and version.created_days_ago > 0
        assert (version.directory / "model.onnx").is_file()
        hash(version)  # frozen and hashable although its tags are a dict
    by_age = sorted((v for v in seeded_models.values() if v.name == "TinyYOLO"), key=lambda v: -v.created_days_ago)
    assert [v.version for v in by_age] == [1, 2, 3]


def test_tiny_yolo_has_the_workshop_models_shape(seeded_models):
    model = onnx.load(str(seeded_models["TinyYOLO", 1].directory / "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 8)]
    (graph_input,), (graph_output,) = model.graph.input, model.graph.output

    def shape(value: onnx.ValueInfoProto) -> list[int | str]:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert (graph_input.name, shape(graph_input)) == ("image", ["N", 3, 416, 416])
    assert (graph_output.name, shape(graph_output)) == ("grid", ["N", 125, 13, 13])
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    parameters = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert 15_800_000 < parameters < 16_000_000
    # The stride-1 pool is Pad(edge) + an unpadded MaxPool, never MaxPool with asymmetric pads.
    pools = [n for n in model.graph.node if n.op_type == "MaxPool"]
    assert len(pools) == 6 and all("pads" not in {a.name for a in n.attribute} for n in pools)
    assert [onnx.helper.get_attribute_value(a) for n in model.graph.node if n.op_type == "Pad"
            for a in n.attribute if a.name == "mode"] == [b"edge"]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_tiny_yolo_versions_have_model_zoo_test_data(seeded_models, version):
    data_set = seeded_models["TinyYOLO", version].directory / "test_data_set_0"
    assert sorted(p.name for p in data_set.iterdir()) == ["input_0.pb", "output_0.pb"]
    image = onnx.load_tensor(str(data_set / "input_0.pb"))
    grid = onnx.load_tensor(str(data_set / "output_0.pb"))
    assert (image.name, list(image.dims)) == ("image", [1, 3, 416, 416])
    assert (grid.name, list(grid.dims)) == ("grid", [1, 125, 13, 13])
    assert np.isfinite(numpy_helper.to_array(grid)).all()


def test_versions_have_their_own_weights(seeded_models):
    digests = {onnx.load(str(seeded_models["TinyYOLO", v].directory / "model.onnx")).graph.initializer[1]
               .raw_data[:64] for v in (1, 2, 3)}
    assert len(digests) == 3


def test_tiny_resnet_1_has_no_test_data_and_2_is_corrupt(seeded_models):
    first, second = seeded_models["TinyResNet", 1].directory, seeded_models["TinyResNet", 2].directory
    assert [p.name for p in first.iterdir()] == ["model.onnx"]
    onnx.checker.check_model(onnx.load(str(first / "model.onnx")), full_check=True)
    assert [p.name for p in second.iterdir()] == ["model.onnx"]
    with pytest.raises(Exception, match=r"(?i)pars|corrupt|truncat"):
        onnx.load(str(second / "model.onnx"))


def test_a_second_call_uses_the_cache(seeded_models):
    folder = seeded_models["TinyYOLO", 1].directory.parents[1]
    marker = folder / COMPLETE_MARKER
    before = marker.stat().st_mtime_ns
    again = seed_models()
    assert marker.stat().st_mtime_ns == before
    assert {(v.name, v.version): v.directory for v in again} == {k: v.directory for k, v in seeded_models.items()}
    assert folder.name == cache_key()
    assert f"onnx{onnx.__version__}" in cache_key() and "seed9" in cache_key()
    manifest = json.loads(marker.read_text())
    assert manifest["onnx"] == onnx.__version__ and "TinyYOLO/3/model.onnx" in manifest["files"]
