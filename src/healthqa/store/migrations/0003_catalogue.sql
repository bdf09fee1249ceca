-- Rare-disease catalogue (Orphanet): typed facts and HPO phenotype annotations of a document.
CREATE TABLE fact (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('inheritance', 'prevalence', 'onset', 'gene', 'parent', 'subtype')),
    value       TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX fact_doc ON fact(document_id);
CREATE INDEX fact_kind_value ON fact(kind, value);

CREATE TABLE phenotype (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    hpo_id          TEXT NOT NULL,
    term            TEXT NOT NULL,
    frequency_label TEXT NOT NULL,
    -- midpoint of the recorded frequency range, 0..1; NULL when the source gives none
    frequency       REAL
);
CREATE INDEX phenotype_doc ON phenotype(document_id);
CREATE INDEX phenotype_hpo ON phenotype(hpo_id);
