"""What the organization says about itself: ApiResourceLocations (OPTIONS) and ResourceAreas.

The main host's locations are the real recorded ``OPTIONS _apis`` answer; the other hosts'
(vssps, vsaex, extmgmt, vsrm) come from ``sandbox/data/locations_extra.json``. ResourceAreas is
the real recorded answer with every host rewritten to a loopback origin, so the SDK never
leaves loopback and a URL built by hand for the wrong host fails here as it does on Azure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RECORDED = REPO_ROOT / "reference" / "azure-devops-rest-7.1" / "recorded"
EXTRA_LOCATIONS = Path(__file__).resolve().parents[1] / "data" / "locations_extra.json"

MAIN = "main"
#: Hosts the sandbox serves, each on its own loopback origin.
SERVED_HOSTS = (MAIN, "vssps", "vsaex", "extmgmt", "vsrm")
#: Every other host named in ResourceAreas points here: an origin that serves nothing.
UNSERVED = "unserved"

_HOST = re.compile(r"^https://(?:(?P<sub>[a-z0-9]+)\.)?dev\.azure\.com/\{organization\}/?$")


def host_key(location_url: str) -> str:
    """``https://vssps.dev.azure.com/{organization}/`` -> ``vssps``; dev.azure.com -> ``main``."""
    match = _HOST.match(location_url)
    if not match:
        raise ValueError(f"unexpected resource area host: {location_url}")
    sub = match.group("sub")
    return sub if sub else MAIN


def _load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8-sig"))


@dataclass(frozen=True)
class LocationCatalog:
    locations: dict[str, tuple[dict, ...]]
    resource_areas: tuple[dict, ...]

    def for_host(self, host: str) -> tuple[dict, ...]:
        return self.locations.get(host, ())

    def resource_areas_for(self, origins: dict[str, str]) -> list[dict]:
        """ResourceAreas with each area's host replaced by its loopback origin (with a trailing /)."""
        answer = []
        for area in self.resource_areas:
            key = host_key(area["locationUrl"])
            origin = origins.get(key) or origins[UNSERVED]
            answer.append({"id": area["id"], "name": area["name"], "locationUrl": origin.rstrip("/") + "/"})
        return answer


@lru_cache(maxsize=1)
def load_catalog() -> LocationCatalog:
    recorded = _load_json(RECORDED / "options-apis.json")["value"]
    extras = _load_json(EXTRA_LOCATIONS)
    locations: dict[str, tuple[dict, ...]] = {MAIN: tuple(recorded)}
    for host, entries in extras.items():
        if not host.startswith("_"):
            locations[host] = tuple(entries)
    areas = tuple(_load_json(RECORDED / "resource-areas.json")["value"])
    return LocationCatalog(locations, areas)
