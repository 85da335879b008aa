-- PostgreSQL's 0011 gives `apply_webhook_delivery` a head check for replayed or out-of-order events. SQLite has
-- no stored functions: `lib/queue/webhook_delivery.ts` makes the same check in its transaction.
SELECT 1;
