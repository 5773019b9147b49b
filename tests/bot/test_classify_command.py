"""`lapor-bot classify`: readable text, JSON, and JSON lines that never stop on a bad line."""

from __future__ import annotations

import io
import json
import os

import pytest

from bot.cli import main

FIELDS = {"id", "language", "kind", "category", "region_code", "agency", "flags", "confidence", "needs_review"}


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith(("X_", "LAPOR_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_a_text_is_explained_in_words(capsys):
    assert main(["classify", "DARURAT banjir setinggi pinggang di Padang, hp 0812-3456-7890"]) == 0
    out = capsys.readouterr().out
    assert "kind:     pengaduan" in out and "Kota Padang (13.71" in out
    assert "flags:    personal_data, urgent" in out and "review:   yes" in out and "why:" in out


def test_json_output_has_every_decision(capsys):
    assert main(["classify", "--json", "--lang", "in", "Jalan rusak di Kab. Agam"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert FIELDS - {"id"} <= set(data)
    assert data["region_code"] == "13.06" and data["agency_id"] == "dpupr-sumbar"


def test_json_lines_in_json_lines_out_and_bad_lines_are_reported_not_fatal(capsys, monkeypatch):
    lines = [
        json.dumps({"id": "a", "text": "Jalan rusak di Kota Padang", "lang": "in"}),
        "not json",
        json.dumps({"id": "c", "text": 42}),
        "",
        json.dumps({"id": 4, "text": "makasih min, mantap pelayanannya"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["classify", "--jsonl"]) == 1
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", 4]
    assert FIELDS <= set(out[0]) and FIELDS <= set(out[3])
    assert out[1]["error"].startswith("line 2") and out[2]["error"].startswith("line 3")
    assert "2 line(s) could not be read" in captured.err


def test_a_broken_routing_table_is_a_configuration_error(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "agencies.toml"
    broken.write_text("province = 13\n", encoding="utf-8")
    monkeypatch.setenv("LAPOR_ROUTING_FILE", str(broken))
    assert main(["classify", "jalan rusak"]) == 2
    err = capsys.readouterr().err
    assert "LAPOR_ROUTING_FILE" in err and len(err.strip().splitlines()) == 1


def test_several_worker_processes_give_the_same_lines_in_the_same_order(capsys, monkeypatch):
    texts = ["Jalan rusak di Kota Padang", "makasih min", "DARURAT banjir di Agam", None,
             "the road near my house is broken", "\u202eRTL\u202c teks\u200b aneh 🙂", "x" * 25_000]
    lines = [json.dumps({"id": n, "text": text, "lang": "in" if n % 3 else None}) if text else "bukan json"
             for n, text in ((n, texts[n % len(texts)]) for n in range(450))]
    bad = lines.count("bukan json")
    outputs = []
    for workers in ("1", "3"):
        monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
        assert main(["classify", "--jsonl", "--workers", workers]) == 1  # the bad lines
        captured = capsys.readouterr()
        assert f"{bad} line(s) could not be read" in captured.err
        outputs.append(captured.out)
    assert outputs[0] == outputs[1]
    ids = [json.loads(line)["id"] for line in outputs[0].splitlines()]
    assert ids == [None if line == "bukan json" else n for n, line in enumerate(lines)]


def test_a_bad_number_of_workers_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["classify", "--jsonl", "--workers", "0"])
    assert exit_.value.code == 2 and "1 to 64" in capsys.readouterr().err
