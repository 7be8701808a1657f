"""Articles framing cannot read: the language column, the warning and the absent reading."""
from __future__ import annotations

import json
import warnings

from click.testing import CliRunner

import framing
from framing.cli import cli
from framing.language import detect_language, is_readable
from framing.models import Article

RUSSIAN = "Китай и Россия укрепляют всеобъемлющее стратегическое партнерство и взаимодействие в новую эпоху, заявил министр иностранных дел."
CHINESE = "中俄关系坚持不结盟、不对抗、不针对第三方，两国全面战略协作伙伴关系处于历史最高水平。"
ENGLISH = "The axis of upheaval is a growing threat: Russia, China, Iran and North Korea are acting in concert against the West."


def test_detect_language_reads_english_fast_and_others_with_the_model():
    assert detect_language(ENGLISH) == "en"
    assert detect_language(RUSSIAN) == "ru"
    assert detect_language(CHINESE) == "zh"
    assert detect_language("!!! 123") == "und"
    assert is_readable("en") and is_readable("und") and not is_readable("ru")


def test_a_foreign_article_gets_no_frame_reading_and_a_warning(tmp_path):
    (tmp_path / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    res = CliRunner().invoke(cli, ["score", str(tmp_path), "--out", str(tmp_path / "out"), "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "ru.txt: the text is in language 'ru'" in res.output and "English only" in res.output
    import csv

    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert rows["ru"]["language"] == "ru" and rows["en"]["language"] == "en"
    assert rows["ru"]["alliance.label"] == "absent" and rows["ru"]["ideology.label"] == ""
    assert rows["ru"]["prescriptions.advocated"] == "" and float(rows["ru"]["alliance.position"]) == 0.0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert any("'ru'" in w for w in manifest["warnings"])


def test_the_python_api_warns_too():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = framing.score([Article(id="zh1", text=CHINESE), Article(id="en1", text=ENGLISH)], classifiers=False)
    assert table.loc["zh1", "language"] == "zh" and table.loc["zh1", "alliance.label"] == "absent"
    assert any("'zh'" in str(w.message) for w in caught)
