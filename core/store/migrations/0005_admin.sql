-- The admin API: who may call it (keys stored as hashes, each bound to one tenant and a role),
-- and what every write through it did.

CREATE TABLE api_keys (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- the key's public part: hub_<id>_<secret>
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,            -- viewer | operator | admin
  secret_hash  TEXT NOT NULL,            -- SHA-256 of the secret, hex
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT,
  PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);

CREATE TABLE audit_log (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- aud_…, time-sortable
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,            -- key:<id> (<name>), or cli:<user>
  action       TEXT NOT NULL,            -- the route's operation id, e.g. replayDeadLetters
  subject      TEXT,                     -- what it acted on (order id, delivery id, sku …)
  request      TEXT,                     -- JSON: path parameters and body, personal data masked
  status       INTEGER NOT NULL,         -- the HTTP status answered
  PRIMARY KEY (tenant, id)
);
CREATE INDEX audit_log_by_time ON audit_log (tenant, at);
