"""The two onnx.reference traps the seeded models avoid, checked against onnxruntime on small tensors."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from sandbox.models.reference import expected_outputs


def run_ort(model) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": X})[0]


X = np.random.default_rng(0).standard_normal((1, 3, 5, 5), dtype=np.float32)


def model_of(nodes, initializers, opset: int, out_shape):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, X.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("opset", [8, 9, 13, 15])
def test_batch_normalization_uses_the_stored_statistics_at_every_opset(opset):
    rng = np.random.default_rng(opset)
    stats = {k: rng.uniform(0.5, 1.5, 3).astype(np.float32) for k in ("scale", "B", "mean", "var")}
    model = model_of([helper.make_node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"],
                                       epsilon=1e-5)],
                     [numpy_helper.from_array(v, k) for k, v in stats.items()], opset, X.shape)
    by_hand = (stats["scale"].reshape(-1, 1, 1) * (X - stats["mean"].reshape(-1, 1, 1))
               / np.sqrt(stats["var"].reshape(-1, 1, 1) + 1e-5) + stats["B"].reshape(-1, 1, 1))
    expected = expected_outputs(model, {"x": X})["y"]
    np.testing.assert_allclose(expected, by_hand, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run_ort(model), expected, rtol=1e-5, atol=1e-6)


def test_pad_edge_then_maxpool_is_the_stride_one_pool_with_end_padding():
    padded = model_of([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[1, 1],
                                        pads=[0, 0, 1, 1])], [], 8, X.shape)
    rewritten = model_of([helper.make_node("Pad", ["x"], ["p"], mode="edge", pads=[0, 0, 0, 0, 0, 0, 1, 1]),
                          helper.make_node("MaxPool", ["p"], ["y"], kernel_shape=[2, 2], strides=[1, 1])],
                         [], 8, X.shape)
    reference = expected_outputs(rewritten, {"x": X})["y"]
    assert reference.shape == X.shape
    np.testing.assert_array_equal(reference, run_ort(padded))
    np.testing.assert_array_equal(run_ort(rewritten), run_ort(padded))
