"""Expected outputs from onnx.reference.ReferenceEvaluator, an ONNX implementation independent of onnxruntime.

Trap, seen with onnx 1.23.2: for BatchNormalization at opsets 7-13 the evaluator computes training-mode
statistics (opset 7-8: `is_test` no longer exists, so it takes the training branch and fails; opset 9-13: the
schema's default `momentum` makes it mix in the batch's own mean and variance). A model in inference, as every
exported model is, uses the stored mean and variance: the override below runs onnx's own inference formula
(`_batchnorm_test_mode`) for every BatchNormalization, whatever its opset.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
from onnx.reference.ops.op_batch_normalization import _batchnorm_test_mode


class BatchNormalization(OpRun):
    """Inference-mode batch normalisation with the stored statistics (onnx's own formula)."""

    op_domain = ""

    def _run(self, x, scale, bias, mean, var, epsilon=None, **_attributes):
        return (_batchnorm_test_mode(x, scale, bias, mean, var, epsilon=epsilon),)


def expected_outputs(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every graph output of `model` for `feeds`, by output name, as onnx.reference computes them."""
    evaluator = ReferenceEvaluator(model, new_ops=[BatchNormalization])
    names = [output.name for output in model.graph.output]
    return dict(zip(names, evaluator.run(None, feeds), strict=True))
