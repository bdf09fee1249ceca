-- Knowledge base schema, version 1.
CREATE TABLE source (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    publisher   TEXT NOT NULL,
    url         TEXT NOT NULL,
    licence     TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('government_reviewed', 'reviewed_publisher', 'unreviewed'))
);

CREATE TABLE document (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES source(id),
    key          TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    updated      TEXT,
    reviewer     TEXT NOT NULL,
    origin       TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX document_source ON document(source_id);
CREATE INDEX document_origin ON document(origin);

-- Focus names, synonyms and titles: what a question may call the topic.
CREATE TABLE document_name (
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('title', 'focus', 'synonym'))
);
CREATE INDEX document_name_doc ON document_name(document_id);
CREATE INDEX document_name_name ON document_name(name COLLATE NOCASE);

CREATE TABLE document_code (
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    system      TEXT NOT NULL,
    code        TEXT NOT NULL
);
CREATE INDEX document_code_doc ON document_code(document_id);
CREATE INDEX document_code_code ON document_code(system, code);

CREATE TABLE passage (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    public_id     TEXT NOT NULL,
    ordinal       INTEGER NOT NULL,
    section       TEXT NOT NULL,
    heading       TEXT NOT NULL,
    text          TEXT NOT NULL,
    text_key      TEXT NOT NULL,
    updated       TEXT,
    precedence    INTEGER NOT NULL,
    -- Set when another passage with higher precedence carries the same id or the same text;
    -- such a passage is kept (its document may be re-ingested) but never searched or counted.
    superseded_by INTEGER
);
CREATE INDEX passage_doc ON passage(document_id);
CREATE INDEX passage_public ON passage(public_id);
CREATE INDEX passage_text_key ON passage(text_key);

CREATE TABLE question (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    public_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    qtype       TEXT NOT NULL,
    answer_id   TEXT
);
CREATE INDEX question_doc ON question(document_id);
CREATE INDEX question_answer ON question(answer_id);

CREATE TABLE organisation (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    url         TEXT NOT NULL
);
CREATE INDEX organisation_doc ON organisation(document_id);

CREATE TABLE drug_mention (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    brand       TEXT NOT NULL,
    generic     TEXT NOT NULL
);
CREATE INDEX drug_mention_doc ON drug_mention(document_id);

CREATE TABLE reference (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    text        TEXT NOT NULL
);
CREATE INDEX reference_doc ON reference(document_id);

-- Files already ingested, to make re-ingesting unchanged input a no-op without parsing it.
CREATE TABLE ingested_file (
    path   TEXT PRIMARY KEY,
    digest TEXT NOT NULL
);

-- Full-text indexes. rowid = passage.id / question.id; rows are written by the store itself.
CREATE VIRTUAL TABLE passage_fts USING fts5(
    title, heading, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE question_fts USING fts5(
    text, tokenize = 'porter unicode61 remove_diacritics 2'
);
