"""The Asana sandbox's users, workspaces, projects and custom fields endpoints."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import USER_GID, AsanaApi, AsanaError


class WorkspaceEndpoints(AsanaApi):
    """Who the token is, and the workspaces, projects and custom fields it can see."""

    async def get_me(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getuser
        user = self.world.users[request[USER_GID]]
        record = {
            **store.compact(user.gid, "user", user.name),
            "email": user.email,
            "workspaces": [
                store.compact(w.gid, "workspace", w.name) for w in self.world.workspaces.values()
            ],
        }
        return self._respond(request, "user", record)

    async def list_workspaces(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getworkspaces
        records = [
            {**store.compact(w.gid, "workspace", w.name), "is_organization": True}
            for w in self.world.workspaces.values()
        ]
        return self._page(request, "workspace", records)

    async def list_projects(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getprojects
        workspace_gid = request.query.get("workspace")
        archived = request.query.get("archived")
        projects = [
            p
            for p in self.world.projects.values()
            if (workspace_gid is None or p.workspace_gid == workspace_gid)
            and (archived is None or p.archived == (archived == "true"))
        ]
        return self._page(request, "project", [self._project_json(p) for p in projects])

    async def get_project(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getproject
        project = self._find(self.world.projects, request.match_info["gid"], "project")
        return self._respond(request, "project", self._project_json(project))

    def _project_json(self, project: store.Project) -> dict[str, Any]:
        workspace = self.world.workspaces[project.workspace_gid]
        return {
            **store.compact(project.gid, "project", project.name),
            "archived": project.archived,
            "workspace": store.compact(workspace.gid, "workspace", workspace.name),
        }

    async def list_custom_field_settings(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getcustomfieldsettingsforproject
        project = self._find(self.world.projects, request.match_info["gid"], "project")
        records = []
        for field_gid in project.custom_field_gids:
            custom_field = self.world.custom_fields[field_gid]
            records.append(
                {
                    "gid": f"{project.gid}-{field_gid}",
                    "resource_type": "custom_field_setting",
                    "is_important": True,
                    "project": store.compact(project.gid, "project", project.name),
                    "custom_field": store.custom_field_json(custom_field),
                }
            )
        return self._page(request, "custom_field_setting", records)

    async def get_custom_field(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getcustomfield
        custom_field = self._find(
            self.world.custom_fields, request.match_info["gid"], "custom_field"
        )
        return self._respond(request, "custom_field", store.custom_field_json(custom_field))

    async def create_enum_option(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createenumoptionforcustomfield
        custom_field = self._find(
            self.world.custom_fields, request.match_info["gid"], "custom_field"
        )
        data = await self._data(request)
        if custom_field.subtype not in ("enum", "multi_enum"):
            raise AsanaError(400, "custom_field: Only enum custom fields have enum options")
        name = str(data.get("name") or "").strip()
        if not name:
            raise AsanaError(400, "name: Missing input")
        if len(custom_field.enum_options) >= store.MAX_ENUM_OPTIONS:
            raise AsanaError(
                400,
                f"enum_options: A custom field can have at most {store.MAX_ENUM_OPTIONS} "
                "enum options, including disabled ones",
            )
        option = store.EnumOption(store.new_gid(), name, str(data.get("color") or "none"))
        custom_field.enum_options.append(option)
        return self._respond(request, "enum_option", store.enum_option_json(option), status=201)
