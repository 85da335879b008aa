-- Runs other than reviews in the review history (`lib/db/assistant_runs.ts`): describing a pull request,
-- answering `@loom ask` and replying in a review thread each record a row of `reviews` with their model, tokens
-- and cost, so the history, the repository page and analytics count their spend. Older rows are reviews.
ALTER TABLE reviews ADD COLUMN kind TEXT NOT NULL DEFAULT 'review'
  CHECK (kind IN ('review', 'describe', 'ask', 'converse'));
