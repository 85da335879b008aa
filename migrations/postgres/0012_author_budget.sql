-- The per-author hourly budget on public repositories (`lib/db/author_budget.ts`): one row per automatic review
-- or command reply spent for an author, counted over a sliding hour and pruned as it goes.
CREATE TABLE author_spends (
  id BIGSERIAL PRIMARY KEY,
  scope TEXT NOT NULL,
  author TEXT NOT NULL,
  kind TEXT NOT NULL,
  spent_at BIGINT NOT NULL
);
CREATE INDEX author_spends_scope_author ON author_spends (scope, author, spent_at);
