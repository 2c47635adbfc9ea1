import datetime

from ninja import Schema
from pydantic import Field

from api.schemas.common import DEFAULT_LIMIT, MAX_LIMIT
from imports.models import ImportMode, ImportStatus


class ImportJobOut(Schema):
    id: int
    mode: ImportMode = Field(description="`check`: only check the file; `import`: apply it.")
    status: ImportStatus
    progress: int = Field(description="Percent done.")
    file_name: str
    size_bytes: int
    total_rows: int
    updated: int
    unchanged: int
    failed: int
    failure: str = Field(description="Why the whole job failed, in the caller's language.")
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    created_by: str | None
    source_id: int | None = Field(description="The check this import was started from.")
    can_undo: bool
    undone_at: datetime.datetime | None
    restored: int
    not_restored: int


class ImportPageOut(Schema):
    items: list[ImportJobOut]
    next_cursor: str | None


class ImportListQuery(Schema):
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
