"""A tiny ResNet-style image classifier (CIFAR-10 shaped) built with onnx.helper: the seeded model without test data.

Input `data` float32 [N,3,32,32], output `logits` float32 [N,10]: a 3x3 stem, one residual block, global average
pooling and a dense layer; opset 17, about 10 k parameters.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
INPUT = "data"
OUTPUT = "logits"
WIDTH = 16
CLASSES = 10


def random_weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Seeded He-scaled weights for the stem, the block's two convolutions and the classifier."""
    def conv(out: int, inp: int) -> np.ndarray:
        return rng.standard_normal((out, inp, 3, 3), dtype=np.float32) * np.float32(np.sqrt(2.0 / (inp * 9)))

    return {
        "stem.W": conv(WIDTH, 3), "stem.B": np.zeros(WIDTH, np.float32),
        "block.conv1.W": conv(WIDTH, WIDTH), "block.conv1.B": np.zeros(WIDTH, np.float32),
        "block.conv2.W": conv(WIDTH, WIDTH), "block.conv2.B": np.zeros(WIDTH, np.float32),
        "fc.W": rng.standard_normal((CLASSES, WIDTH), dtype=np.float32) * np.float32(np.sqrt(1.0 / WIDTH)),
        "fc.B": np.zeros(CLASSES, np.float32),
    }


def build(weights: dict[str, np.ndarray], *, doc: str = "") -> onnx.ModelProto:
    """The classifier graph with these weights as initializers."""
    def conv(name: str, source: str) -> onnx.NodeProto:
        return helper.make_node("Conv", [source, f"{name}.W", f"{name}.B"], [name], name=name,
                                kernel_shape=[3, 3], pads=[1, 1, 1, 1])

    nodes = [
        conv("stem", INPUT), helper.make_node("Relu", ["stem"], ["stem.relu"]),
        conv("block.conv1", "stem.relu"), helper.make_node("Relu", ["block.conv1"], ["block.relu1"]),
        conv("block.conv2", "block.relu1"),
        helper.make_node("Add", ["block.conv2", "stem.relu"], ["block.sum"]),
        helper.make_node("Relu", ["block.sum"], ["block.out"]),
        helper.make_node("GlobalAveragePool", ["block.out"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "fc.W", "fc.B"], [OUTPUT], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_resnet", [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", CLASSES])],
        [numpy_helper.from_array(array, name) for name, array in weights.items()])
    return helper.make_model(graph, producer_name="college-bot-sandbox", producer_version="1",
                             opset_imports=[helper.make_opsetid("", OPSET)], doc_string=doc)


def sample_input(rng: np.random.Generator, batch: int = 1) -> np.ndarray:
    """A seeded normalised image batch, float32 [batch,3,32,32]."""
    return rng.standard_normal((batch, 3, 32, 32), dtype=np.float32)
