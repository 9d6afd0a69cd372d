-- The delivery engine: leases on outbox rows, and every attempt kept, append-only.

ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;

CREATE TABLE delivery_attempts (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- att_…
  delivery_id  TEXT NOT NULL,
  target       TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  duration_ms  INTEGER NOT NULL,
  outcome      TEXT NOT NULL,            -- delivered | retry | failed | unknown | found | absent
  request      TEXT,                     -- JSON, personal data masked
  response     TEXT,                     -- JSON, personal data masked
  error        TEXT,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (tenant, delivery_id);
CREATE INDEX delivery_attempts_by_target ON delivery_attempts (tenant, target, started_at);
