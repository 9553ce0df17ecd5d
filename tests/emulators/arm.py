"""An emulator of the Azure Resource Manager calls for Cognitive Services deployments.

Serves PUT, GET and DELETE on ``.../accounts/{account}/deployments/{name}`` and
the list of deployments, over TLS (a throwaway CA from trustme: the SDK sends
bearer tokens only over https). A deployment reports ``Creating`` for its first
poll, then ``Succeeded``; only then does the chat emulator it is linked to serve
it. Deployments made outside ftgate (``add_deployment``) exist at once. Every
deployment reports its model, its content-filter (RAI) policy and when it was
created. The Developer SKU can be switched off to test the fallback to
Standard, and creation can be made to hang. Each write and delete is also
announced in ``events`` as the resource group's Event Grid system topic would
announce it (``Microsoft.Resources.ResourceWriteSuccess`` or
``ResourceDeleteSuccess``, the deployment's id as subject).
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trustme
from aiohttp import web

from emulators.chat import ChatEmulator
from emulators.server import BackgroundServer

LIST_PATH = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/"
    "Microsoft.CognitiveServices/accounts/{account}/deployments"
)
PATH = LIST_PATH + "/{name}"


@dataclass
class ArmStats:
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    rejected_skus: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)


class ArmEmulator(BackgroundServer):
    def __init__(self, chat: ChatEmulator, *, developer_offered: bool = True) -> None:
        super().__init__()
        self.chat = chat
        self.developer_offered = developer_offered
        self.create_hangs = False  # PUT answers, but provisioning never finishes
        self.delete_refused = False  # DELETE answers 409, as under a resource lock
        self.stats = ArmStats()
        self.deployments: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []  # Event Grid schema, oldest first
        self.ca = trustme.CA()
        self._certificate = self.ca.issue_cert("127.0.0.1", "localhost")

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._certificate.configure_cert(context)
        return context

    def add_deployment(
        self, name: str, model: str, *, rai_policy: str = "Microsoft.DefaultV2",
        created_at: datetime | None = None, model_format: str = "OpenAI",
    ) -> None:  # fmt: skip
        """A deployment made outside ftgate, serving ``model`` at once."""
        self.deployments[name] = {
            "sku": "Standard", "model": model, "format": model_format, "polls": 2,
            "rai_policy": rai_policy, "created_at": created_at or datetime.now(UTC),
        }  # fmt: skip

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(LIST_PATH, self._list)
        app.router.add_put(PATH, self._put)
        app.router.add_get(PATH, self._get)
        app.router.add_delete(PATH, self._delete)

    async def _list(self, request: web.Request) -> web.Response:
        self._saw(request)
        value = [self._resource(request, name, "Succeeded") for name in self.deployments]
        return web.json_response({"value": value})

    async def _put(self, request: web.Request) -> web.Response:
        self._saw(request)
        name, body = request.match_info["name"], await request.json()
        sku = body["sku"]["name"]
        if sku == "DeveloperTier" and not self.developer_offered:
            self.stats.rejected_skus.append(sku)
            return web.json_response(
                {"error": {"code": "InvalidResourceProperties",
                           "message": "The specified SKU is not supported in this region."}},
                status=400,
            )  # fmt: skip
        properties = body["properties"]
        self.deployments[name] = {
            "sku": sku, "model": properties["model"]["name"],
            "format": properties["model"]["format"], "polls": 0,
            "rai_policy": properties.get("raiPolicyName") or "Microsoft.DefaultV2",
            "created_at": datetime.now(UTC),
        }  # fmt: skip
        self.stats.created.append(name)
        self.stats.skus.append(sku)
        resource = self._resource(request, name, "Creating")
        self._announce(request, "Write")
        return web.json_response(resource, status=201)

    def _announce(self, request: web.Request, operation: str) -> None:
        """An event for a write or delete of the deployment ``request`` names."""
        match, resource_id = request.match_info, request.path.rstrip("/")
        self.events.append(
            {
                "id": str(uuid.uuid4()),
                "topic": f"/subscriptions/{match['subscription']}/resourceGroups/{match['group']}",
                "subject": resource_id,
                "eventType": f"Microsoft.Resources.Resource{operation}Success",
                "eventTime": datetime.now(UTC).isoformat(),
                "dataVersion": "2",
                "data": {
                    "operationName": "Microsoft.CognitiveServices/accounts/deployments/"
                    + operation.lower(),
                    "resourceUri": resource_id,
                    "status": "Succeeded",
                },
            }
        )

    async def _get(self, request: web.Request) -> web.Response:
        self._saw(request)
        name = request.match_info["name"]
        deployment = self.deployments.get(name)
        if deployment is None:
            return web.json_response({"error": {"code": "NotFound", "message": "x"}}, status=404)
        deployment["polls"] += 1
        if self.create_hangs:
            await asyncio.sleep(0.05)
            return web.json_response(self._resource(request, name, "Creating"))
        if deployment["polls"] < 2:
            return web.json_response(self._resource(request, name, "Creating"))
        self.chat.deployments[name] = deployment["model"]
        return web.json_response(self._resource(request, name, "Succeeded"))

    async def _delete(self, request: web.Request) -> web.Response:
        self._saw(request)
        name = request.match_info["name"]
        if self.delete_refused:
            return web.json_response(
                {"error": {"code": "ScopeLocked", "message": "The scope is locked."}}, status=409
            )
        if self.deployments.pop(name, None) is None:
            return web.Response(status=204)
        self.chat.deployments.pop(name, None)
        self.stats.deleted.append(name)
        self._announce(request, "Delete")
        return web.Response(status=200)

    def _saw(self, request: web.Request) -> None:
        self.stats.tokens.add(request.headers.get("Authorization", ""))

    def _resource(self, request: web.Request, name: str, state: str) -> dict[str, Any]:
        deployment = self.deployments[name]
        return {
            "id": f"{request.path.rstrip('/').removesuffix('/' + name)}/{name}",
            "name": name,
            "type": "Microsoft.CognitiveServices/accounts/deployments",
            "sku": {"name": deployment["sku"], "capacity": 1},
            "systemData": {"createdAt": deployment["created_at"].isoformat()},
            "properties": {
                "model": {"format": deployment["format"], "name": deployment["model"],
                          "version": "1"},
                "raiPolicyName": deployment["rai_policy"],
                "provisioningState": state,
            },
        }  # fmt: skip
