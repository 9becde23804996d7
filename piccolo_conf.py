"""Piccolo's configuration: the engine (its DSN is set at start-up) and our one app."""

from piccolo.conf.apps import AppRegistry

from app.db.engine import DB

__all__ = ["APP_REGISTRY", "DB"]

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
