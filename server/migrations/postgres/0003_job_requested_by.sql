-- Who asked for a job (the account, or the operator acting for it), shown beside its result.
ALTER TABLE jobs ADD COLUMN requested_by TEXT;
