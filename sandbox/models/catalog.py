"""What the sandbox's Azure ML workspace has registered: every seeded model version and how it is made.

TinyYOLO 1, 2 and 3 are the workshop's Tiny YOLOv2, each with one model-zoo test data set whose expected outputs
come from onnx.reference: versions 1 and 2 pass it; version 3's weights drifted after its test data was made (its
expected outputs are those of the weights it should have had), so it fails it, the regression a release must not
ship. TinyResNet 1 is a small classifier registered without test data; TinyResNet 2 is the same network whose
upload was cut off: its file is truncated (corrupt), and it is the model's latest version. TinyYOLO's latest is 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEED = 9  # issue 9; with the onnx version, the key of the build cache
BUILD_FORMAT = 1  # bump when what is built changes, so that caches built before are not used


@dataclass(frozen=True)
class SeededModelVersion:
    """One registered model version, its files in a model-zoo style folder (model.onnx + test_data_set_N/)."""

    name: str
    version: int
    directory: Path
    tags: dict[str, str] = field(hash=False)
    description: str
    created_by: str
    created_days_ago: float
    model_format: str = "ONNX"


@dataclass(frozen=True)
class Recipe:
    """How a version's folder is built: which network, its weights' seed, and what is wrong with it."""

    network: str  # "tinyyolo" | "tinyresnet"
    weights_seed: int
    test_data: bool = False
    drifted: bool = False  # the file's weights differ from those its test data was made with
    truncated: bool = False  # the file is cut off (a broken upload)


@dataclass(frozen=True)
class Entry:
    """A catalog line: the registration's metadata and its recipe."""

    name: str
    version: int
    recipe: Recipe
    tags: tuple[tuple[str, str], ...]
    description: str
    created_by: str  # a person of sandbox/world/college_team.json
    created_days_ago: float


_DETECTION = (("task", "object-detection"), ("classes", "20"))
_CLASSIFIER = (("task", "classification"), ("dataset", "CIFAR-10"))

ENTRIES: tuple[Entry, ...] = (
    Entry("TinyYOLO", 1, Recipe("tinyyolo", 1, test_data=True), (*_DETECTION, ("dataset", "VOC2007")),
          "Tiny YOLOv2 from the workshop, trained on Pascal VOC 2007", "Dave Datascientist", 42.0),
    Entry("TinyYOLO", 2, Recipe("tinyyolo", 2, test_data=True), (*_DETECTION, ("dataset", "VOC2007+2012")),
          "Tiny YOLOv2 retrained on Pascal VOC 2007 and 2012", "Dave Datascientist", 14.0),
    Entry("TinyYOLO", 3, Recipe("tinyyolo", 3, test_data=True, drifted=True),
          (*_DETECTION, ("dataset", "VOC2007+2012+camera"), ("stage", "candidate")),
          "Tiny YOLOv2 fine-tuned on the IoT Edge camera's images", "Bob Builder", 0.5),
    Entry("TinyResNet", 1, Recipe("tinyresnet", 1), _CLASSIFIER,
          "A tiny ResNet-style classifier for the camera's thumbnails (no test data yet)", "Dave Datascientist",
          9.0),
    Entry("TinyResNet", 2, Recipe("tinyresnet", 2, truncated=True), _CLASSIFIER,
          "TinyResNet with a wider head (its upload was interrupted)", "Bob Builder", 3.0),
)


def versions(root: Path) -> list[SeededModelVersion]:
    """The catalog with each version's folder under `root` (`<root>/<name>/<version>`)."""
    return [SeededModelVersion(name=e.name, version=e.version, directory=folder(root, e), tags=dict(e.tags),
                               description=e.description, created_by=e.created_by,
                               created_days_ago=e.created_days_ago)
            for e in ENTRIES]


def folder(root: Path, entry: Entry) -> Path:
    """Where one version's files are."""
    return root / entry.name / str(entry.version)
