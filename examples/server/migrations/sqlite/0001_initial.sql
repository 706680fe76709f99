-- electie-server schema (SQLite). Votes are an append-only log: rows are inserted,
-- never updated or deleted.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE admins (
    username TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE polling_place_keys (
    polling_place_id BIGINT PRIMARY KEY NOT NULL,
    server_private_key_pem TEXT NOT NULL,
    server_public_key_pem TEXT NOT NULL,
    gateway_public_key_pem TEXT NOT NULL
);

CREATE TABLE sync_state (
    polling_place_id BIGINT PRIMARY KEY NOT NULL,
    last_seqno BIGINT NOT NULL,
    chain_head TEXT NOT NULL,
    closed BIGINT NOT NULL DEFAULT 0,
    closed_at TEXT
);

CREATE TABLE votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    polling_place_id BIGINT NOT NULL,
    seqno BIGINT,
    chain TEXT,
    accepted BIGINT NOT NULL,
    reason TEXT,
    token TEXT,
    party_id BIGINT,
    candidate_ids TEXT NOT NULL,
    election_id TEXT
);
-- (token, polling place) is unique among accepted votes in every mode.
CREATE UNIQUE INDEX votes_token ON votes (polling_place_id, token) WHERE accepted = 1;
CREATE UNIQUE INDEX votes_seqno ON votes (polling_place_id, seqno) WHERE seqno IS NOT NULL;

CREATE TABLE feed (
    seqno BIGINT PRIMARY KEY NOT NULL,
    polling_place_id BIGINT NOT NULL,
    party_id BIGINT,
    candidate_ids TEXT NOT NULL
);

CREATE TABLE commission_papers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    polling_place_id BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL,
    encrypted_message TEXT NOT NULL,
    encrypted_object TEXT NOT NULL
);
