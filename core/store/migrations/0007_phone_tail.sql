-- Receivers may be sealed at rest: the last four digits of the phone stay searchable here.

ALTER TABLE orders ADD COLUMN phone_tail TEXT;
CREATE INDEX orders_by_phone_tail ON orders (tenant, phone_tail);
