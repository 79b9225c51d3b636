-- When a sub-merchant sync last brought all of a provider's sub-merchants (NULL: never), so
-- that the console can say which providers still need one.
ALTER TABLE providers ADD COLUMN sub_merchants_synced_at BIGINT;
