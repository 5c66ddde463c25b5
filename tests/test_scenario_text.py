"""Texts in several languages, the scenario's start time and social feed templates."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from crisissim.scenario import ScenarioError, load_scenario_text, scenario_hash
from crisissim.scenario.text import Text, text_in

DATA = Path(__file__).parent / "data"
MINIMAL = (DATA / "minimal.yaml").read_text()
META = "meta: {id: single-queue, title: One queue, duration: 8h, warmup: 30m, seed: 1}"


def scenario(meta: str = META, extra: str = ""):
    return load_scenario_text(MINIMAL.replace(META, meta) + extra, "s.yaml")


def errors(meta: str = META, extra: str = "") -> list[str]:
    with pytest.raises(ScenarioError) as e:
        scenario(meta, extra)
    return str(e.value).splitlines()


SOCIAL = """
channels:
  phone: {kind: sync, patience: {dist: exponential, mean: 2m}}
  social: {kind: social, sla: 1h}
"""


def test_plain_string_and_translations_both_give_a_text():
    sc = scenario(META.replace("title: One queue", "title: {en: One queue, zh: 单队列}"))
    t = sc.meta.title
    assert isinstance(t, Text) and t == "One queue" and str(t) == "One queue"
    assert t.get("zh") == "单队列" and t.get("en") == "One queue" and t.get("fr") == "One queue"
    assert text_in(t, "zh") == "单队列" and text_in("plain", "zh") == "plain" and text_in(None, "zh") == ""
    plain = scenario().meta.title
    assert isinstance(plain, Text) and plain.get("zh") == "One queue"  # one language: shown in every language
    only_zh = scenario(META.replace("title: One queue", "title: {zh: 单队列}")).meta.title
    assert only_zh == "单队列" and only_zh.get("en") == "单队列"


def test_translations_survive_dump_hash_and_pickle():
    plain = scenario()
    both = scenario(META.replace("title: One queue", "title: {en: One queue, zh: 单队列}"))
    assert plain.model_dump(mode="json")["meta"]["title"] == "One queue"  # plain text dumps as before
    assert both.model_dump(mode="json")["meta"]["title"] == {"en": "One queue", "zh": "单队列"}
    assert scenario_hash(plain) != scenario_hash(both)  # the Chinese text is part of the scenario
    again = type(both).model_validate(both.model_dump(mode="json", by_alias=True))
    assert again.meta.title.get("zh") == "单队列" and scenario_hash(again) == scenario_hash(both)
    copy = pickle.loads(pickle.dumps(both))  # study workers receive scenarios by pickle
    assert copy.meta.title.get("zh") == "单队列" and copy.meta.title == "One queue"
    assert json.dumps({"t": both.meta.title}, ensure_ascii=False) == '{"t": "One queue"}'


def test_bad_translations_are_located():
    assert errors(META.replace("title: One queue", "title: {en: One queue, fr: Une file}")) == [
        "s.yaml:1:49: meta.title.fr: unknown field 'fr' (expected one of: en, zh)"
    ]
    assert errors(META.replace("title: One queue", "title: {}")) == [
        "s.yaml:1:33: meta.title: give the text in at least one language (en, zh)"
    ]
    assert errors(META.replace("title: One queue", "title: [One queue]")) == [
        "s.yaml:1:33: meta.title: wrong type (expected a string, got a list)"
    ]
    long = "x" * 201
    assert errors(META.replace("title: One queue", f"title: {{zh: {long}}}")) == [
        "s.yaml:1:33: meta.title: the zh text is longer than 200 characters"
    ]


def test_start_time_of_day():
    assert scenario(META.replace("seed: 1", 'seed: 1, start: "08:30"')).meta.start == 510.0
    assert scenario(META.replace("seed: 1", "seed: 1, start: 8:30")).meta.start == 510.0  # YAML 1.1 base 60
    assert scenario().meta.start is None
    assert errors(META.replace("seed: 1", 'seed: 1, start: "25:00"')) == [
        "s.yaml:1:87: meta.start: invalid value (expected a time of day such as \"08:00\", got '25:00')"
    ]
    dumped = scenario(META.replace("seed: 1", 'seed: 1, start: "08:30"')).model_dump(mode="json")
    assert dumped["meta"]["start"] == "08:30"


def test_feed_templates_on_social_types_only():
    feed = """
  post:
    channel: social
    arrival: {rate: 6, per: hour}
    handle_time: {dist: exponential, mean: 4m}
    feed:
      posts:
        - {author: {en: Worried parent, zh: 担心的家长}, text: {en: Is it safe?, zh: 安全吗？}, reach: 1200}
        - {author: Fan, text: Thanks for the update, tone: positive}
      replies: [{en: We are on it, zh: 我们正在处理}]
"""
    text = MINIMAL.replace("channels:\n  phone: {kind: sync, patience: {dist: exponential, mean: 2m}}\n", SOCIAL)
    text = text.replace("    first_contact_resolution: 1.0\n", "    first_contact_resolution: 1.0\n" + feed)
    text = text.replace("skills: [billing]", "skills: [billing, post]")
    sc = load_scenario_text(text, "s.yaml")
    f = sc.contact_types["post"].feed
    assert [p.tone for p in f.posts] == ["negative", "positive"] and f.posts[0].reach == 1200
    assert f.posts[0].author.get("zh") == "担心的家长" and f.replies[0].get("zh") == "我们正在处理"
    bad = text.replace("    channel: phone\n", "    channel: phone\n    feed: {replies: [hello]}\n", 1)
    with pytest.raises(ScenarioError) as e:
        load_scenario_text(bad, "s.yaml")
    assert str(e.value) == ("s.yaml:9:5: contact_types.billing.feed: feed templates apply to social contact types "
                            "only (channel 'phone' is sync)")
