-- Every claim of a job gets a new token; a worker's writes name the token of its claim, so a
-- worker that lost its lease (paused, partitioned) writes nothing after another took over.
ALTER TABLE jobs ADD COLUMN claim_token INTEGER NOT NULL DEFAULT 0;
