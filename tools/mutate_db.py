"""pytest plugin of `make mutate` (tools/mutate.py), loaded in its runs only.

Every mutant starts a test session, and migrating the in-memory SQLite test
database takes most of a short session. The first session of a run migrates as
usual and saves the database to the file named by MUTATE_DB_SNAPSHOT; every
later session copies that file into its fresh in-memory database instead of
migrating. Other databases (DATABASE_URL) are left to Django."""

import os
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation

_original_create_test_db = DatabaseCreation.create_test_db


def _save(connection, snapshot: Path) -> None:
    partial = snapshot.with_name(f"{snapshot.name}.{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    os.replace(partial, snapshot)


def create_test_db(self, verbosity=1, autoclobber=False, serialize=None, keepdb=False):
    name = self._get_test_db_name()
    path = os.environ.get("MUTATE_DB_SNAPSHOT")
    if not path or not self.is_in_memory_db(name) or serialize is not None or keepdb:
        return _original_create_test_db(self, verbosity, autoclobber, serialize, keepdb)
    snapshot = Path(path)
    if not snapshot.exists():
        name = _original_create_test_db(self, verbosity, autoclobber, serialize, keepdb)
        _save(self.connection, snapshot)
        return name
    self.connection.close()
    settings.DATABASES[self.connection.alias]["NAME"] = name
    self.connection.settings_dict["NAME"] = name
    self.connection.ensure_connection()
    source = sqlite3.connect(snapshot)
    try:
        source.backup(self.connection.connection)
    finally:
        source.close()
    return name


DatabaseCreation.create_test_db = create_test_db
