-- Command idempotency keys, shared by every instance on the schema. A row is 'running' while a
-- caller holds the key: until lease_until, after which another caller may take it over (its owner
-- is presumed dead). Then 'done' with the result encoded by the application's ResultCodec, until
-- expires_at; an expired row counts as absent. COLLATE "C": keys compare byte-wise.

CREATE TABLE facta_idempotency_keys (
    key         text COLLATE "C" PRIMARY KEY,
    state       text        NOT NULL CHECK (state IN ('running', 'done')),
    result      text,
    expires_at  timestamptz NOT NULL,
    lease_until timestamptz
);

CREATE INDEX facta_idempotency_keys_expires_at ON facta_idempotency_keys (expires_at);
