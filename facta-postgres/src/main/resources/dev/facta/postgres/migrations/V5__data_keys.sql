-- The data subjects' keys for field-level encryption: one AES key per subject, wrapped by a master
-- key (master_key names it) and never stored in clear. Deleting a row crypto-shreds the subject:
-- every value encrypted under the key becomes unreadable. Nothing references this table, so keys
-- are created and destroyed without touching the event store's append lock.

CREATE TABLE IF NOT EXISTS facta_data_keys (
    subject    text COLLATE "C" PRIMARY KEY,
    key_id     text        NOT NULL,
    master_key text        NOT NULL,
    wrapped    bytea       NOT NULL,
    created_at timestamptz NOT NULL
);
