"""Migration step 6: risk events from before it get an empty action column and keep their rows."""

from __future__ import annotations

from voapi_desktop.store import migrations, risk
from voapi_desktop.store.db import open_database


def test_a_risk_event_table_from_before_actions_gets_the_column(tmp_path):
    db = open_database(tmp_path)
    migrations.migrate(db, upto=5)
    db.execute_sql("ALTER TABLE risk_event DROP COLUMN action")  # as step 4 created it before step 6 existed
    db.execute_sql("INSERT INTO risk_event (created_at, user_id, username, token_id, token_name, ip, model, words, "
                   "excerpt, dialect) VALUES (1, 0, 'old', 0, '', '', '', 'w', '', 'openai')")
    assert migrations.migrate(db) == migrations.LATEST >= 6
    assert "action" in {column.name for column in db.get_columns("risk_event")}
    [event] = risk.list_risk_events()
    assert (event.username, event.action) == ("old", "")
