"""No response of the public API or pages carries a file path of the server (issue 21, defect 7).

A document ingested from a folder with an unmistakable name must be found and shown by every public
route, and its folder must appear in none of them: the API shows the source's name and public URL.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from urllib.parse import quote

from app.conftest import open_client
from healthqa.app.api.routes import Topic
from healthqa.ingest import ingest_path
from healthqa.store import SQLiteStore
from healthqa.store.base import DocumentRecord, PassageRecord, QuestionRecord, public_document
from kb_builders import write_medquad_xml

MARKER = "srvpath-7f3a9c"


def test_no_public_response_holds_the_source_folder(kb_path: Path, tmp_path: Path) -> None:
    kb = Path(shutil.copy(kb_path, tmp_path / "kb.db"))
    folder = tmp_path / MARKER / "medquad"
    write_medquad_xml(folder, "0000777", "Quokkitis", [
        ("information", "What is (are) Quokkitis ?",
         "Quokkitis is a fictional inflammation of the quokka gland, used in tests."),
    ])
    store = SQLiteStore(kb)
    try:
        ingest_path(store, folder)
    finally:
        store.close()
    with open_client(kb) as client:
        found = client.get("/api/search", params={"q": "quokka gland"}).json()["results"]
        assert found, "the ingested document is searchable"
        key = found[0]["document"]
        topic = client.get(f"/api/topics/{quote(key, safe=':')}")
        assert topic.status_code == 200
        record = topic.json()
        assert "origin" not in record and "id" not in record
        number = client.app.state.service.require_store().document(key).id  # type: ignore[attr-defined]
        assert record["source"] and record["url"].startswith("https://")  # the source's name and public URL
        responses = [
            topic,
            client.get(f"/api/topics/{number}"),
            client.get(f"/topics/{quote(key, safe=':')}"),
            client.get("/api/search", params={"q": "quokkitis"}),
            client.get("/api/ask", params={"q": "what is quokkitis"}),
            client.post("/api/ask", json={"question": "what is quokkitis"}),
            client.get("/api/sources"),
            client.get("/api/diseases", params={"q": "quokkitis"}),
            client.get("/api/diseases/quokkitis"),
            client.get("/diseases/quokkitis"),
            client.get("/sources"),
            client.get("/openapi.json"),
            client.get("/healthz"),
        ]
    for response in responses:
        assert response.status_code < 500, (response.url, response.status_code)
        assert MARKER not in response.text, f"{response.url} shows a server path"
        assert str(tmp_path) not in response.text, f"{response.url} shows a server path"


def test_the_public_topic_is_the_record_without_its_origin_or_row_ids() -> None:
    """Topic mirrors DocumentRecord field for field, less the server path (the CLI's `show` keeps it) and the
    row ids, which change on re-ingest (keys and public ids do not)."""
    public = list(Topic.model_fields)
    stored = [f.name for f in dataclasses.fields(DocumentRecord) if f.name not in {"origin", "id"}]
    assert public == stored
    passage = PassageRecord(7, "k_Sec1", "text", "causes", "", None, 3, "k", "t", "", "GARD", "government_reviewed", "")
    question = QuestionRecord(9, "k_Q1", "What causes it?", "causes", "k_Sec1", 3)
    record = DocumentRecord(3, "k", "t", "https://example.org", None, "", "GARD", "government_reviewed", "", "/srv/x",
                            passages=[passage], questions=[question])
    shown = Topic.model_validate(public_document(record)).model_dump()
    assert "origin" not in shown and "id" not in shown and shown["key"] == "k"
    assert shown["passages"] == [{name: value for name, value in dataclasses.asdict(passage).items()
                                  if name not in {"rowid", "document_id"}}]
    assert shown["questions"][0]["public_id"] == "k_Q1" and "rowid" not in shown["questions"][0]
    assert "document_id" not in shown["questions"][0]
