"""API tokens. Each belongs to one project and is stored as the SHA-256 digest of its value
(the value is 40 random base62 characters, far beyond guessing, so a fast hash is enough).

`window_start` and `window_hits` are the per-token rate-limit counter: a fixed window that the
authenticating UPDATE advances atomically, so every web process counts against the same row.
"""

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.auth import User
from app.tables.projects import Project


class ApiToken(Table, tablename="api_tokens"):
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)  # the first characters, shown in the list to recognise it
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    window_start = Timestamptz(null=True, default=None)
    window_hits = Integer(default=0)
