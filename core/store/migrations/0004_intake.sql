-- The front door: push messages already seen (platforms repeat them), orders a push only
-- named (fetched afterwards), and where each shop's pull stopped.

CREATE TABLE push_messages (
  tenant       TEXT NOT NULL,
  channel      TEXT NOT NULL,
  shop         TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  PRIMARY KEY (tenant, channel, shop, message_id)
);

CREATE TABLE fetch_queue (
  tenant          TEXT NOT NULL,
  channel         TEXT NOT NULL,
  shop            TEXT NOT NULL,
  external_id     TEXT NOT NULL,
  status          TEXT NOT NULL,          -- pending | done | failed
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  received_at     TEXT NOT NULL,
  PRIMARY KEY (tenant, channel, shop, external_id)
);
CREATE INDEX fetch_queue_due ON fetch_queue (tenant, status, next_attempt_at);

CREATE TABLE pull_cursors (
  tenant       TEXT NOT NULL,
  channel      TEXT NOT NULL,
  shop         TEXT NOT NULL,
  window_from  TEXT NOT NULL,             -- the window being pulled
  window_to    TEXT NOT NULL,
  cursor       TEXT,                      -- where inside it (null: from its start)
  done_to      TEXT,                      -- everything before this is pulled
  pulled       INTEGER NOT NULL DEFAULT 0,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (tenant, channel, shop)
);
