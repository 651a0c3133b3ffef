-- The throttle's time column is the moment of the key's last failure (a
-- key quiet for the forgetting period starts afresh, as in
-- src/accounts/throttle.rs), not the start of a fixed window: named so.
ALTER TABLE throttle RENAME COLUMN window_start TO last_failure;
CREATE INDEX throttle_by_last_failure ON throttle (last_failure);
