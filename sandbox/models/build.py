"""Builds every catalog version into a folder (seeded weights, model-zoo test data from onnx.reference)."""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from pathlib import Path

import numpy as np

from sandbox.models import tinyresnet, tinyyolo, zoo
from sandbox.models.catalog import BUILD_FORMAT, ENTRIES, SEED, Entry, folder
from sandbox.models.reference import expected_outputs

MANIFEST = "manifest.json"
NETWORKS = {"tinyyolo": tinyyolo, "tinyresnet": tinyresnet}
DRIFT = 0.05  # drifted layers get noise of this fraction of their weights' spread
DRIFTED_LAYERS = ("conv8.W", "conv9.W")
TRUNCATE_AT = 0.6  # a cut-off upload keeps this share of the file


def build_all(target: Path, onnx_version: str) -> None:
    """Every version's folder under `target`, then `manifest.json` (written last: its presence means complete)."""
    started = time.monotonic()
    for entry in ENTRIES:
        build_version(folder(target, entry), entry)
    manifest = {
        "seed": SEED, "onnx": onnx_version, "build_format": BUILD_FORMAT,
        "build_seconds": round(time.monotonic() - started, 2),
        "files": {str(p.relative_to(target)): {"size": p.stat().st_size, "sha256": _sha256(p)}
                  for p in sorted(target.rglob("*")) if p.is_file()},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


def build_version(destination: Path, entry: Entry) -> None:
    """One version: model.onnx, and test_data_set_0 when its recipe has test data."""
    recipe = entry.recipe
    network = NETWORKS[recipe.network]
    rng = np.random.default_rng([SEED, zlib.crc32(recipe.network.encode()), recipe.weights_seed])
    weights = network.random_weights(rng)
    doc = f"{entry.name} {entry.version}: {entry.description} (College Bot sandbox, seeded weights)"
    intended = network.build(weights, doc=doc)
    if recipe.test_data:
        feeds = {network.INPUT: network.sample_input(rng)}
        expected = expected_outputs(intended, feeds)
        zoo.write_test_data_set(destination, 0, feeds, expected, input_order=[network.INPUT],
                                output_order=[network.OUTPUT])
        del expected
    shipped = network.build(_drifted(weights, rng), doc=doc) if recipe.drifted else intended
    del intended, weights
    data = shipped.SerializeToString()
    del shipped
    if recipe.truncated:
        data = data[: int(len(data) * TRUNCATE_AT)]
    zoo.write_model(destination, data)


def _drifted(weights: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    changed = dict(weights)
    for name in DRIFTED_LAYERS:
        layer = weights[name]
        noise = rng.standard_normal(layer.shape, dtype=np.float32) * np.float32(DRIFT * float(layer.std()))
        changed[name] = layer + noise
    return changed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
