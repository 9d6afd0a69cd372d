/**
 * SendSms `OutId` (外部流水扩展字段): Aliyun echoes it in QuerySendDetails and in delivery
 * receipts, but does not deduplicate on it. The adapter derives it from the delivery's
 * idempotency key, so every attempt of one delivery carries the same OutId and `lookup` can
 * recognise an SMS an ambiguous call sent: the first 128 bits of SHA-256(key), in hex.
 *
 * @example
 * await outIdFor('sms.shipped/tmall/3791827364510') // 32 hex characters, always the same
 */
export async function outIdFor(idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey)));
  let hex = '';
  for (const byte of digest.subarray(0, 16)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
