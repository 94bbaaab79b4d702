"""Exact duplicates (content_id) and syndicated near-duplicates (NearDuplicateIndex)."""

from __future__ import annotations

from narrascope.ingest import NearDuplicateIndex, content_id

WIRE = """Ferry unions and owners agree deal to end week-long strike

HARBOUR CITY, Nov 22 (Coastal Wire) - Ferry crews will return to work on Saturday after unions and
the three operators serving the islands agreed a two-year wage deal, ending a strike that stranded
thousands of passengers during the busiest week of the autumn, both sides said on Friday.

The agreement raises pay by 6 percent this year and 4 percent next year, and limits night shifts to
three a week. Union leader Marta Kovac said members had voted 412 to 88 to accept the offer after
the operators dropped a demand to cut crew sizes on the smaller boats.

"Nobody wanted this strike to last, but our members needed a fair offer and now they have one,"
Kovac told reporters outside the port authority building.

The operators said timetables would return to normal by Sunday evening. Hotels on the islands had
reported cancellations of up to a third of bookings, and the regional government had prepared
emergency sailings with navy vessels for medical cases and deliveries of fuel and food.

Transport minister Goran Petrovic welcomed the deal and said the government would propose a law
requiring a minimum service on island routes during future strikes, a plan the unions oppose.
"""

SYNDICATED = """Island ferries to sail again as strike deal is reached

By Daily Roundup Staff | Source: Coastal Wire | November 22, 2024

HARBOUR CITY, Nov 22 - Ferry crews will return to work on Saturday after unions and
the three operators serving the islands agreed a two-year wage deal, ending a walkout that stranded
thousands of passengers during the busiest week of the autumn, both sides said on Friday.

The agreement raises pay by 6 percent this year and 4 percent next year, and limits night shifts to
three a week. Union leader Marta Kovac said members had voted 412 to 88 to accept the offer after
the operators dropped a demand to cut crew sizes on the smaller vessels.

"Nobody wanted this strike to last, but our members needed a fair offer and now they have one,"
Kovac told reporters outside the port authority building.

The operators said timetables would return to normal by Sunday night. Hotels on the islands had
reported cancellations of up to a third of bookings, and the regional government had prepared
emergency sailings with navy ships for medical cases and deliveries of fuel and food.

Transport minister Goran Petrovic welcomed the deal and said the government would propose a law
requiring a minimum service on island routes during future strikes, a plan the unions oppose.
"""

OWN_REPORT = """Strike over: islanders breathe a sigh of relief

ISLAND TOWN - For a week, the quay at Island Town was empty. On Friday evening, as news spread that
the ferry strike was over, cafe owners along the harbour started setting out tables again.

"We lost a third of our bookings," said hotel manager Petra Juric. "Another week and some of us
would not have opened in spring." The deal between the unions and the three ferry operators gives
crews a pay rise over two years and fewer night shifts, union leader Marta Kovac said.

Not everyone is happy. Fishermen complained that the government prepared navy ships for emergencies
but did nothing for deliveries of ice and bait. Transport minister Goran Petrovic now wants a law
guaranteeing a minimum ferry service during strikes; the unions have already said they will
fight it.
"""


def test_content_id_is_stable_under_whitespace_but_not_words() -> None:
    title, body = "Ferry strike ends", "Crews returned to work.\n\nTalks resume."
    ident = content_id(title, body)
    assert len(ident) == 16 and int(ident, 16) >= 0
    assert (
        content_id(" Ferry  strike ends\ufeff", "Crews returned\r\nto work. Talks resume. ")
        == ident
    )
    assert content_id(title, body.replace("Talks", "Talk")) != ident
    assert content_id("Ferry strike", "ends Crews returned to work. Talks resume.") != ident
    assert content_id("Café", "x") == content_id("Cafe\u0301", "x")  # NFC


def test_syndicated_copy_is_found() -> None:
    index = NearDuplicateIndex()
    index.add("wire", index.signature(WIRE))
    index.add("own", index.signature(OWN_REPORT))
    assert index.query(index.signature(SYNDICATED)) == "wire"


def test_same_story_by_another_outlet_is_not_a_duplicate() -> None:
    index = NearDuplicateIndex()
    index.add("wire", index.signature(WIRE))
    assert index.query(index.signature(OWN_REPORT)) is None


def test_earliest_original_wins_and_signatures_round_trip() -> None:
    index = NearDuplicateIndex()
    first = index.signature(WIRE)
    assert isinstance(first, bytes) and len(first) == 128 * 8
    index.add("first", first)
    index.add("second", index.signature(SYNDICATED))
    index.add("first", index.signature(OWN_REPORT))  # re-adding keeps the first signature
    assert len(index) == 2 and "first" in index
    rebuilt = NearDuplicateIndex()  # as the store does on the next run
    rebuilt.add("first", bytes(first))
    assert rebuilt.query(index.signature(WIRE)) == "first"
    assert index.query(index.signature(WIRE)) == "first"


def test_empty_and_tiny_texts() -> None:
    index = NearDuplicateIndex()
    index.add("empty", index.signature(""))
    assert len(index) == 0 and index.query(index.signature("")) is None
    index.add("short", index.signature("Ferry strike"))
    assert index.query(index.signature("ferry STRIKE!")) == "short"


def test_demo_corpus_syndicated_copy_is_linked_to_the_wire_story() -> None:
    """The bundled demo documents one syndicated copy; exactly that pair must be linked."""
    from pathlib import Path

    import narrascope
    from narrascope.document import Document
    from narrascope.ingest import iter_inputs

    corpus = Path(narrascope.__file__).parent / "demo" / "corpus"
    docs = [d for d in iter_inputs([str(corpus)]) if isinstance(d, Document)]
    index = NearDuplicateIndex()
    links = {}
    for doc in docs:
        signature = index.signature(doc.text)
        original = index.query(signature)
        if original is not None:
            links[Path(doc.source).name] = original
        index.add(doc.id, signature)
    wire = next(d for d in docs if d.meta.get("record_id") == "meridian-2024-11-19-doctrine")
    assert links == {"kremlin-lowers-nuclear-threshold.txt": wire.id}
