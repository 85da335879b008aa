-- PostgreSQL's 0014 drops the migrations' copy of `apply_webhook_delivery`: the function now lives in
-- `lib/queue/apply_webhook_delivery.sql`. SQLite has no stored functions; nothing changes here.
SELECT 1;
