-- Sentence embeddings for semantic matching, one per visible passage and model.
-- The vector embeds the question the passage answers (or its heading), which is what a person's
-- question is compared with; float32 little-endian bytes.
CREATE TABLE passage_vector (
    passage_id INTEGER NOT NULL REFERENCES passage(id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    vector     BLOB NOT NULL,
    PRIMARY KEY (passage_id, model)
);
