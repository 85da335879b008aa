-- Prompt tokens served from (and written to) the provider's prompt cache, per step and summed per review, so
-- cost and analytics can show what the cache saved. Both are part of input_tokens, never added to it.
ALTER TABLE review_steps ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_steps ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;
