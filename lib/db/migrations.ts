/**
 * The numbered migrations of both dialects, loaded as text imports so they stay in the module graph that
 * `deno check` sees. `tools/check_layout.ts` and `migrations_test.ts` fail when the two lists differ.
 */
import postgres0001 from "../../migrations/postgres/0001_initial.sql" with { type: "text" };
import sqlite0001 from "../../migrations/sqlite/0001_initial.sql" with { type: "text" };
import postgres0002 from "../../migrations/postgres/0002_accounts.sql" with { type: "text" };
import sqlite0002 from "../../migrations/sqlite/0002_accounts.sql" with { type: "text" };
import postgres0003 from "../../migrations/postgres/0003_pull_request_state.sql" with { type: "text" };
import sqlite0003 from "../../migrations/sqlite/0003_pull_request_state.sql" with { type: "text" };
import postgres0004 from "../../migrations/postgres/0004_apply_webhook_delivery.sql" with { type: "text" };
import sqlite0004 from "../../migrations/sqlite/0004_apply_webhook_delivery.sql" with { type: "text" };
import postgres0005 from "../../migrations/postgres/0005_claim_order_index.sql" with { type: "text" };
import sqlite0005 from "../../migrations/sqlite/0005_claim_order_index.sql" with { type: "text" };
import postgres0006 from "../../migrations/postgres/0006_review_step_progress.sql" with { type: "text" };
import sqlite0006 from "../../migrations/sqlite/0006_review_step_progress.sql" with { type: "text" };
import postgres0007 from "../../migrations/postgres/0007_login_limits.sql" with { type: "text" };
import sqlite0007 from "../../migrations/sqlite/0007_login_limits.sql" with { type: "text" };
import postgres0008 from "../../migrations/postgres/0008_cached_tokens.sql" with { type: "text" };
import postgres0009 from "../../migrations/postgres/0009_cancellation_and_backoff.sql" with { type: "text" };
import sqlite0008 from "../../migrations/sqlite/0008_cached_tokens.sql" with { type: "text" };
import sqlite0009 from "../../migrations/sqlite/0009_cancellation_and_backoff.sql" with { type: "text" };
import postgres0010 from "../../migrations/postgres/0010_review_history.sql" with { type: "text" };
import sqlite0010 from "../../migrations/sqlite/0010_review_history.sql" with { type: "text" };
import postgres0011 from "../../migrations/postgres/0011_webhook_head_check.sql" with { type: "text" };
import sqlite0011 from "../../migrations/sqlite/0011_webhook_head_check.sql" with { type: "text" };
import postgres0012 from "../../migrations/postgres/0012_author_budget.sql" with { type: "text" };
import sqlite0012 from "../../migrations/sqlite/0012_author_budget.sql" with { type: "text" };
import postgres0013 from "../../migrations/postgres/0013_repo_identity.sql" with { type: "text" };
import sqlite0013 from "../../migrations/sqlite/0013_repo_identity.sql" with { type: "text" };
import postgres0014 from "../../migrations/postgres/0014_delivery_function_in_code.sql" with { type: "text" };
import sqlite0014 from "../../migrations/sqlite/0014_delivery_function_in_code.sql" with { type: "text" };
import postgres0015 from "../../migrations/postgres/0015_github_installations.sql" with { type: "text" };
import sqlite0015 from "../../migrations/sqlite/0015_github_installations.sql" with { type: "text" };
import postgres0016 from "../../migrations/postgres/0016_repo_management.sql" with { type: "text" };
import sqlite0016 from "../../migrations/sqlite/0016_repo_management.sql" with { type: "text" };
import postgres0017 from "../../migrations/postgres/0017_learnings.sql" with { type: "text" };
import sqlite0017 from "../../migrations/sqlite/0017_learnings.sql" with { type: "text" };
import postgres0018 from "../../migrations/postgres/0018_code_indexes.sql" with { type: "text" };
import sqlite0018 from "../../migrations/sqlite/0018_code_indexes.sql" with { type: "text" };
import postgres0019 from "../../migrations/postgres/0019_run_kind.sql" with { type: "text" };
import sqlite0019 from "../../migrations/sqlite/0019_run_kind.sql" with { type: "text" };
import type { SqlDialect } from "./sql.ts";

export interface Migration {
  version: number;
  name: string;
  text: string;
}

export const MIGRATIONS: Record<SqlDialect, readonly Migration[]> = {
  postgres: [
    { version: 1, name: "0001_initial", text: postgres0001 },
    { version: 2, name: "0002_accounts", text: postgres0002 },
    { version: 3, name: "0003_pull_request_state", text: postgres0003 },
    { version: 4, name: "0004_apply_webhook_delivery", text: postgres0004 },
    { version: 5, name: "0005_claim_order_index", text: postgres0005 },
    { version: 6, name: "0006_review_step_progress", text: postgres0006 },
    { version: 7, name: "0007_login_limits", text: postgres0007 },
    { version: 8, name: "0008_cached_tokens", text: postgres0008 },
    { version: 9, name: "0009_cancellation_and_backoff", text: postgres0009 },
    { version: 10, name: "0010_review_history", text: postgres0010 },
    { version: 11, name: "0011_webhook_head_check", text: postgres0011 },
    { version: 12, name: "0012_author_budget", text: postgres0012 },
    { version: 13, name: "0013_repo_identity", text: postgres0013 },
    { version: 14, name: "0014_delivery_function_in_code", text: postgres0014 },
    { version: 15, name: "0015_github_installations", text: postgres0015 },
    { version: 16, name: "0016_repo_management", text: postgres0016 },
    { version: 17, name: "0017_learnings", text: postgres0017 },
    { version: 18, name: "0018_code_indexes", text: postgres0018 },
    { version: 19, name: "0019_run_kind", text: postgres0019 },
  ],
  sqlite: [
    { version: 1, name: "0001_initial", text: sqlite0001 },
    { version: 2, name: "0002_accounts", text: sqlite0002 },
    { version: 3, name: "0003_pull_request_state", text: sqlite0003 },
    { version: 4, name: "0004_apply_webhook_delivery", text: sqlite0004 },
    { version: 5, name: "0005_claim_order_index", text: sqlite0005 },
    { version: 6, name: "0006_review_step_progress", text: sqlite0006 },
    { version: 7, name: "0007_login_limits", text: sqlite0007 },
    { version: 8, name: "0008_cached_tokens", text: sqlite0008 },
    { version: 9, name: "0009_cancellation_and_backoff", text: sqlite0009 },
    { version: 10, name: "0010_review_history", text: sqlite0010 },
    { version: 11, name: "0011_webhook_head_check", text: sqlite0011 },
    { version: 12, name: "0012_author_budget", text: sqlite0012 },
    { version: 13, name: "0013_repo_identity", text: sqlite0013 },
    { version: 14, name: "0014_delivery_function_in_code", text: sqlite0014 },
    { version: 15, name: "0015_github_installations", text: sqlite0015 },
    { version: 16, name: "0016_repo_management", text: sqlite0016 },
    { version: 17, name: "0017_learnings", text: sqlite0017 },
    { version: 18, name: "0018_code_indexes", text: sqlite0018 },
    { version: 19, name: "0019_run_kind", text: sqlite0019 },
  ],
};
