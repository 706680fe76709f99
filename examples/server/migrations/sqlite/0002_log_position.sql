-- The vote log's commit order. Every batch takes the next position of `log_head` in
-- its own transaction (before inserting its rows) and writes it on each of its rows.
-- The update of the single `log_head` row locks it until the transaction ends, so
-- batches commit in position order and a position is visible only once every position
-- below it is: a server instance that has folded every position up to N and reads the
-- committed head H can fold exactly the rows with N < log_position <= H and miss none.
-- (A row id or a sequence would not do: ids are drawn before commit, so a smaller id
-- can become visible after a larger one.) A batch that rolls back gives its position
-- back. Rows written before this migration keep position 0.
ALTER TABLE votes ADD COLUMN log_position BIGINT NOT NULL DEFAULT 0;
CREATE TABLE log_head (
    id BIGINT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO log_head (id, position) VALUES (1, 0);
CREATE INDEX votes_log_position ON votes (log_position, id) WHERE accepted = 1;
