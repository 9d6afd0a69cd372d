-- A delivery's numbers in its target: the one the hub gave the document (FBillNo, Qimen
-- deliveryOrderCode, SF orderId, Yonyou resubmitCheckKey) and the one the target gave back
-- (SF waybill number, Yonyou id). Callbacks name the document by the first.
ALTER TABLE outbox ADD COLUMN document_code TEXT;
ALTER TABLE outbox ADD COLUMN external_ref TEXT;
CREATE INDEX outbox_by_document_code ON outbox (tenant, target, document_code) WHERE document_code IS NOT NULL;
CREATE INDEX outbox_by_external_ref ON outbox (tenant, target, external_ref) WHERE external_ref IS NOT NULL;
