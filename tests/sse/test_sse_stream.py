"""The event-stream parser, chunk by chunk, as the HTML standard reads a stream."""

from __future__ import annotations

from perfgate.load.sse.stream import Message, StreamParser


def test_messages_end_at_a_blank_line_whatever_the_line_ends() -> None:
    parser = StreamParser()
    got = parser.feed(b"id: 1\ndata: a\n\nid: 2\r\ndata: b\r\n\r\nid: 3\rdata: c\r\r")
    got += parser.feed(b"\n")  # a CR at the end might have been half a CRLF
    assert got == [Message("a", id="1"), Message("b", id="2"), Message("c", id="3")]


def test_data_lines_join_and_comments_and_unknown_fields_are_skipped() -> None:
    parser = StreamParser()
    got = parser.feed(b": ping\nevent: tick\ndata: x\ndata:y\nfoo: bar\n\n")
    assert got == [Message("x\ny", event="tick")]


def test_a_message_split_across_chunks_comes_whole() -> None:
    parser = StreamParser()
    assert parser.feed(b"id: 7\nda") == []
    assert parser.feed(b'ta: {"seq": 7}\n') == []
    assert parser.feed(b"\n") == [Message('{"seq": 7}', id="7")]


def test_the_last_id_and_retry_are_kept_and_a_message_without_data_is_not_one() -> None:
    parser = StreamParser()
    assert parser.feed(b"retry: 250\nid: 41\n\nretry: soon\n\n") == []
    assert (parser.last_id, parser.retry_ms) == ("41", 250)
    parser.feed(b"data: z\n\n")
    assert parser.last_id == "41"  # an id is kept until another comes
