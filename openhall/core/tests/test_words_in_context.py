"""One English word, several meanings, one Chinese word each (docs/glossary.md): the keypad's
"Open" opens the door, an activity's "Free" costs nothing, an article has a 标题, a person a 姓名."""

import pytest
from django.utils import translation

from openhall import factories


@pytest.mark.parametrize(
    ("context", "english", "chinese"),
    [
        ("door", "Open", "开门"),
        ("door", "Open now", "立即开门"),
        ("opening hours", "Open", "开放时段"),
        ("fee", "Free", "免费"),
        ("space status", "Free", "空闲"),
        ("activity", "Title", "活动名称"),
        ("article", "Title", "标题"),
        ("message", "Title", "标题"),
        ("person", "Name", "姓名"),
        ("thing", "Name", "名称"),
        ("registrant", "Who", "报名人"),
        ("activity", "audience", "面向人群"),
        ("broadcast", "audience", "发送对象"),
    ],
)
def test_each_meaning_has_its_own_chinese_word(context, english, chinese):
    with translation.override("zh-hans"):
        assert translation.pgettext(context, english) == chinese


def test_a_free_activity_says_it_costs_nothing(client, center_a):
    activity = factories.activity(center_a, fee="free")
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "免费" in page and "空闲" not in page


def test_the_keypad_button_opens_the_door(client, center_a, settings):
    door = factories.door(center_a)
    response = client.get(f"/access/keypad/{door.pk}/")
    if response.status_code == 404:
        pytest.skip("the lock simulator is off in these settings")
    assert ">开门</button>" in response.content.decode()


def test_team_and_member_names_are_named_for_what_they_are(client, adam, center_a):
    team = factories.TeamFactory(center=center_a)
    client.force_login(adam)
    teams = client.get(f"/console/c/{center_a.pk}/teams/").content.decode()
    members = client.get(f"/console/c/{center_a.pk}/teams/{team.pk}/").content.decode()
    assert "<th>名称</th>" in teams and "<th>姓名</th>" not in teams
    assert "<th>姓名</th>" in members


def test_an_empty_yes_no_rule_follows_the_rule_above_it(client, adam, center_a):
    client.force_login(adam)
    page = client.get(f"/console/c/{center_a.pk}/booking-rules/").content.decode()
    assert "沿用上级设置" in page and "未知" not in page


def test_an_articles_title_is_a_title(client, adam, center_a):
    client.force_login(adam)
    page = client.get(f"/console/c/{center_a.pk}/news/").content.decode()
    assert "<th>标题</th>" in page and "活动名称" not in page
