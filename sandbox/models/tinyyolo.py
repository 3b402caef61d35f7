"""The workshop's Tiny YOLOv2 graph (VOC, opset 8) built with onnx.helper from given weights.

Shape of the ONNX model zoo's tinyyolov2-8: input `image` float32 [N,3,416,416] (pixels 0..255), nine 3x3/1x1
convolutions with batch normalisation and leaky ReLU, five stride-2 max pools and one stride-1 max pool, output
`grid` float32 [N,125,13,13] (13x13 cells x 5 anchors x (4 box + 1 objectness + 20 classes)); 15.9 M parameters.

The zoo's stride-1 pool pads asymmetrically (`pads=[0,0,1,1]`), which onnx.reference's MaxPool misreads (it
returns 12x14); here it is an explicit `Pad` (mode edge) before an unpadded MaxPool, which computes the same
maximum and on which both onnx.reference and onnxruntime agree.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 8
IR_VERSION = 4  # what an opset-8 exporter writes (onnx 1.3)
INPUT = "image"
OUTPUT = "grid"
SIDE = 416
CELLS = 13
OUTPUT_CHANNELS = 125
# (output channels, kernel size) of conv1..conv9; conv1..conv8 are followed by BN + LeakyRelu.
CONVS = ((16, 3), (32, 3), (64, 3), (128, 3), (256, 3), (512, 3), (1024, 3), (1024, 3), (OUTPUT_CHANNELS, 1))
STRIDE_2_POOLS = 5  # after conv1..conv5; a stride-1 pool follows conv6
LEAKY_ALPHA = 0.1
BN_EPSILON = 1e-5


def random_weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Seeded weights: He-scaled convolutions, batch-norm statistics that keep activations near unit scale."""
    weights: dict[str, np.ndarray] = {}
    channels = 3
    for index, (out, kernel) in enumerate(CONVS, start=1):
        fan_in = channels * kernel * kernel
        scale = np.sqrt(2.0 / fan_in)
        weights[f"conv{index}.W"] = (rng.standard_normal((out, channels, kernel, kernel), dtype=np.float32)
                                     * np.float32(scale))
        if index < len(CONVS):
            weights[f"bn{index}.scale"] = rng.uniform(0.8, 1.2, out).astype(np.float32)
            weights[f"bn{index}.B"] = rng.uniform(-0.1, 0.1, out).astype(np.float32)
            weights[f"bn{index}.mean"] = rng.uniform(-0.1, 0.1, out).astype(np.float32)
            weights[f"bn{index}.var"] = rng.uniform(0.8, 1.2, out).astype(np.float32)
        else:
            weights[f"conv{index}.B"] = rng.uniform(-0.1, 0.1, out).astype(np.float32)
        channels = out
    return weights


def build(weights: dict[str, np.ndarray], *, doc: str = "") -> onnx.ModelProto:
    """The graph with these weights as initializers (names as random_weights makes them)."""
    nodes = [helper.make_node("Mul", [INPUT, "scale"], ["scaled"], name="scalerPreprocessor")]
    initializers = [numpy_helper.from_array(_scalar(1 / 255), "scale")]
    current = "scaled"
    for index, (_, kernel) in enumerate(CONVS, start=1):
        conv_inputs = [current, f"conv{index}.W"] + ([f"conv{index}.B"] if index == len(CONVS) else [])
        pad = kernel // 2
        conv_out = OUTPUT if index == len(CONVS) else f"conv{index}"
        nodes.append(helper.make_node("Conv", conv_inputs, [conv_out], name=f"conv{index}",
                                      kernel_shape=[kernel, kernel], strides=[1, 1], pads=[pad] * 4))
        if index == len(CONVS):
            break
        nodes.append(helper.make_node(
            "BatchNormalization",
            [conv_out, f"bn{index}.scale", f"bn{index}.B", f"bn{index}.mean", f"bn{index}.var"],
            [f"bn{index}"], name=f"bn{index}", epsilon=BN_EPSILON))
        nodes.append(helper.make_node("LeakyRelu", [f"bn{index}"], [f"leaky{index}"], name=f"leaky{index}",
                                      alpha=LEAKY_ALPHA))
        current = f"leaky{index}"
        if index <= STRIDE_2_POOLS:
            nodes.append(helper.make_node("MaxPool", [current], [f"pool{index}"], name=f"pool{index}",
                                          kernel_shape=[2, 2], strides=[2, 2]))
            current = f"pool{index}"
        elif index == STRIDE_2_POOLS + 1:
            # The zoo's MaxPool(kernel 2, stride 1, pads [0,0,1,1]) as Pad(edge) + unpadded MaxPool.
            nodes.append(helper.make_node("Pad", [current], [f"padded{index}"], name=f"pad{index}", mode="edge",
                                          pads=[0, 0, 0, 0, 0, 0, 1, 1]))
            nodes.append(helper.make_node("MaxPool", [f"padded{index}"], [f"pool{index}"], name=f"pool{index}",
                                          kernel_shape=[2, 2], strides=[1, 1]))
            current = f"pool{index}"
    initializers += [numpy_helper.from_array(array, name) for name, array in weights.items()]
    graph = helper.make_graph(
        nodes, "tiny_yolov2", [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, SIDE, SIDE])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", OUTPUT_CHANNELS, CELLS, CELLS])],
        initializers)
    model = helper.make_model(graph, producer_name="college-bot-sandbox", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)], doc_string=doc)
    model.ir_version = IR_VERSION
    return model


def sample_input(rng: np.random.Generator, batch: int = 1) -> np.ndarray:
    """A smooth seeded picture (pixels 0..255, float32 [batch,3,416,416]): gradients plus a little noise."""
    axis = np.linspace(0.0, 1.0, SIDE, dtype=np.float32)
    images = np.empty((batch, 3, SIDE, SIDE), dtype=np.float32)
    for b in range(batch):
        for c in range(3):
            fx, fy, phase = rng.uniform(1.0, 6.0), rng.uniform(1.0, 6.0), rng.uniform(0.0, 6.3)
            wave = np.sin(fx * np.pi * axis[None, :] + phase) * np.cos(fy * np.pi * axis[:, None])
            noise = rng.standard_normal((SIDE, SIDE), dtype=np.float32) * 0.1
            images[b, c] = np.clip((wave + noise + 1.0) * 127.5, 0.0, 255.0)
    return images


def _scalar(value: float) -> np.ndarray:
    return np.array(value, dtype=np.float32)
