-- Claiming reads pending jobs in claim order (`lib/queue/claim.ts`): this index holds exactly those rows in that
-- order, so a claim reads the first due entries instead of sorting every pending job.
CREATE INDEX jobs_pending_order ON jobs (priority DESC, run_at, id) WHERE status = 'pending';
