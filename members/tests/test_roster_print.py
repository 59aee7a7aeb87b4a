import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from members.models import Contact, Member, MemberChange
from members.roster import print_views
from members.tests.factories import MemberFactory
from members.tests.helpers import client_for, count_queries

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}


@pytest.fixture
def roster(branch_a, branch_b, groups):
    return {
        "张三": MemberFactory(
            name="张三",
            organization=branch_a,
            group=groups[0],
            phone="+8617000000101",
            province="44",
            city="深圳",
            workplace="某建筑公司",
        ),
        "李四": MemberFactory(
            name="李四", organization=branch_a, group=groups[1], phone="+8617000000102", province="32", city="苏州"
        ),
        "王五": MemberFactory(
            name="王五",
            organization=branch_a,
            group=None,
            phone="+8617000000103",
            is_itinerant=False,
            status=Member.Status.PROBATIONARY,
            full_member_on=None,
        ),
        "外支部": MemberFactory(name="外支部", organization=branch_b, phone="+8617000000104"),
    }


def rows_of(body: str) -> list[list[str]]:
    tbody = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


def test_the_printed_roster_has_the_paper_columns_by_group_with_masked_grouped_phones(client, secretary, roster):
    response = client_for(client, secretary).get(reverse("roster:print"), headers=ZH)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "党员花名册" in body and "A网络党支部" in body
    rows = rows_of(body)
    # 序号, 姓名, 性别, 出生日期, 入党日期, 党员状态, 党小组, 手机号, 工作单位, 现居住地, 流动党员
    zhang = next(row for row in rows if row[1] == "张三")
    assert zhang[1:] == [
        "张三", "男", "1985-07-01", "2010-07-01", "正式党员", "一组",
        "170 **** 0101", "某建筑公司", "广东省 深圳", "是",
    ]  # fmt: skip
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert [row[1] for row in rows][-1] == "王五", "group by group, members without one last"
    assert rows[2][5] == "预备党员" and rows[2][-1] == "否"
    assert "外支部" not in body
    assert "17000000101" not in body and "0000 0101" not in body


def test_the_list_filters_and_the_search_carry_over_to_the_print(client, secretary, roster):
    c = client_for(client, secretary)
    assert [row[1] for row in rows_of(c.get(reverse("roster:print"), {"province": "32"}).content.decode())] == ["李四"]
    # The search text stays out of the URL: the list keeps it in the session behind a token.
    redirect = c.post(reverse("roster:list"), {"q": "张"})
    query = urlsplit(redirect.url).query
    assert "张" not in query
    listed = c.get(redirect.url, headers=ZH).content.decode()
    link = re.search(r'href="(/roster/print/[^"]*)"', listed).group(1).replace("&amp;", "&")
    assert urlsplit(link).query == query
    body = c.get(link, headers=ZH).content.decode()
    assert [row[1] for row in rows_of(body)] == ["张三"]
    assert "搜索：张" in re.sub(r"<[^>]+>", "", body)


def test_the_roster_list_links_to_the_print(client, secretary, roster):
    body = client_for(client, secretary).get(reverse("roster:list"), headers=ZH).content.decode()
    assert f'href="{reverse("roster:print")}"' in body and "打印名册" in body


def test_a_group_leader_prints_only_their_group_and_never_full_numbers(client, group_admin, roster):
    c = client_for(client, group_admin)
    body = c.get(reverse("roster:print")).content.decode()
    assert [row[1] for row in rows_of(body)] == ["张三"]
    assert "full=1" not in body
    assert c.get(reverse("roster:print"), {"full": "1"}).status_code == 403
    assert not MemberChange.objects.filter(action=MemberChange.Action.EXPORTED).exists()


def test_full_numbers_are_for_those_who_import_and_are_logged(client, secretary, roster, branch_a):
    c = client_for(client, secretary)
    masked = c.get(reverse("roster:print"), {"group": roster["张三"].group_id}).content.decode()
    link = re.search(r'href="(/roster/print/\?[^"]*full=1)"', masked).group(1).replace("&amp;", "&")
    body = c.get(link, headers=ZH).content.decode()
    rows = rows_of(body)
    assert [row[1] for row in rows] == ["张三"]
    assert rows[0][7] == "170 0000 0101"
    change = MemberChange.objects.get(action=MemberChange.Action.EXPORTED)
    assert (change.organization, change.user) == (branch_a, secretary)
    assert "1" in change.note


def test_another_branch_sees_only_its_own(client, secretary_b, roster):
    body = client_for(client, secretary_b).get(reverse("roster:print")).content.decode()
    assert [row[1] for row in rows_of(body)] == ["外支部"]


def test_a_member_without_a_role_is_refused(client, member):
    assert client_for(client, member.user).get(reverse("roster:print")).status_code == 403


def test_a_roster_over_the_limit_says_what_is_left_off(client, secretary, roster, monkeypatch):
    monkeypatch.setattr(print_views, "PRINT_LIMIT", 2)
    body = client_for(client, secretary).get(reverse("roster:print"), headers=ZH).content.decode()
    assert len(rows_of(body)) == 2
    assert "本表只列出 3 名党员中的前 2 名" in body


@pytest.mark.parametrize("params", [{}, {"sort": "contact"}, {"q": "党员", "itinerant": "yes"}])
def test_the_print_runs_the_same_few_queries_for_5_or_60_members(client, secretary, branch_a, groups, params):
    c = client_for(client, secretary)
    url = reverse("roster:print")
    MemberFactory.create_batch(5, organization=branch_a, group=groups[0])
    small = count_queries(c, url, params)
    for m in MemberFactory.create_batch(55, organization=branch_a, group=groups[1], user=None):
        Contact.objects.create(member=m)
    assert count_queries(c, url, params) == small
    assert small <= 8
