"""The password profile and changing one's own password (等保 2.0 level 2)."""

from __future__ import annotations

import pytest
from django.test import Client

from sanluanwu.accounts import services
from sanluanwu.accounts.tokens import create_token
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import ValidationFailed

OLD = "Secret#2020"  # conftest.make_user's password


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("Ab#12345", "至少包含 10 个字符"),
        ("abcdefgh12", "至少 3 类"),
        ("Alice#2020xyz", "不能包含用户名"),
        ("Password123", "太常见了"),
        (OLD, "最近 5 次"),
        # helper-46: common passwords by their shape, not only as listed (Django's list holds password123, p@ssw0rd).
        ("Password123!", "过于常见"),
        ("P@ssw0rd1234", "过于常见"),
        ("1qaz@WSX3edc", "过于常见"),
        ("Admin@123456", "过于常见"),
        ("Aa123456789!", "过于常见"),
        ("Qwer1234!@#$", "过于常见"),
        ("Abc@12345678", "过于常见"),
        ("Abcd1234!@", "过于常见"),
        ("Summer2024!", "过于常见"),
        ("Wujin@2020", "过于常见"),  # the demo's published password
        ("Changzhou@2024", "过于常见"),
        # helper-48's re-check: pinyin names and phrases, keypad walks, numbers that are words, repeats, initials.
        ("Wujin@2020!", "过于常见"),
        ("Zhangsan@2024", "过于常见"),
        ("Woaini@5201314", "过于常见"),
        ("Admin@1q2w3e4r", "过于常见"),
        ("Qwerty@147258", "过于常见"),
        ("Ab1xxxxxxxxx", "过于常见"),
        ("Admin@abc123", "过于常见"),
        ("Aa1!Aa1!Aa1!", "过于常见"),
        ("Wodemima@123", "过于常见"),
        ("Wjhb@2020!", "过于常见"),
        ("Aini1314@520", "过于常见"),
        ("Admin@168168", "过于常见"),
        ("Admin@741852", "过于常见"),
        # helper-50: slogans and the office's words in pinyin, a town and its year, doubled pieces, dates with
        # separators, l33t pinyin, a phrase with spaces.
        ("Gongchandang@1921", "过于常见"),
        ("Huanbaoju@2024", "过于常见"),
        ("Hutangzhen@2024", "过于常见"),
        ("Hutang#2026x", "过于常见"),
        ("Hutang@Hutang1", "过于常见"),
        ("Zhangsan@2024Zhangsan@2024", "过于常见"),
        ("Admin@2024.01.01", "过于常见"),
        ("Zh@ngs@n2024", "过于常见"),
        ("Wo de mima 2024!", "过于常见"),
        ("Ａｌｉｃｅ#2020xyz", "不能包含用户名"),  # full-width letters are the user name too
        ("ab1" + " " * 9, "至少 3 类"),  # a space is no symbol
        ("Ab1\t\t\t\t\t\t\t#", "控制字符"),
    ],
)
def test_a_new_password_must_meet_the_profile(alice, new, says):
    with pytest.raises(ValidationFailed) as exc:
        services.change_own_password(actor=alice, current=OLD, new=new, repeated=new)
    assert says in exc.value.text


@pytest.mark.parametrize("new", ["Mq3#Tv8Lp2026", "Xk9#mPq2Lw7z", "Love2Hate@Blue9Sky", "Zhangsan@1x9q", "Wj7#Rq2Hutang",
                                 "Reset#2026abc", "Tz 7!kq 9Wm", "GreenRiver#BlueSky", "Jessica#Michael",
                                 "HappyNewYear2024"])  # fmt: skip
def test_a_password_of_unrelated_pieces_is_taken(alice, new):
    services.change_own_password(actor=alice, current=OLD, new=new, repeated=new)
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_the_current_password_is_checked_and_the_new_one_typed_twice(alice):
    with pytest.raises(ValidationFailed, match="当前密码不正确"):
        services.change_own_password(actor=alice, current="wrong", new="Mq3#Tv8Lp2026", repeated="Mq3#Tv8Lp2026")
    with pytest.raises(ValidationFailed, match="不一致"):
        services.change_own_password(actor=alice, current=OLD, new="Mq3#Tv8Lp2026", repeated="Mq4#Tv8Lp2026")


def test_none_of_the_last_five_passwords_comes_back(alice):
    first = "Mq9#First8Lp"  # conftest's Secret#2020 is of a common shape: not one to choose again
    services.change_own_password(actor=alice, current=OLD, new=first, repeated=first)
    current = first
    for n in range(5):
        new = f"Mq{n}#Tv8Lp2026"
        services.change_own_password(actor=alice, current=current, new=new, repeated=new)
        current = new
    with pytest.raises(ValidationFailed, match="最近 5 次"):
        services.change_own_password(actor=alice, current=current, new="Mq1#Tv8Lp2026", repeated="Mq1#Tv8Lp2026")
    services.change_own_password(actor=alice, current=current, new=first, repeated=first)  # the sixth back: allowed


def test_changing_ones_password_in_the_page_ends_the_other_sessions_and_tokens(alice):
    other = Client()
    other.force_login(alice)
    token, _secret = create_token(actor=alice)
    me = Client()
    me.login(username="alice", password=OLD)
    page = me.get("/account/password/")
    assert page.status_code == 200 and "至少 3 类" in page.content.decode()
    refused = me.post("/account/password/", {"current": OLD, "new": "short", "repeated": "short"})
    assert refused.status_code == 400 and "至少包含 10 个字符" in refused.content.decode()
    done = me.post("/account/password/", {"current": OLD, "new": "Mq3#Tv8Lp2026", "repeated": "Mq3#Tv8Lp2026"})
    assert done.status_code == 302
    assert me.get("/cases/").status_code == 200  # this session goes on
    assert other.get("/cases/").status_code == 302  # the other one has ended (back to the login)
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.user.password_changed", object_id=str(alice.pk))
    assert event.actor_username == "alice" and "Tv8Lp" not in str(event.changes) + event.note
    assert Client().login(username="alice", password="Mq3#Tv8Lp2026")


def test_every_account_reaches_its_password_page_and_no_one_else_is_needed(client, uma, sysadmin):
    assert client.get("/account/password/").status_code == 302  # anonymous: to the login
    for user in (uma, sysadmin):
        client.force_login(user)
        assert client.get("/account/password/").status_code == 200


def test_digits_of_other_scripts_are_read_as_characters_not_a_server_error(alice, client):
    # helper-50: ፩፪፫፬ are digits to str.isdigit() but not to int(): a 500 on the password page and in the admin.
    from sanluanwu.accounts.passwords import guesses_log10

    assert guesses_log10("Ab1\u1369\u136a\u136b\u136c") > 0
    assert guesses_log10("Ab1!\U00010a40\U00010a41\U00010a42\U00010a43") > 0
    client.force_login(alice)
    answer = client.post("/account/password/", {"current": OLD, "new": "Ab1፩፪፫፬xyzQ", "repeated": "Ab1፩፪፫፬xyzQ"})
    assert answer.status_code in (302, 400)
