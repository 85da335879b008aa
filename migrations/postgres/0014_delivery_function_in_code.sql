-- The function that applies a webhook delivery is no longer defined by migrations (0004, 0009 and 0011 each
-- copied it): it lives in `lib/queue/apply_webhook_delivery.sql`, named after a hash of its text, and a process
-- creates it when missing (`lib/queue/delivery_function.ts`). The migrations' copy is dropped so that nothing
-- calls a stale definition. Web processes older than this version called it: upgrade them with this migration.
DROP FUNCTION IF EXISTS apply_webhook_delivery(
  TEXT, TEXT, BIGINT, TEXT, TEXT, TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, INTEGER, TEXT, TEXT
);
