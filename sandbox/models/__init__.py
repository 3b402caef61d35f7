"""The models of the sandbox's Azure ML workspace, built from seeded weights on first use (see catalog.py).

    from sandbox.models import seed_models
    for version in seed_models():   # [SeededModelVersion(name, version, directory, tags, ...)]
        version.directory / "model.onnx"

Each version's `directory` is a model-zoo style folder (`model.onnx` + `test_data_set_N/input_K.pb`,
`output_K.pb`). Graphs and test data are built once per machine into a cache keyed by (seed, onnx version, build
format) and never committed (cache.py says where). Importing this package is cheap: numpy and onnx are imported
only when a build is needed.
"""

from __future__ import annotations

from importlib.metadata import version as installed_version
from pathlib import Path

from sandbox.models.cache import cache_root, ensure_built
from sandbox.models.catalog import BUILD_FORMAT, SEED, SeededModelVersion, versions

__all__ = ["SeededModelVersion", "cache_key", "seed_models"]


def cache_key() -> str:
    """The build cache's key: the seed, the installed onnx version and the build format."""
    return f"seed{SEED}-onnx{installed_version('onnx')}-format{BUILD_FORMAT}"


def seed_models(cache_dir: Path | None = None) -> list[SeededModelVersion]:
    """Every seeded model version, built first if this machine's cache (`cache_dir` is its root) lacks them."""
    onnx_version = installed_version("onnx")

    def build(folder: Path) -> None:
        from sandbox.models.build import build_all

        build_all(folder, onnx_version)

    return versions(ensure_built(cache_root(cache_dir), cache_key(), build))
