-- Each shop's own id for a merchant SKU, learned from the orders it sends: what a stock update
-- to that shop names (Tmall <num_iid>:<sku_id>, JD skuId, Douyin sku_id …).

CREATE TABLE channel_skus (
  tenant          TEXT NOT NULL,
  channel         TEXT NOT NULL,
  shop            TEXT NOT NULL,
  sku             TEXT NOT NULL,
  channel_sku_id  TEXT NOT NULL,
  seen_at         TEXT NOT NULL,
  PRIMARY KEY (tenant, channel, sku, shop)
);
