-- A counter that every ingest which changes documents increments in its own transaction, so that other
-- processes serving the same file (server workers) notice the change and reload what they keep in memory.
CREATE TABLE generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO generation(id, value) VALUES (1, 0);
