"""The Piccolo app: every table, and the top-level `piccolo_migrations/` folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.tables import ALL_TABLES

APP_NAME = "autoflow"

APP_CONFIG = AppConfig(
    app_name=APP_NAME,
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
)
