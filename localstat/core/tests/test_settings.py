"""A SQLite database named by DATABASE_URL is opened as the embedded default is: queued writers, WAL."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _database(url: str) -> dict:
    code = (
        "import json, localstat.settings as s; d = s.DATABASES['default']; "
        "print(json.dumps({'engine': d['ENGINE'], 'options': d.get('OPTIONS', {}), 'age': d.get('CONN_MAX_AGE')}))"
    )
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_sqlite_database_url_gets_the_options_that_keep_writers_from_failing() -> None:
    found = _database("sqlite:////tmp/elsewhere.sqlite3")
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert found["age"] == 0


def test_a_postgresql_database_url_gets_no_sqlite_options() -> None:
    found = _database("postgres://postgres@127.0.0.1:5432/test")
    assert found["engine"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in found["options"]
