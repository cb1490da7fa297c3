-- Projections: the registry with operator flags, per-segment checkpoints, leases, group
-- membership and dead letters, shared by every instance on the schema. Lease and membership
-- expiry is compared with the database's clock only, so instances with skewed clocks agree.
-- Checkpoints are rows of their own (with their own updated_at) so that a batch locks only its
-- segment's row, never the registry row other segments share. Every statement may run again over
-- tables that exist (a schema whose version records were rolled back by hand).

CREATE TABLE IF NOT EXISTS facta_projections (
    name              text COLLATE "C" NOT NULL,
    version           int         NOT NULL CHECK (version >= 1),
    segments          int         NOT NULL CHECK (segments >= 1),
    state             text        NOT NULL CHECK (state IN ('BUILDING', 'ACTIVE', 'RETIRED')),
    paused            boolean     NOT NULL DEFAULT false,
    stopped           boolean     NOT NULL DEFAULT false,
    rebuild_requested boolean     NOT NULL DEFAULT false,
    last_error        text,
    last_error_at     timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

CREATE TABLE IF NOT EXISTS facta_projection_checkpoints (
    name       text COLLATE "C" NOT NULL,
    version    int         NOT NULL,
    segment    int         NOT NULL CHECK (segment >= 0),
    position   bigint      NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version, segment)
);

-- A lease row outlives its holders: releasing or losing a lease only moves expires_at, so the
-- token keeps growing across every acquisition and an old holder's token never comes back.
CREATE TABLE IF NOT EXISTS facta_projection_leases (
    name       text COLLATE "C" NOT NULL,
    version    int         NOT NULL,
    segment    int         NOT NULL CHECK (segment >= 0),
    owner      text COLLATE "C" NOT NULL,
    token      bigint      NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (name, version, segment)
);

CREATE TABLE IF NOT EXISTS facta_projection_members (
    group_name text COLLATE "C" NOT NULL,
    owner      text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (group_name, owner)
);

CREATE TABLE IF NOT EXISTS facta_dead_letters (
    id         bigserial   PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    version    int         NOT NULL,
    segment    int         NOT NULL,
    position   bigint      NOT NULL,
    event_id   uuid        NOT NULL,
    stream     text COLLATE "C" NOT NULL,
    event_type text        NOT NULL,
    attempts   int         NOT NULL,
    error      text        NOT NULL,
    parked_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS facta_dead_letters_key ON facta_dead_letters (name, version, id);
