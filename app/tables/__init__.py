"""Piccolo table definitions, one module per area of the product."""

from app.tables.auth import LoginThrottle, Session, User
from app.tables.projects import Invite, Project, ProjectMembership
from app.tables.secrets import ProjectSecret

ALL_TABLES = (User, Session, Invite, LoginThrottle, Project, ProjectMembership, ProjectSecret)

__all__ = [
    "ALL_TABLES",
    "Invite",
    "LoginThrottle",
    "Project",
    "ProjectMembership",
    "ProjectSecret",
    "Session",
    "User",
]
