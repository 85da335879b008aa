-- Cancellation that holds (`lib/queue/settle.ts`, `worker/run_worker.ts`).
--
-- A cancelled job that was running keeps its lease (`locked_by`, `locked_until`) until its worker has stopped it
-- and says so, or the lease runs out when that worker is gone. Claiming skips every job of a pull request while
-- another job of it holds a lease, so a new head's review never runs beside the old head's review that is still
-- winding down (the old one could otherwise read the comments before the new one posts, or post after it).
CREATE INDEX jobs_leased_group_key ON jobs (group_key) WHERE locked_until IS NOT NULL;

-- A provider's `Retry-After` for one API key (by its fingerprint, never the key), shared by every worker: no call
-- to that provider with that key starts before `not_before` (`lib/llm/backoff.ts`, `lib/db/provider_backoffs.ts`).
CREATE TABLE provider_backoffs (
  provider TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  PRIMARY KEY (provider, key_fingerprint)
);

-- `apply_webhook_delivery` (0004) again, with two changes: a cancelled running job keeps its lease (see above),
-- and the ids it cancels are announced on the `loom_cancel` channel (`CANCEL_CHANNEL` in
-- `lib/queue/wakeup.ts`), sent at commit, so their workers stop them within milliseconds instead of at their
-- next heartbeat.
CREATE OR REPLACE FUNCTION apply_webhook_delivery(
  p_platform TEXT,
  p_delivery_id TEXT,
  p_repo_id BIGINT,
  -- The repository row the caller verified the signature with: nothing is written if it changed since.
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
  p_channel TEXT
) RETURNS TABLE (applied_outcome TEXT, applied_job_id BIGINT, job_created BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
  repo_paused BOOLEAN;
  new_job_id BIGINT;
  live_job_id BIGINT;
  cancelled_ids TEXT;
BEGIN
  SELECT repos.paused INTO repo_paused FROM repos
  WHERE repos.id = p_repo_id AND repos.platform = p_platform AND repos.webhook_secret = p_webhook_secret
    AND repos.full_name = p_full_name;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'stale_repo'::TEXT, NULL::BIGINT, FALSE;
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
    -- A push supersedes the reviews of older heads of the same pull request, never the new one.
    WITH cancelled AS (
      UPDATE jobs SET status = 'cancelled', error = p_reason, updated_at = p_now, finished_at = p_now
      WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress') AND jobs.id <> new_job_id
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
