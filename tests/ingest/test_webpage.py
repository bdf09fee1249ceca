"""Tests of the web-page reader: FAQ, encyclopedia and article pages, as text and as HTML."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from healthqa.errors import BadInputError
from healthqa.ingest import ingest_path, webpage
from healthqa.ingest.webpage import READER, drop_boilerplate, lost_lists
from healthqa.records import OMITTED, ParsedDocument, SectionType, Tier
from healthqa.store import SQLiteStore

# --- fixtures: short hand-written pages ------------------------------------------------------------

FAQ_TXT = """Fabry disease

What causes Fabry disease?

Fabry disease is caused by changes in the GLA gene.

The gene change lowers the activity of an enzyme.

Last updated on 03-15-19

Is Fabry disease inherited?

Fabry disease is inherited in an X-linked pattern.

Last updated on 07-02-21

How might Fabry disease be treated?

Enzyme replacement therapy may be used.

Last updated on 11-30-20

Name: Fabry Support Group (FSG) 1200 Oak Street
Springfield, IL, 62701, United States
Phone: 217-555-0100 Toll Free: 800-555-0199 Fax : 217-555-0101 Email: info@example.org Url: https://example.org
Name: National Kidney Friends 55 Pine Road
Denver, CO, 80202, United States
Toll Free: 1-888-555-0142 (Helpline) Email: Url:

Note, these links are external searches against the drug database.

Drug Name Generic Name
Fabrazyme agalsidase beta
Galafold migalastat

Connect with other users with Fabry disease on the RareGuru app

Do you have information about a disease, disorder, or syndrome? Want to suggest a symptom?
Please send suggestions to RareGuru!

Our disease database is regularly updated using data provided by GARD.

People Using the App

Join the RareGuru Community

To connect, share, empower and heal today.
"""

FAQ_HTML = """<!DOCTYPE html>
<html><head><title>Fabry disease | App</title>
<link rel="canonical" href="https://app.example.org/disease/fabry">
<script>var tracking = "Last updated on 01-01-99";</script>
<style>p { color: red; }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/map">Site index</a></nav>
<h1>Fabry disease</h1>
<h2>What causes Fabry disease?</h2>
<p>Fabry disease is caused by changes in the <b>GLA</b> gene.</p>
<p>The gene change lowers the activity
   of an enzyme.</p>
<p>Last updated on 03-15-19</p>
<h2>How might Fabry disease be treated?</h2>
<p>Enzyme replacement therapy may be used.</p>
<p>Last updated on 11-30-20</p>
<div>Name: Fabry Support Group (FSG) 1200 Oak Street<br>Springfield, IL, 62701, United States<br>
Phone: 217-555-0100 Email: Url:</div>
<table><tr><th>Drug Name</th><th>Generic Name</th></tr>
<tr><td>Fabrazyme</td><td>agalsidase beta</td></tr></table>
<p>Connect with other users with Fabry disease on the RareGuru app</p>
<p>Our disease database is regularly updated using data provided by GARD.</p>
<script>document.write("injected text that is not page content");</script>
<footer>Copyright footer text</footer>
</body></html>
"""

ENCYCLOPEDIA_TXT = """Site Map

Gout

Gouty arthritis; Podagra

Gout is a type of arthritis that causes sudden pain.


A painful toe joint

I Would Like to Learn About:


Gout is caused by too much uric acid in the blood.

Some people make too much uric acid.


Symptoms may include:

Attacks often start at night.

Exams and Tests

Tests that may be done include:


Medicines can help during an attack.

Outlook (Prognosis)

Proper treatment helps most people.

Possible Complications

Complications may include:

When to Contact a Medical Professional

Call your provider if you have joint pain.

Related Information

Arthritis
Kidney stones


Smith AB, Jones CD. Gout and hyperuricemia. In: Brown E, ed. Rheumatology. Boston, MA: Press; 2021:chap 12.

Review Date: 3/9/2023

Reviewed By: Jane Q. Doe, MD, Rheumatology, Example Hospital. Also reviewed by the A.D.A.M. Editorial team.

ADAM Quality Logo
Health Content Provider

A.D.A.M., Inc. is accredited by URAC, for Health Content Provider. It complied with the HONcode standard.

The information provided herein should not be used during any medical emergency or for diagnosis.

A.D.A.M. content is best viewed in IE9 or above, Firefox and Google Chrome browser.
"""

ENCYCLOPEDIA_HTML = """<html><head><meta property="og:url" content="https://medlineplus.gov/ency/article/000422.htm">
</head><body>
<h1>Gout</h1>
<p>Gout is a type of arthritis (GA) that causes sudden pain.</p>
<h2>Causes</h2><p>Gout is caused by too much uric acid in the blood.</p>
<h2>Symptoms</h2><p>Symptoms may include:</p>
<ul><li>Sudden joint pain</li><li>A red, <i>swollen</i> joint</li></ul>
<h2>Treatment</h2><p>Medicines can help during an attack.</p>
<h2>Alternative Names</h2><p>Gouty arthritis; Podagra</p>
<h2>References</h2><p>Example Society. Gout guideline. 2020.</p>
<p>Review Date: 12/1/2022</p>
<p>Reviewed By: John Roe, MD, Internal Medicine.</p>
<p>© 1997- 2024 A.D.A.M., a business unit of Ebix, Inc.</p>
</body></html>
"""

ARTICLE_TXT = """What Is Ménière's Disease?
Ménière's disease (MD) is an inner ear disorder that causes vertigo.
Symptoms of Ménière's Disease
The symptoms come in attacks:
- Vertigo
- Ringing in the ear
Hearing Loss 👂
Hearing loss may come and go early on. 🌟
For more information on Ménière's disease, consider visiting Example Health AI, a valuable resource.

Treatment Options
Several treatments may help:
- Diuretics: These reduce fluid.
Frequently Asked Questions about Ménière's Disease
Is Ménière's disease hereditary?
Most cases are not inherited.
"""

ARTICLE_HTML = """<!doctype html><html><head><style>h2 {font-size: 2em}</style></head><body>
<nav><ul><li>Home</li><li>Topics</li></ul></nav>
<article>
<h1>What Is Ménière's Disease?</h1>
<p>Ménière's disease (MD) is an inner ear disorder that causes vertigo.</p>
<script type="text/javascript">console.log("script text must not appear")</script>
<h2>Symptoms of Ménière's Disease</h2>
<p>The symptoms come in attacks:</p>
<ul><li>Vertigo</li><li><b>Ringing</b> in the ear</li></ul>
<h2>Treatment Options</h2>
<p>Several treatments may help.</p>
<!-- a comment that must not appear -->
</article>
<footer><p>About us. Terms of use.</p></footer>
</body></html>
"""


CAUSES_TEXT = (
    "Fabry disease is caused by changes in the GLA gene.\n\nThe gene change lowers the activity of an enzyme."
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path) -> ParsedDocument:
    documents = READER.read_path(path)
    assert len(documents) == 1
    return documents[0]


def _all_text(document: ParsedDocument) -> str:
    return "\n".join(p.text + "\n" + p.heading for p in document.passages)


# --- FAQ pages ------------------------------------------------------------------------------------


def test_faq_text_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "fabry_faq.txt", FAQ_TXT))
    assert doc.key == "webpage:fabry_faq"
    assert doc.title == "Fabry disease"
    assert doc.focus == ["Fabry disease"]
    assert doc.url == ""
    assert doc.source.name == "RareGuru (GARD data)"
    assert doc.source.tier is Tier.REVIEWED_PUBLISHER
    assert [p.public_id for p in doc.passages] == ["fabry_faq_Sec1", "fabry_faq_Sec2", "fabry_faq_Sec3"]
    assert [p.section for p in doc.passages] == [
        SectionType.CAUSES,
        SectionType.INHERITANCE,
        SectionType.TREATMENT,
    ]
    first = doc.passages[0]
    assert first.heading == "What causes Fabry disease?"
    assert first.text == CAUSES_TEXT
    assert [p.updated for p in doc.passages] == ["2019-03-15", "2021-07-02", "2020-11-30"]
    assert doc.updated == "2021-07-02"  # the newest
    assert [(q.text, q.qtype, q.answer_id) for q in doc.questions] == [
        (p.heading, p.section, p.public_id) for p in doc.passages
    ]


def test_faq_organisations_and_drugs(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "fabry_faq.txt", FAQ_TXT))
    first, second = doc.organisations
    assert first.name == "Fabry Support Group (FSG)"
    assert first.address == "1200 Oak Street, Springfield, IL, 62701, United States"
    assert first.phone == "217-555-0100; Toll Free: 800-555-0199"
    assert first.email == "info@example.org"
    assert first.url == "https://example.org"
    assert second.name == "National Kidney Friends"
    assert second.address.endswith("Denver, CO, 80202, United States")
    assert "1-888-555-0142" in second.phone
    assert (second.email, second.url) == ("", "")
    assert [(d.brand, d.generic) for d in doc.drugs] == [
        ("Fabrazyme", "agalsidase beta"),
        ("Galafold", "migalastat"),
    ]


def test_faq_boilerplate_is_dropped(tmp_path: Path) -> None:
    text = _all_text(_read(_write(tmp_path, "fabry_faq.txt", FAQ_TXT)))
    for phrase in ("RareGuru", "Community", "suggest a symptom", "database", "People Using", "heal today",
                   "external searches", "Last updated", "Name:", "Fabrazyme"):  # fmt: skip
        assert phrase not in text


def test_faq_html_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "fabry.html", FAQ_HTML))
    assert doc.url == "https://app.example.org/disease/fabry"
    assert doc.title == "Fabry disease"
    assert [p.section for p in doc.passages] == [SectionType.CAUSES, SectionType.TREATMENT]
    assert doc.passages[0].text == CAUSES_TEXT
    assert doc.updated == "2020-11-30"
    assert doc.organisations[0].name == "Fabry Support Group (FSG)"
    assert doc.organisations[0].address == "1200 Oak Street, Springfield, IL, 62701, United States"
    assert doc.organisations[0].phone == "217-555-0100"
    assert [(d.brand, d.generic) for d in doc.drugs] == [("Fabrazyme", "agalsidase beta")]
    text = _all_text(doc)
    for phrase in ("injected", "tracking", "color", "Home", "footer", "RareGuru"):
        assert phrase not in text


# --- encyclopedia pages ---------------------------------------------------------------------------


def test_encyclopedia_text_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "gout.txt", ENCYCLOPEDIA_TXT))
    assert doc.title == "Gout"
    assert doc.synonyms == ["Gouty arthritis", "Podagra"]
    assert doc.source.name == "MedlinePlus Medical Encyclopedia (A.D.A.M.)"
    assert doc.source.tier is Tier.GOVERNMENT_REVIEWED
    assert doc.updated == "2023-03-09"
    assert doc.reviewer.startswith("Jane Q. Doe, MD")
    assert doc.reviewer.endswith("the A.D.A.M. Editorial team.")
    assert doc.references == [
        "Smith AB, Jones CD. Gout and hyperuricemia. In: Brown E, ed. Rheumatology. "
        "Boston, MA: Press; 2021:chap 12."
    ]
    sections = [(p.section, p.heading) for p in doc.passages]
    assert sections == [
        (SectionType.INFORMATION, ""),
        # Headings lost in the saved copy: typed from the fixed A.D.A.M. order, heading left empty.
        (SectionType.CAUSES, ""),
        (SectionType.SYMPTOMS, ""),
        (SectionType.EXAMS_AND_TESTS, "Exams and Tests"),
        (SectionType.TREATMENT, ""),
        (SectionType.OUTLOOK, "Outlook (Prognosis)"),
        (SectionType.COMPLICATIONS, "Possible Complications"),
        (SectionType.WHEN_TO_CONTACT, "When to Contact a Medical Professional"),
    ]
    assert doc.passages[1].text == (
        "Gout is caused by too much uric acid in the blood.\n\nSome people make too much uric acid."
    )
    # The saved copy lost the list the sentence announces: the omission is marked, as in any quotation.
    assert doc.passages[2].text == "Symptoms may include: [\u2026]\n\nAttacks often start at night."
    text = _all_text(doc)
    dropped = ("Site Map", "Learn About", "A painful toe joint", "Related Information", "Arthritis\n",
               "Kidney stones", "Smith AB", "Review Date", "URAC", "HONcode", "emergency", "IE9")  # fmt: skip
    for phrase in dropped:
        assert phrase not in text


@pytest.mark.parametrize(("lines", "lost"), [
    (["Tests may include:", "", "A CT scan looks for a tumour."], {"Tests may include:"}),
    (["Complications of X may include:"], {"Complications of X may include:"}),
    (["Take the following drugs:", ""], {"Take the following drugs:"}),
    # The list is there: bulleted, numbered, or short lines in a row.
    (["Tests may include:", "", "- Blood tests", "- EMG"], set()),
    (["Symptoms may include:", "", "\u00b7 Fever", "\u00b7 Cough"], set()),
    (["Symptoms may include:", "", "(1) Fever"], set()),
    (["Symptoms may include:", "", "Fever", "Cough"], set()),
    (["Symptoms may include:", "", "Fever", "", "Cough"], set()),
    (["Symptoms may include:", "", "Fever.", "Cough."], set()),
    (["Symptoms may include:", "", "\u2713 a long item that goes on about the first symptom", "\u2713 another"], set()),
    (["Symptoms may include:", "", "\u2022Fever"], set()),
    (["Symptoms may include:", "", "A) Fever"], set()),
    (["Symptoms include:", "", "It varies from one person to the next."], {"Symptoms include:"}),
    (["Tests may include:", "blood tests and an EMG."], set()),
    # Not a list's lead-in: a label with its values, a heading, a quotation's introduction.
    (["Phone: 555-0100 Email:", ""], set()),
    (["Signs and Symptoms:", "", "Most people feel tired."], set()),
    (["As one patient put it:", "", "It was hard."], set()),
    (["The short answer is:", "", "It depends on the person."], set()),
    # The same sentence with its list elsewhere on the page: not marked.
    (["Symptoms may include:", "", "Fatigue is common.", "Symptoms may include:", "- Fever"], set()),
])
def test_a_text_page_knows_where_its_lists_were_lost(lines: list[str], lost: set[str]) -> None:
    assert lost_lists(lines) == lost


def test_a_lost_list_is_marked_in_the_passage_and_changes_nothing_else(tmp_path: Path) -> None:
    """Marked after parsing: the sentence stays a sentence of its section (an article's headings, a drug table's
    rows and an encyclopedia's labels are read from the lines as saved)."""
    page = ("Living with Quellosis\n\nOverview\n\nQuellosis is rare and lasts for years.\n\n"
            "Complications of quellosis may include:\n\nMany people find support groups helpful.\n")
    doc = _read(_write(tmp_path, "quellosis.txt", page))
    assert [p.section for p in doc.passages] == [SectionType.INFORMATION]
    assert doc.passages[0].text.endswith(
        f"Complications of quellosis may include: {OMITTED}\nMany people find support groups helpful.")


def test_a_long_line_is_read_by_its_last_words() -> None:
    """(The speed of it is a benchmark's matter, not a test's: an unanchored search over such lines took minutes.)"""
    long_line = "word " * 8000 + "may include:"
    assert lost_lists([long_line, ""] * 3) == {long_line}
    assert lost_lists(["word " * 8000 + "is this:", ""]) == set()


def test_html_pages_keep_their_lists_and_are_not_marked(tmp_path: Path) -> None:
    page = ENCYCLOPEDIA_HTML.replace("</body>", "<p>Complications may include:</p></body>")
    assert OMITTED not in _all_text(_read(_write(tmp_path, "gout.htm", page)))


def test_encyclopedia_gap_is_not_guessed_without_adam(tmp_path: Path) -> None:
    # Without the A.D.A.M. marks the fixed section order is unknown: unlabeled blocks stay information.
    page = ENCYCLOPEDIA_TXT.replace("A.D.A.M.", "the editors")
    doc = _read(_write(tmp_path, "gout.txt", page))
    assert doc.source.tier is Tier.REVIEWED_PUBLISHER
    assert [(p.section, p.heading) for p in doc.passages[:3]] == [(SectionType.INFORMATION, "")] * 3


def test_encyclopedia_html_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "gout.htm", ENCYCLOPEDIA_HTML))
    assert doc.url == "https://medlineplus.gov/ency/article/000422.htm"
    assert doc.synonyms == ["Gouty arthritis", "Podagra"]
    assert [(p.section, p.heading) for p in doc.passages] == [
        (SectionType.INFORMATION, ""),
        (SectionType.CAUSES, "Causes"),
        (SectionType.SYMPTOMS, "Symptoms"),
        (SectionType.TREATMENT, "Treatment"),
    ]
    assert doc.passages[2].text == "Symptoms may include:\n- Sudden joint pain\n- A red, swollen joint"
    assert doc.references == ["Example Society. Gout guideline. 2020."]
    assert doc.updated == "2022-12-01"
    assert doc.reviewer == "John Roe, MD, Internal Medicine."
    assert "Ebix" not in _all_text(doc)


# --- articles -------------------------------------------------------------------------------------


def test_article_text_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "meniere.txt", ARTICLE_TXT))
    assert doc.title == "What Is Ménière's Disease?"
    assert doc.focus == ["Ménière's Disease"]
    assert doc.synonyms == ["MD"]
    assert doc.source.tier is Tier.UNREVIEWED
    assert doc.source.name == "Example Health AI"
    assert doc.updated is None and doc.reviewer == ""
    assert [(p.section, p.heading) for p in doc.passages] == [
        (SectionType.INFORMATION, "What Is Ménière's Disease?"),
        (SectionType.SYMPTOMS, "Symptoms of Ménière's Disease"),
        (SectionType.SYMPTOMS, "Hearing Loss"),  # emoji stripped; typed by the part it is in
        (SectionType.TREATMENT, "Treatment Options"),
        (SectionType.INHERITANCE, "Is Ménière's disease hereditary?"),
    ]
    assert doc.passages[1].text == "The symptoms come in attacks:\n- Vertigo\n- Ringing in the ear"
    assert doc.passages[2].text == "Hearing loss may come and go early on. 🌟"  # passage text kept exactly
    assert [q.text for q in doc.questions] == [
        "What Is Ménière's Disease?",
        "Is Ménière's disease hereditary?",
    ]
    assert "consider visiting" not in _all_text(doc)


def test_article_html_page(tmp_path: Path) -> None:
    doc = _read(_write(tmp_path, "meniere.html", ARTICLE_HTML))
    assert doc.title == "What Is Ménière's Disease?"
    assert doc.source.name == "Unreviewed web article"
    assert [p.heading for p in doc.passages] == [
        "What Is Ménière's Disease?",
        "Symptoms of Ménière's Disease",
        "Treatment Options",
    ]
    assert doc.passages[1].text == "The symptoms come in attacks:\n- Vertigo\n- Ringing in the ear"
    text = _all_text(doc)
    for phrase in ("script text", "console", "comment", "font-size", "Home", "Topics", "Terms of use"):
        assert phrase not in text


# --- boilerplate, detection, errors ---------------------------------------------------------------


def test_drop_boilerplate_takes_one_blank_along() -> None:
    lines = ["Intro.", "", "Site Map", "", "More text.", "", "", "People Using the App", ""]
    assert drop_boilerplate(lines) == ["Intro.", "", "More text.", "", ""]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("page.html", b"<html><body><p>Hello</p></body></html>", True),
        ("page.HTM", b"", True),
        ("page.txt", b"Gout is a type of arthritis that causes sudden pain.", True),
        ("page.txt", b"\xff\xfe\x00broken", True),  # read() says why it is not a page
        ("notes.md", b"Gout is a type of arthritis that causes sudden pain.", True),
        ("saved", b"<!DOCTYPE html><html><body>x</body></html>", True),
        ("qrels.txt", b"1 3 GARD_0003459_Sec2.txt\n1 2 GHR_0000001_Sec1.txt\n", False),
        ("data.csv", b"Gout is a type of arthritis that causes sudden pain.", False),
        ("LICENSE.txt", b"Permission is hereby granted to anyone who wants it.", False),
        ("blob.bin", b"\x00\x01\x02\x03\xff", False),
    ],
)
def test_detect(name: str, data: bytes, expected: bool) -> None:
    assert READER.detect(Path(name), data) is expected


def test_detect_accepts_a_head_cut_inside_a_character() -> None:
    head = "Ménière's disease is an inner ear disorder. é".encode()[:-1]
    assert READER.detect(Path("page"), head)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bad.txt", "Gout is painful.".encode("utf-16"), "not UTF-8 text"),
        ("empty.txt", b"", "empty page"),
        ("blank.html", b"   \n  ", "empty page"),
        ("scripts.html", b"<html><head><script>var x = 1;</script></head><body></body></html>", "empty page"),
        ("boiler.txt", b"Site Map\n\nPeople Using the App\n", "empty page"),
        ("title_only.txt", b"Gout\n", "empty page"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(BadInputError) as caught:
        READER.read_path(path)
    assert caught.value.source == str(path)
    assert reason in caught.value.reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read"):
        READER.read_path(tmp_path / "missing.txt")


# --- the three founding documents ------------------------------------------------------------------

_SEEDS = Path(
    os.environ.get("HEALTHQA_SHARED_SEEDS") or Path(__file__).parents[2].parent / "shared" / "seeds"
)
_BOILERPLATE_PHRASES = (
    "RareGuru",
    "Join the",
    "People Using the App",
    "To connect, share",
    "Do you have information about a disease",
    "Please send suggestions",
    "disease database is regularly updated",
    "Site Map",
    "I Would Like to Learn About",
    "Superficial anterior muscles",
    "URAC",
    "HONcode",
    "ADAM Quality Logo",
    "Health Content Provider",
    "should not be used during any medical emergency",
    "best viewed in",
    "Note, these links",
    "consider visiting",
    "Yesil",
    "Last updated on",
    "Review Date",
    "Related Information",
    "©",
)


def _seed(prefix: str) -> ParsedDocument:
    paths = sorted(_SEEDS.glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"seed {prefix}_*.txt not found in {_SEEDS} (set HEALTHQA_SHARED_SEEDS)")
    assert READER.detect(paths[0], paths[0].read_bytes()[:4096])
    return _read(paths[0])


@pytest.mark.skipif(not _SEEDS.is_dir(), reason=f"shared seeds folder {_SEEDS} is missing")
def test_seed_documents() -> None:
    gard, article, encyclopedia = _seed("000"), _seed("002"), _seed("004")
    for doc in (gard, article, encyclopedia):
        assert "lambert" in doc.focus[0].lower() and "eaton" in doc.focus[0].lower()
        assert "LEMS" in doc.synonyms
        assert doc.passages
        for passage in doc.passages:
            for phrase in _BOILERPLATE_PHRASES:
                assert phrase not in passage.text, (doc.key, passage.public_id, phrase)

    assert {"Eaton-Lambert syndrome", "LES"} <= set(encyclopedia.synonyms)
    assert encyclopedia.updated == "2022-04-25"
    assert encyclopedia.reviewer.startswith("Joseph V. Campellone, MD")
    assert encyclopedia.source.tier is Tier.GOVERNMENT_REVIEWED
    assert len(encyclopedia.references) == 3
    enc_sections = {p.section for p in encyclopedia.passages}
    assert {SectionType.EXAMS_AND_TESTS, SectionType.OUTLOOK, SectionType.COMPLICATIONS} <= enc_sections

    assert {SectionType.CAUSES, SectionType.INHERITANCE, SectionType.OUTLOOK, SectionType.TREATMENT} <= {
        p.section for p in gard.passages
    }
    assert gard.updated == "2020-05-01"
    assert all(p.updated == "2020-05-01" for p in gard.passages)
    assert gard.source.tier is Tier.REVIEWED_PUBLISHER
    assert len(gard.questions) == len(gard.passages)
    aarda, mda = gard.organisations
    assert "(AARDA)" in aarda.name and "Eastpointe, MI" in aarda.address and "586-776-3900" in aarda.phone
    assert mda.name.startswith("Muscular Dystrophy Association") and "Chicago" in mda.address
    assert "1-833-275-6321" in mda.phone
    assert [(d.brand, d.generic) for d in gard.drugs] == [("Firdapse", "amifampridine phosphate")]

    assert article.source.tier is Tier.UNREVIEWED
    assert article.updated is None and article.reviewer == ""
    assert {SectionType.SYMPTOMS, SectionType.EXAMS_AND_TESTS, SectionType.TREATMENT} <= {
        p.section for p in article.passages
    }


def test_a_page_read_by_an_older_reader_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader's version is part of what marks a file as read: a knowledge base built before the lost-list mark
    (version 1 read no lost lists and recorded the bytes' digest alone) reads the page again and gets the mark;
    a second ingest skips it."""
    (tmp_path / "pages").mkdir()
    page = _write(tmp_path / "pages", "gout.txt", ENCYCLOPEDIA_TXT)
    store = SQLiteStore(tmp_path / "kb.db")
    try:
        with monkeypatch.context() as older:  # the page as version 1 read it
            older.setattr(webpage, "lost_lists", lambda lines: frozenset())
            assert ingest_path(store, page.parent).stats.documents_added == 1
        assert not any(OMITTED in p.text for p in store.iter_passages())
        with contextlib.closing(sqlite3.connect(tmp_path / "kb.db")) as db, db:  # what version 1 recorded
            db.execute("UPDATE ingested_file SET digest = ?", (hashlib.sha256(page.read_bytes()).hexdigest(),))
        stats = ingest_path(store, page.parent).stats
        assert (stats.files_skipped_unchanged, stats.documents_replaced) == (0, 1)
        assert any(OMITTED in p.text for p in store.iter_passages())
        assert ingest_path(store, page.parent).stats.files_skipped_unchanged == 1
    finally:
        store.close()


def test_a_readers_digest_is_its_bytes_then_its_version() -> None:
    plain = hashlib.sha256(b"page").hexdigest()
    assert dataclasses.replace(READER, version=1).digest(b"page") == plain
    assert READER.digest(b"page") == f"{plain}:webpage-v{READER.version}" != plain
