-- The event store: one row per committed event, one per stream, and the head of the global log.
-- Appends serialise on the single facta_log_head row (locked FOR UPDATE for the whole append
-- transaction), so positions are taken from it densely, in commit order, and a reader never sees
-- a later position without every earlier one. `epoch` moves on with every change that an
-- appender's cached view of stream versions depends on (appends and deletes).

CREATE TABLE facta_log_head (
    id       smallint PRIMARY KEY CHECK (id = 1),
    position bigint   NOT NULL,
    epoch    bigint   NOT NULL
);
INSERT INTO facta_log_head (id, position, epoch) VALUES (1, 0, 0);

CREATE TABLE facta_streams (
    stream          text COLLATE "C" PRIMARY KEY,
    category        text        NOT NULL,
    version         bigint      NOT NULL DEFAULT -1,
    deleted         boolean     NOT NULL DEFAULT false,
    max_count       bigint,
    max_age_ms      bigint,
    truncate_before bigint,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE facta_events (
    position    bigint      PRIMARY KEY,
    id          uuid        NOT NULL UNIQUE,
    stream      text COLLATE "C" NOT NULL,
    version     bigint      NOT NULL,
    category    text        NOT NULL,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (stream, version)
);

-- No index by category or type: filtered reads of the global log scan it in position order a
-- bounded window at a time (the primary key), which every append would otherwise pay for twice.
