-- Signing keys carry their algorithm and whether they are retired beside
-- the record, so that at most one current key per algorithm can exist:
-- two instances starting at once on an empty database both try to create
-- the first keys, and the unique index lets exactly one of them in.
-- (CockroachDB accepts partial indexes since 20.2.)
ALTER TABLE signing_keys ADD COLUMN alg TEXT NOT NULL DEFAULT '';
ALTER TABLE signing_keys ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (alg) WHERE NOT retired;
