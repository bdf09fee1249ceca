-- A random identity, written once when the knowledge base is created (or first opened by this version): what
-- the derived index files (healthqa.retrieve.derived) are checked against. A file path or a database URL is no
-- identity: a different knowledge base can be created at the same path (with the same inode) or behind the same
-- URL, with the same generation numbers and counts.
ALTER TABLE generation ADD COLUMN identity TEXT;
UPDATE generation SET identity = lower(hex(randomblob(16))) WHERE id = 1;
