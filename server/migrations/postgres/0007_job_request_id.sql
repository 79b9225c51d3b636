-- The request that queued a job, named in the job's log lines.
ALTER TABLE jobs ADD COLUMN request_id TEXT;
