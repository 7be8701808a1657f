import gzip
import json

import pytest

from framing.io.readers import iter_articles


def _read(*paths, **kw):
    skipped, warnings = [], []
    arts = list(iter_articles([str(p) for p in paths], on_skip=skipped.append, warn=warnings.append, **kw))
    return arts, skipped, warnings


def test_txt_title_from_headline_line(tmp_path):
    (tmp_path / "a.txt").write_text("Russia and China: Uneasy Partners\nThe two countries met today. More text.")
    (a,), skipped, _ = _read(tmp_path / "a.txt")
    assert a.id == "a" and a.title == "Russia and China: Uneasy Partners" and not skipped


def test_txt_first_line_that_is_a_sentence_is_not_a_title(tmp_path):
    (tmp_path / "b.txt").write_text("The two countries met today, officials said.\nMore text.")
    (a,), _, _ = _read(tmp_path / "b.txt")
    assert a.title == ""


def test_markdown_front_matter_becomes_metadata(tmp_path):
    (tmp_path / "c.md").write_text("---\ntitle: The Axis\noutlet: Example Post\ndate: 2024-05-01\nid: art-7\ntopic: [a, b]\n---\nBody text here.\n")
    (a,), _, _ = _read(tmp_path / "c.md")
    assert (a.id, a.title) == ("art-7", "The Axis")
    assert a.metadata == {"outlet": "Example Post", "date": "2024-05-01", "topic": "a; b"}
    assert a.text.strip() == "Body text here."


def test_bad_front_matter_is_skipped_with_line(tmp_path):
    (tmp_path / "d.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (tmp_path / "ok.txt").write_text("Fine\nBody.")
    arts, skipped, _ = _read(tmp_path)
    assert [a.id for a in arts] == ["ok"]
    assert skipped[0].source.endswith("d.md:2") and "front matter" in skipped[0].reason


def test_html_main_text_without_scripts(tmp_path):
    body = "<p>" + "Russia and China deepened cooperation at the summit in Beijing this week. " * 4 + "</p>"
    html = f"<html><head><title>Summit</title><script>alert('x')</script><style>p{{color:red}}</style></head><body><nav>Home | World | Login</nav><article><h1>Summit news</h1>{body}</article><footer>Cookie policy</footer></body></html>"
    (tmp_path / "e.html").write_text(html)
    (a,), skipped, _ = _read(tmp_path / "e.html")
    assert "deepened cooperation" in a.text
    assert "alert" not in a.text and "color:red" not in a.text and "Cookie policy" not in a.text


def test_jsonl_records_metadata_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "x1", "title": "T1", "text": "Alpha text.", "outlet": "A"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "Beta text.", "outlet": "B"}),
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    arts, skipped, _ = _read(tmp_path / "c.jsonl")
    assert [(a.id, a.title, dict(a.metadata)) for a in arts] == [("x1", "T1", {"outlet": "A"}), ("c-5", "", {"outlet": "B"})]
    assert [s.source.rsplit(":", 1)[1] for s in skipped] == ["2", "3", "4"]


def test_jsonl_gz_and_text_field(tmp_path):
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({"id": 1, "body": "Gamma."}) + "\n")
    arts, skipped, _ = _read(tmp_path / "c.jsonl.gz", text_field="body")
    assert [a.id for a in arts] == ["1"] and not skipped


def test_csv_rows_and_missing_text_column(tmp_path):
    (tmp_path / "a.csv").write_text('id,outlet,text\n1,X,"Hello, world."\n2,Y\n3,Z,""\n4,W,Fine.\n')
    (tmp_path / "b.csv").write_text("id,body\n1,Hi\n")
    arts, skipped, _ = _read(tmp_path / "a.csv", tmp_path / "b.csv")
    assert [a.id for a in arts] == ["1", "4"]
    reasons = {s.source: s.reason for s in skipped}
    assert any(k.endswith("a.csv:3") and "fields" in v for k, v in reasons.items())
    assert any(k.endswith("a.csv:4") and "empty" in v for k, v in reasons.items())
    assert any(k.endswith("b.csv:1") and "'text'" in v for k, v in reasons.items())


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("img.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG"),
        ("arch.txt", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
        ("nul.txt", b"abc\x00def", "NUL"),
    ],
)
def test_unreadable_files_are_skipped_with_a_reason(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Good\nA good article.")
    arts, skipped, _ = _read(tmp_path)
    assert [a.id for a in arts] == ["good"]
    assert len(skipped) == 1 and reason in skipped[0].reason and skipped[0].source.endswith(name)


def test_invalid_utf8_is_replaced_with_a_warning(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"Title\nCaf\xe9 diplomacy works.")
    (a,), skipped, warnings = _read(tmp_path / "bad.txt")
    assert "\ufffd" in a.text and not skipped
    assert "bad.txt:2" in warnings[0] and "UTF-8" in warnings[0]


def test_utf16_with_bom(tmp_path):
    (tmp_path / "u16.txt").write_bytes("Title\nBeijing and Moscow.".encode("utf-16"))
    (a,), _, _ = _read(tmp_path / "u16.txt")
    assert a.text.endswith("Beijing and Moscow.")


def test_missing_path_is_reported(tmp_path):
    arts, skipped, _ = _read(tmp_path / "nope")
    assert not arts and "no such file" in skipped[0].reason
