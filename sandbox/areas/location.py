"""Location area on the main origin: ResourceAreas (where each area lives) and ConnectionData."""

from __future__ import annotations

from ..http.context import RequestContext, collection
from ..http.errors import not_found
from ..http.locations import load_catalog
from ..http.routing import AreaRoutes
from ..state.ids import stable_id

HOST = "main"
routes = AreaRoutes()

RESOURCE_AREAS = "e81700f7-3be2-46de-8624-2eb35882fcaa"
CONNECTION_DATA = "00d9565f-ed9c-4a06-9a50-00e7896ccab4"


@routes.get(RESOURCE_AREAS)
def get_resource_areas(ctx: RequestContext):
    areas = load_catalog().resource_areas_for(ctx.urls.origins)
    area_id = ctx.value("areaId")
    if area_id is None:
        return collection(areas)
    found = next((a for a in areas if a["id"].lower() == area_id.lower()), None)
    if found is None:
        raise not_found(f"The resource area {area_id} could not be found.", "ResourceAreaNotFoundException")
    return found


@routes.get(CONNECTION_DATA)
def get_connection_data(ctx: RequestContext):
    owner = ctx.world.subjects[ctx.pat_owner]
    identity = {
        "id": owner.storage_key,
        "descriptor": f"Microsoft.IdentityModel.Claims.ClaimsIdentity;{ctx.world.tenant_id}\\{owner.principal_name}",
        "subjectDescriptor": owner.descriptor,
        "providerDisplayName": owner.display_name,
        "isActive": True,
        "properties": {"Account": {"$type": "System.String", "$value": owner.principal_name}},
        "resourceVersion": 2,
        "metaTypeId": 0,
    }
    return {
        "authenticatedUser": identity,
        "authorizedUser": identity,
        "instanceId": stable_id("collection", ctx.world.organization),
        "deploymentId": "00000000-0000-0000-0000-000000000000",
        "deploymentType": "hosted",
        "locationServiceData": {
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 1,
            "lastChangeId64": 1,
        },
    }
