"""ExtensionManagement: installed extensions, install from the sandbox's Marketplace, uninstall (extmgmt origin)."""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import conflict, not_found
from ..http.routing import AreaRoutes
from ..state.model import InstalledExtension

HOST = "extmgmt"
routes = AreaRoutes()

INSTALLED = "275424d0-c844-4fe2-bda6-04933a1357d8"
INSTALLED_BY_NAME = "fb0da285-f23e-4b56-8b53-3ef5f9f6de66"


def extension_view(ctx: RequestContext, extension: InstalledExtension) -> dict:
    view = {
        "extensionId": extension.extension_id,
        "extensionName": extension.extension_name,
        "publisherId": extension.publisher_id,
        "publisherName": extension.publisher_name,
        "version": extension.version,
        "registrationId": "00000000-0000-0000-0000-000000000000",
        "manifestVersion": 1,
        "baseUri": f"https://{extension.publisher_id}.gallerycdn.vsassets.io/extensions/{extension.publisher_id}/"
                   f"{extension.extension_id}/{extension.version}/1700000000000",
        "fallbackBaseUri": f"https://{extension.publisher_id}.gallery.vsassets.io/_apis/public/gallery/publisher/"
                           f"{extension.publisher_id}/extension/{extension.extension_id}/{extension.version}/"
                           "assetbyname",
        "scopes": ["vso.build", "vso.serviceendpoint_manage"],
        "contributions": [{"id": c, "type": "ms.vss-web.contribution", "targets": []}
                          for c in extension.contributions],
        "contributionTypes": [],
        "installState": {"flags": "none", "lastUpdated": iso(extension.installed)},
        "lastPublished": iso(extension.installed),
        "files": [],
    }
    if extension.publisher_id == "ms":
        view["flags"] = "trusted"
    return view


@routes.get(INSTALLED)
def get_installed_extensions(ctx: RequestContext):
    extensions = sorted(ctx.world.extensions, key=lambda e: (e.publisher_id, e.extension_id))
    return collection([extension_view(ctx, e) for e in extensions])


def _find(ctx: RequestContext) -> InstalledExtension:
    publisher, name = (ctx.value("publisherName") or "").lower(), (ctx.value("extensionName") or "").lower()
    found = next((e for e in ctx.world.extensions
                  if e.publisher_id.lower() == publisher and e.extension_id.lower() == name), None)
    if found is None:
        raise not_found(f"TF1590010: Extension '{publisher}.{name}' is not installed in this organization.",
                        "InstalledExtensionNotFoundException")
    return found


@routes.get(INSTALLED_BY_NAME)
def get_installed_extension_by_name(ctx: RequestContext):
    return extension_view(ctx, _find(ctx))


@routes.post(INSTALLED_BY_NAME)
def install_extension_by_name(ctx: RequestContext):
    """Installs the newest (or the given) version of a Marketplace extension into the organization."""
    publisher, name = (ctx.value("publisherName") or ""), (ctx.value("extensionName") or "")
    listed = next((m for m in ctx.world.marketplace if m["publisherId"].lower() == publisher.lower()
                   and m["extensionId"].lower() == name.lower()), None)
    if listed is None:
        raise not_found(f"Extension '{publisher}.{name}' does not exist in the Marketplace.",
                        "ExtensionDoesNotExistException")
    version = ctx.value("version") or listed["versions"][0]
    if version not in listed["versions"]:
        raise not_found(f"Version '{version}' of extension '{publisher}.{name}' does not exist.",
                        "ExtensionVersionNotFoundException")
    if any(e.publisher_id.lower() == publisher.lower() and e.extension_id.lower() == name.lower()
           for e in ctx.world.extensions):
        raise conflict(f"Extension '{listed['publisherId']}.{listed['extensionId']}' is already installed in this "
                       "organization.", "ExtensionAlreadyInstalledException")
    extension = InstalledExtension(listed["publisherId"], listed["publisherName"], listed["extensionId"],
                                   listed["extensionName"], version, ctx.now, list(listed["contributions"]))
    ctx.world.extensions.append(extension)
    return extension_view(ctx, extension)


@routes.delete(INSTALLED_BY_NAME)
def uninstall_extension_by_name(ctx: RequestContext):
    ctx.world.extensions.remove(_find(ctx))
    return None
