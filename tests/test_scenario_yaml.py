"""YAML loading guards and positions: every bad file gives one ``FILE:LINE:COL: message`` line."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml

from crisissim.scenario import ScenarioError, load_scenario, load_scenario_text
from crisissim.scenario.yamlio import MAX_BYTES, MAX_NODES, StrictLoader, compose, to_plain

DATA = Path(__file__).parent / "data"


def problems(path) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return str(e.value).splitlines()


def text_problems(text: str, name: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario_text(text, name)
    return str(e.value).splitlines()


def test_minimal_scenario_loads():
    sc = load_scenario(DATA / "minimal.yaml")
    assert sc.meta.duration == 480 and sc.pools["agents"].size == 11


def test_positions_are_one_based_and_keep_origin():
    root = compose("a:\n  b: [1, x]\n", "f.yaml")
    item = root.value["a"].value["b"].value[1]
    assert (item.file, item.line, item.col, item.value) == ("f.yaml", 2, 10, "x")
    assert root.value["a"].keys["b"].col == 3
    assert to_plain(root) == {"a": {"b": [1, "x"]}}


def test_duplicate_key_at_second_key():
    assert text_problems("meta: {id: a}\nchannels: {}\nmeta: {id: b}\n") == ["s.yaml:3:1: duplicate key 'meta'"]


def test_strict_loader_rejects_duplicates_on_its_own():
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'a'"):
        yaml.load("a: 1\na: 2\n", Loader=StrictLoader)


def test_syntax_error_has_parser_position():
    assert text_problems("meta:\n  id: x\n  title: [a, b\n") == [
        "s.yaml:4:1: did not find expected ',' or ']' (while parsing a flow sequence)"
    ]
    assert text_problems("a: b: c\n") == ["s.yaml:1:5: mapping values are not allowed in this context; hint: a value "
                                         "that contains ': ' must be quoted, as in text: \"Note: …\""]


def test_merge_keys_and_timestamps():
    root = compose("base: &b {x: 1, y: 2}\nover: {<<: *b, y: 3}\nday: 2024-01-01\n", "m.yaml")
    assert to_plain(root) == {"base": {"x": 1, "y": 2}, "over": {"x": 1, "y": 3}, "day": "2024-01-01"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: !!python/object:os.system x\n", "s.yaml:1:4: unsupported tag 'tag:yaml.org,2002:python/object:os.system'"),
        ("a: !custom 1\n", "s.yaml:1:4: unsupported tag '!custom'"),
        ("? [1, 2]\n: x\n", "s.yaml:1:3: mapping keys must be plain values, not mappings or lists"),
        ("a: 1\n---\nb: 2\n", "s.yaml:2:1: expected a single document in the stream, but found another document"),
        ("a: *nowhere\n", "s.yaml:1:4: found undefined alias 'nowhere'"),
        ("a: \x07\n", "s.yaml:1:4: control characters are not allowed"),
    ],
)
def test_unsafe_or_odd_yaml(text, message):
    assert text_problems(text) == [message]


def test_not_a_mapping():
    assert text_problems("- 1\n- 2\n") == ["s.yaml:1:1: wrong type (expected a mapping, got a list)"]


def test_empty_and_comment_only(tmp_path):
    for content in ("", "# just a comment\n\n"):
        f = tmp_path / "empty.yaml"
        f.write_text(content)
        assert problems(f) == [f"{f}:1:1: the file is empty (expected a scenario mapping)"]


def test_missing_file_and_directory(tmp_path):
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}:1:1: no such file"]
    assert problems(tmp_path) == [f"{tmp_path}:1:1: is a directory (expected a YAML file)"]


def test_not_utf8(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes("meta:\n  title: caf\xe9\n".encode("latin-1"))
    assert problems(f) == [f"{f}:2:13: not UTF-8 text (byte 0xe9)"]


def test_utf8_bom_and_chinese_text_are_fine(tmp_path):
    f = tmp_path / "zh.yaml"
    text = (DATA / "minimal.yaml").read_text().replace("title: One queue", "title: 危机模拟演练")
    f.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(f).meta.title == "危机模拟演练"


def peak_memory(fn) -> int:
    """Peak bytes Python allocated while ``fn`` ran: the work done, measured without a clock."""
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_huge_file_rejected_after_reading_its_first_5_mb(tmp_path):
    f = tmp_path / "huge.yaml"
    with open(f, "wb") as fh:  # 200 MB, sparse: nothing written after the first bytes
        fh.write(b"x: a")
        fh.truncate(200 * 1024 * 1024)
    assert peak_memory(lambda: problems(f)) < MAX_BYTES + 1024 * 1024  # the file is never read whole
    assert problems(f) == [f"{f}:1:1: file is larger than 5 MB"]


def test_alias_bomb_rejected_before_expanding():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"  # 9^9 = 387 million values once expanded
    assert peak_memory(lambda: text_problems(text)) < 1024 * 1024
    out = text_problems(text)
    assert len(out) == 1 and out[0].endswith(f"aliases expand to more than {MAX_NODES:,} values")
    assert out[0].startswith("s.yaml:7:4: ")


def test_deep_nesting_rejected_without_crash():
    out = text_problems("a: " + "[" * 200_000 + "\n")
    assert out == ["s.yaml:1:103: nesting deeper than 100 levels"]


def test_bad_scalar_values_are_problems():
    out = text_problems("a: " + "1" * 5000 + "\n")
    assert len(out) == 1 and out[0].startswith("s.yaml:1:4: bad int value")


def test_bad_file_name_is_a_problem():
    assert problems("a\0b.yaml") == ["a\\x00b.yaml:1:1: bad file name: embedded null byte"]
    assert text_problems('include: "a\\0b"\n') == [
        "s.yaml:1:10: include: cannot include 'a\\x00b': bad file name: embedded null byte"
    ]
