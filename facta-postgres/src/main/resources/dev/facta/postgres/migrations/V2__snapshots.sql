-- Aggregate snapshots: an encoded state after event `version` of a stream, with the schema
-- version of the state's shape. They are an optimisation only (losing one costs a full replay),
-- so nothing references them and they carry no foreign key to facta_streams: a snapshot may be
-- saved or pruned without touching, or waiting on, the event store's append lock.
-- The primary key serves "latest at or below a version" as one backward index scan; COLLATE "C"
-- matches facta_events.stream, so streams compare byte-wise everywhere.

CREATE TABLE facta_snapshots (
    stream         text COLLATE "C" NOT NULL,
    version        bigint      NOT NULL,
    schema_version int         NOT NULL,
    state          bytea       NOT NULL,
    taken_at       timestamptz NOT NULL,
    PRIMARY KEY (stream, version)
);
