-- The durable pipeline: inbox → quarantine | orders (+ timeline) → outbox.
-- Every row carries its tenant; every query filters on it.

CREATE TABLE inbox (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- inb_…, time-sortable
  channel      TEXT NOT NULL,
  shop         TEXT,
  received_at  TEXT NOT NULL,
  meta         TEXT NOT NULL,            -- JSON: headers and connector metadata
  payload      TEXT NOT NULL,            -- the raw payload, exactly as received
  status       TEXT NOT NULL,            -- processed | quarantined
  orders       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX inbox_by_channel ON inbox (tenant, channel, received_at);

CREATE TABLE quarantine (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- qua_…
  inbox_id     TEXT NOT NULL,
  channel      TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  kind         TEXT NOT NULL,            -- payload | mapping | schema | channel | size | internal
  error        TEXT NOT NULL,
  position     TEXT,                     -- mapping file:line:column
  source_path  TEXT,                     -- JSON path in the payload
  resolved_at  TEXT,
  resolution   TEXT,                     -- what the replay became
  PRIMARY KEY (tenant, id)
);
CREATE INDEX quarantine_open ON quarantine (tenant, channel, resolved_at);

CREATE TABLE orders (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- ord_…
  channel      TEXT NOT NULL,
  shop         TEXT,
  external_id  TEXT NOT NULL,
  status       TEXT NOT NULL,
  after_sale   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,            -- the platform's modified time (orders updates)
  updated_ms   INTEGER NOT NULL,         -- the same as epoch millis, for comparison across offsets
  version      INTEGER NOT NULL,         -- +1 on every applied change
  doc          TEXT NOT NULL,            -- the canonical order (JSON)
  holds        TEXT,                     -- JSON [{ rule, reason }] while held, else NULL
  hold_until   TEXT,
  priority     INTEGER NOT NULL DEFAULT 0,
  flags        TEXT,                     -- JSON [{ kind, detail }]: illegal moves and the like
  stage        TEXT NOT NULL,            -- open | allocated | released | shipped | closed
  extra_lines  TEXT,                     -- JSON lines the rules added (gifts)
  shipments    TEXT,                     -- JSON: the routing decision's parcels (location, carrier, lines)
  address_key  TEXT,
  buyer_key    TEXT,
  created_at   TEXT NOT NULL,            -- when the hub first saw it
  last_inbox   TEXT NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, channel, external_id)
);
CREATE INDEX orders_by_status ON orders (tenant, status, priority DESC);
CREATE INDEX orders_by_address ON orders (tenant, address_key, created_at);
CREATE INDEX orders_by_buyer ON orders (tenant, buyer_key, created_at);

CREATE TABLE order_events (
  tenant       TEXT NOT NULL,
  id           TEXT NOT NULL,            -- evt_…
  order_id     TEXT NOT NULL,
  at           TEXT NOT NULL,
  kind         TEXT NOT NULL,            -- created | updated | stale | unchanged | illegal_transition | rules | routed | reserved | released | consumed | shortfall | held | queued | after_sale
  source       TEXT,                     -- inbox row, or api:<actor>
  detail       TEXT NOT NULL,            -- JSON
  PRIMARY KEY (tenant, id)
);
CREATE INDEX order_events_by_order ON order_events (tenant, order_id, id);

-- After-sale news (refund, cancel) about an order the hub has not seen yet: applied when it comes.
CREATE TABLE pending_after_sale (
  tenant       TEXT NOT NULL,
  channel      TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  inbox_id     TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  event        TEXT NOT NULL,            -- JSON { kind, lines?, at }
  PRIMARY KEY (tenant, channel, external_id, inbox_id)
);

CREATE TABLE outbox (
  tenant          TEXT NOT NULL,
  id              TEXT NOT NULL,         -- dlv_…
  target          TEXT NOT NULL,
  kind            TEXT NOT NULL,         -- erp.sale_order, wms.delivery_order, carrier.waybill, channel.stock, notify …
  idempotency_key TEXT NOT NULL,
  order_id        TEXT,
  after_key       TEXT,                  -- idempotency key of a delivery that must succeed first
  payload         TEXT NOT NULL,         -- JSON reference; the adapter builds the body at send time
  status          TEXT NOT NULL,         -- pending | sending | unknown | delivered | dead | superseded
  attempts        INTEGER NOT NULL DEFAULT 0,
  priority        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  coalesce_key    TEXT,                  -- only the newest pending row per key is kept (channel stock)
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, priority DESC);
CREATE UNIQUE INDEX outbox_coalesce ON outbox (tenant, coalesce_key) WHERE status = 'pending' AND coalesce_key IS NOT NULL;
