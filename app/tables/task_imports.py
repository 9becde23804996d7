"""Imports started from the dashboard: who pressed "Sync from Asana" and when.

The import itself is `pipeline:import_asana_tasks`, one job per page; this row is what the
progress partial measures from (its first job id and start time), and what remains to show
once the jobs are done.
"""

from piccolo.columns import BigInt, BigSerial, ForeignKey, OnDelete, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.auth import User
from app.tables.projects import Project


class TaskImport(Table, tablename="task_imports"):
    id = BigSerial(primary_key=True)
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    started_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    # The first page's job: the run's later pages have higher ids and the same lock.
    first_job_id = BigInt()
    started_at = Timestamptz(default=TimestamptzNow())
