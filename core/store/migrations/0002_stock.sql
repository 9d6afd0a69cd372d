-- One central stock pool: levels per (sku, location), reservations per order line.
-- The CHECK constraints are the last line of defence: no code path can oversell past them.

CREATE TABLE items (
  tenant            TEXT NOT NULL,
  sku               TEXT NOT NULL,
  title             TEXT,
  tags              TEXT,                -- JSON array
  weight_grams      INTEGER,
  temperature_zone  TEXT,
  PRIMARY KEY (tenant, sku)
);

CREATE TABLE stock_levels (
  tenant      TEXT NOT NULL,
  sku         TEXT NOT NULL,
  location    TEXT NOT NULL,
  on_hand     INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
  reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
  safety      INTEGER NOT NULL DEFAULT 0 CHECK (safety >= 0),
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant, sku, location)
);

CREATE TABLE reservations (
  tenant      TEXT NOT NULL,
  id          TEXT NOT NULL,             -- rsv_…
  order_id    TEXT NOT NULL,
  line_id     TEXT NOT NULL,
  sku         TEXT NOT NULL,
  location    TEXT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  status      TEXT NOT NULL,             -- active | released | consumed
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX reservations_by_order ON reservations (tenant, order_id);

CREATE TABLE shortfalls (
  tenant      TEXT NOT NULL,
  id          TEXT NOT NULL,             -- sht_…
  order_id    TEXT NOT NULL,
  line_id     TEXT NOT NULL,
  sku         TEXT NOT NULL,
  quantity    INTEGER NOT NULL,
  policy      TEXT NOT NULL,             -- backorder | hold
  created_at  TEXT NOT NULL,
  resolved_at TEXT,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX shortfalls_open ON shortfalls (tenant, sku, resolved_at);

CREATE TABLE stock_adjustments (
  tenant      TEXT NOT NULL,
  id          TEXT NOT NULL,             -- adj_…
  sku         TEXT NOT NULL,
  location    TEXT NOT NULL,
  delta       INTEGER NOT NULL,
  on_hand_before INTEGER NOT NULL,
  on_hand_after  INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  source      TEXT NOT NULL,             -- api | file | reconcile
  actor       TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX stock_adjustments_by_sku ON stock_adjustments (tenant, sku, at);

-- What each channel was last told it can sell, so only changes are pushed.
CREATE TABLE channel_stock (
  tenant      TEXT NOT NULL,
  channel     TEXT NOT NULL,
  sku         TEXT NOT NULL,
  available   INTEGER NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant, channel, sku)
);
