-- Applies one verified webhook delivery in a single statement, so the web process makes one round trip per
-- webhook instead of BEGIN, five statements and COMMIT. A statement is atomic on its own: a crash leaves neither
-- a delivery without its job nor a job without its delivery. Each statement below sees the rows committed before
-- it started (READ COMMITTED), exactly like the same steps sent one by one inside a transaction.
-- `lib/queue/webhook_delivery.ts` calls it; the SQLite side runs the same steps in one transaction.

-- Superseding looks up the live jobs of one pull request. With an index on every job's group, the planner,
-- misled by statistics that lag a burst of new jobs, intersects it with the status index and reads every pending
-- job; an index of live jobs only answers the lookup directly and stays small.
DROP INDEX jobs_group_key;
CREATE INDEX jobs_live_group_key ON jobs (group_key) WHERE status IN ('pending', 'in_progress');

CREATE FUNCTION apply_webhook_delivery(
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
    UPDATE jobs SET status = 'cancelled', error = p_reason, locked_by = NULL, locked_until = NULL,
      updated_at = p_now, finished_at = p_now
    WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress');
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
    UPDATE jobs SET status = 'cancelled', error = p_reason, locked_by = NULL, locked_until = NULL,
      updated_at = p_now, finished_at = p_now
    WHERE jobs.group_key = p_group_key AND jobs.status IN ('pending', 'in_progress') AND jobs.id <> new_job_id;
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
