-- Applies one verified webhook delivery in a single statement (`lib/queue/webhook_delivery.ts` calls it; its
-- SQLite twin there runs the same steps in one transaction). One round trip per webhook instead of BEGIN, five
-- statements and COMMIT. A statement is atomic on its own: a crash leaves neither a delivery without its job nor
-- a job without its delivery. Each statement below sees the rows committed before it started (READ COMMITTED),
-- exactly like the same steps sent one by one inside a transaction.
--
-- This file is the function's only definition. `lib/queue/delivery_function.ts` names the function after a
-- hash of this text and creates it the first time a process needs it, so an edit here is live at the next
-- start, with no migration; a process of the previous version keeps calling the previous function meanwhile.
-- __FUNCTION_NAME__ is replaced by that name.
--
-- Replay safety: an old or replayed pull-request event is checked against the pull request's current head (or
-- state) on the platform before it cancels or supersedes anything (`lib/webhooks/head_check.ts`). Only a delivery
-- that would cancel or supersede a live job needs the check, so the common webhook stays one round trip: the
-- function answers 'needs_check' without writing, the web process asks the platform, and applies the delivery
-- again with the answer. A cancelled running job keeps its lease until its worker has stopped it; the ids
-- cancelled are announced on 'loom_cancel' (`CANCEL_CHANNEL`), sent at commit.
CREATE OR REPLACE FUNCTION __FUNCTION_NAME__(
  p_platform TEXT,
  p_delivery_id TEXT,
  p_repo_id BIGINT,
  -- The secret ciphertext the caller verified the signature with: the repository's current secret, or its previous
  -- one while that is within its grace period at p_now. Nothing is written if the row changed since, or if the
  -- repository is disconnected.
  p_webhook_secret TEXT,
  p_full_name TEXT,
  p_event TEXT,
  p_now BIGINT,
  -- 'ignore', 'cancel_group' or 'enqueue_review'.
  p_action TEXT,
  p_group_key TEXT,
  p_reason TEXT,
  p_job_type TEXT,
  p_job_payload TEXT,
  p_dedupe_key TEXT,
  p_max_attempts INTEGER,
  p_channel TEXT,
  -- 'unchecked': when the delivery would cancel or supersede a live job, write nothing and answer
  -- 'needs_check'. 'current': the platform confirmed the event. 'stale': the platform says the pull request has
  -- moved on (record the delivery, change nothing). 'unknown': the platform could not be asked (enqueue without
  -- superseding, cancel nothing).
  p_head_check TEXT
) RETURNS TABLE (applied_outcome TEXT, applied_job_id BIGINT, job_created BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
  repo_paused BOOLEAN;
  new_job_id BIGINT;
  live_job_id BIGINT;
  cancelled_ids TEXT;
BEGIN
  SELECT repos.paused INTO repo_paused FROM repos
  WHERE repos.id = p_repo_id AND repos.platform = p_platform AND repos.full_name = p_full_name
    AND repos.disconnected_at IS NULL
    AND (repos.webhook_secret = p_webhook_secret
      OR (repos.previous_webhook_secret = p_webhook_secret AND repos.previous_secret_expires_at > p_now))
  -- A pause committing meanwhile (the dashboard, an uninstalled GitHub App) waits for this delivery's job and then
  -- cancels it, or this read waits for the pause and sees it: no job slips in between.
  FOR SHARE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'stale_repo'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  IF p_head_check = 'unchecked' AND p_action IN ('cancel_group', 'enqueue_review') AND EXISTS (
    SELECT 1 FROM jobs WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress')
      AND (p_action = 'cancel_group' OR jobs.dedupe_key IS DISTINCT FROM p_dedupe_key)
  ) THEN
    RETURN QUERY SELECT 'needs_check'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  -- The primary key makes a replayed delivery id a no-op, even when two copies race.
  INSERT INTO webhook_deliveries (platform, delivery_id, repo_id, event, outcome, received_at)
  VALUES (p_platform, p_delivery_id, p_repo_id, p_event, 'ignored', p_now)
  ON CONFLICT (platform, delivery_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'duplicate'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  IF p_head_check = 'stale' OR (p_head_check = 'unknown' AND p_action = 'cancel_group') THEN
    UPDATE webhook_deliveries SET outcome = CASE WHEN p_head_check = 'stale' THEN 'stale' ELSE 'unverified' END
    WHERE webhook_deliveries.platform = p_platform AND webhook_deliveries.delivery_id = p_delivery_id;
    RETURN QUERY SELECT CASE WHEN p_head_check = 'stale' THEN 'stale' ELSE 'unverified' END, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  IF p_action = 'ignore' THEN
    RETURN QUERY SELECT 'ignored'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  IF p_action = 'cancel_group' THEN
    WITH cancelled AS (
      UPDATE jobs SET status = 'cancelled', error = p_reason, updated_at = p_now, finished_at = p_now
      WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress')
      RETURNING jobs.id
    ) SELECT string_agg(cancelled.id::TEXT, ',') INTO cancelled_ids FROM cancelled;
    IF cancelled_ids IS NOT NULL THEN
      PERFORM pg_notify('loom_cancel', cancelled_ids);
    END IF;
    UPDATE webhook_deliveries SET outcome = 'cancelled'
    WHERE webhook_deliveries.platform = p_platform AND webhook_deliveries.delivery_id = p_delivery_id;
    RETURN QUERY SELECT 'cancelled'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  IF p_action <> 'enqueue_review' THEN
    RAISE EXCEPTION 'Cannot apply a webhook delivery: unknown action "%"', p_action;
  END IF;

  IF repo_paused THEN
    UPDATE webhook_deliveries SET outcome = 'paused'
    WHERE webhook_deliveries.platform = p_platform AND webhook_deliveries.delivery_id = p_delivery_id;
    RETURN QUERY SELECT 'paused'::TEXT, NULL::BIGINT, FALSE;
    RETURN;
  END IF;

  -- While a live job has this dedupe key, the partial unique index turns the insert into a no-op.
  INSERT INTO jobs (type, payload, priority, run_at, max_attempts, dedupe_key, group_key, created_at, updated_at)
  VALUES (p_job_type, p_job_payload, 0, p_now, p_max_attempts, p_dedupe_key, p_group_key, p_now, p_now)
  ON CONFLICT (dedupe_key) WHERE status IN ('pending', 'in_progress') DO NOTHING
  RETURNING jobs.id INTO new_job_id;

  IF new_job_id IS NOT NULL THEN
    -- A push supersedes the reviews of older heads of the same pull request, never the new one; an event the
    -- platform could not confirm supersedes nothing (the older review's own checks stop it from posting).
    WITH cancelled AS (
      UPDATE jobs SET status = 'cancelled', error = p_reason, updated_at = p_now, finished_at = p_now
      WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress') AND jobs.id <> new_job_id
        AND p_head_check <> 'unknown'
      RETURNING jobs.id
    ) SELECT string_agg(cancelled.id::TEXT, ',') INTO cancelled_ids FROM cancelled;
    IF cancelled_ids IS NOT NULL THEN
      PERFORM pg_notify('loom_cancel', cancelled_ids);
    END IF;
    -- Sent at commit, so a woken worker sees the job.
    PERFORM pg_notify(p_channel, p_job_type);
    UPDATE webhook_deliveries SET outcome = 'enqueued', job_id = new_job_id
    WHERE webhook_deliveries.platform = p_platform AND webhook_deliveries.delivery_id = p_delivery_id;
    RETURN QUERY SELECT 'enqueued'::TEXT, new_job_id, TRUE;
    RETURN;
  END IF;

  SELECT jobs.id INTO live_job_id FROM jobs
  WHERE jobs.dedupe_key = p_dedupe_key AND jobs.status IN ('pending', 'in_progress');
  IF live_job_id IS NULL THEN
    -- The live duplicate finished after the insert looked; the delivery is still a duplicate of it.
    SELECT jobs.id INTO live_job_id FROM jobs WHERE jobs.dedupe_key = p_dedupe_key ORDER BY jobs.id DESC LIMIT 1;
  END IF;
  UPDATE webhook_deliveries SET outcome = 'duplicate_job', job_id = live_job_id
  WHERE webhook_deliveries.platform = p_platform AND webhook_deliveries.delivery_id = p_delivery_id;
  RETURN QUERY SELECT 'duplicate_job'::TEXT, live_job_id, FALSE;
END;
$$;
