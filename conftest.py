"""Personas shared by every test (Healthchecks style), built on the demo's reference org units.

office (district office admin), alice (湖塘镇 manager, town A), ada (湖塘镇 inspector),
bob (牛塘镇 manager, town B), dora (生态环境局 staff), uma (供电公司 staff), leo (区领导, read-only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sanluanwu.accounts.models import Membership, OrgUnit, User
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock, geo
from sanluanwu.registry import services
from sanluanwu.registry.choices import LicenceStatus
from sanluanwu.registry.models import Case

# A point in 湖塘镇 and one in 牛塘镇 (WGS-84).
HUTANG_POINT = "119.9650, 31.7250"
NIUTANG_POINT = "119.9050, 31.7350"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.IMPORT_PLAN_ROOT = tmp_path / "import-plans"
    settings.STAGING_ROOT = tmp_path / "staged"
    # Tests run from a fresh clone without collectstatic: plain storage needs no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    cache.clear()  # counts cached by one test never answer another
    from sanluanwu.audit import memo

    memo.clear()  # nor reads remembered until the next write


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch: Any) -> None:
    """force_login stands for a complete login, as it skips the password: for a user with a TOTP device it also
    passes the code step (accounts.twofactor). Tests of the steps themselves log in with Client.login/post."""
    from django.test import Client

    from sanluanwu.accounts import twofactor

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        device = twofactor.device_of(user)
        if device is not None:
            session = self.session
            session["otp_device_id"] = device.persistent_id
            session[twofactor.SESSION_STATE] = twofactor.VERIFIED
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def give_totp_device(user: User) -> Any:
    """A confirmed TOTP device for the user (its key is device.bin_key; codes from django_otp.oath.totp)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)


# A day in the remediation phase (综合整治) of the real 2020 campaign, for tests whose sheets write 2020 dates.
CAMPAIGN_DAY = dt.datetime(2020, 7, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def in_2020(time_machine: Any) -> None:
    """Today is 2020-07-20 (the clock keeps ticking from there). Request it before `campaign`."""
    time_machine.move_to(CAMPAIGN_DAY, tick=True)


@pytest.fixture
def purge_audit_after(transactional_db: Any) -> Any:
    """Transactional tests end with a flush; on SQLite the append-only triggers refuse it, so lift them for it."""
    yield
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        return  # PostgreSQL's flush uses TRUNCATE, which the row triggers do not block
    triggers = importlib.import_module("sanluanwu.audit.migrations.0002_append_only_triggers")
    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_DOWN:
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent")
        for statement in triggers.SQLITE_UP:
            cursor.execute(statement)


@pytest.fixture
def district(db: Any) -> dict[str, OrgUnit]:
    from sanluanwu.demo.builder import build_org_units

    return build_org_units()


@pytest.fixture
def campaign(district: dict[str, OrgUnit]) -> Campaign:
    from sanluanwu.core import clock
    from sanluanwu.demo.builder import build_campaign

    return build_campaign(clock.today())


def make_user(username: str, role: str, unit: OrgUnit) -> User:
    user = User.objects.create_user(username=username, password="Secret#2020", full_name=username)
    Membership.objects.create(user=user, org_unit=unit, role=role)
    return user


@pytest.fixture
def office(district: dict[str, OrgUnit]) -> User:
    return make_user("office_p", "office_admin", district["office"])


@pytest.fixture
def leo(district: dict[str, OrgUnit]) -> User:
    return make_user("leo", "leader", district["wujin"])


@pytest.fixture
def alice(district: dict[str, OrgUnit]) -> User:
    return make_user("alice", "town_manager", district["hutang"])


@pytest.fixture
def ada(district: dict[str, OrgUnit]) -> User:
    return make_user("ada", "town_inspector", district["hutang"])


@pytest.fixture
def bob(district: dict[str, OrgUnit]) -> User:
    return make_user("bob", "town_manager", district["niutang"])


@pytest.fixture
def dora(district: dict[str, OrgUnit]) -> User:
    return make_user("dora", "department_staff", district["sthjj"])


@pytest.fixture
def uma(district: dict[str, OrgUnit]) -> User:
    return make_user("uma", "utility_staff", district["gongdian"])


@pytest.fixture
def sysadmin(district: dict[str, OrgUnit]) -> User:
    user = make_user("root_admin", "system_admin", district["office"])
    user.is_staff = user.is_superuser = True
    user.save()
    give_totp_device(user)  # two-factor login is mandatory for the admin roles
    return user


def enterprise_input(town: OrgUnit, **overrides: Any) -> services.EnterpriseInput:
    data: dict[str, Any] = {
        "name": "张三塑料造粒作坊",
        "industry": "塑料造粒",
        "address": f"{town.name}新华村人民路1号",
        "town": town,
        "legal_person": "张三",
        "licence_status": LicenceStatus.UNLICENSED,
        "coordinates": HUTANG_POINT,
        "coord_datum": geo.DATUM_WGS84,
        "phone": "13812345678",
    }
    data.update(overrides)
    return services.EnterpriseInput(**data)


def case_input(**overrides: Any) -> services.CaseInput:
    data: dict[str, Any] = {
        "lookback_category": 1,
        "responsible_person": "李四",
        "env_problems": "废气直排",
        "remediation_type": "shutdown",
        "planned_completion": None,
    }
    data.update(overrides)
    return services.CaseInput(**data)


def make_case(
    actor: User, town: OrgUnit, *, acknowledge: bool = True, case: dict[str, Any] | None = None, **enterprise: Any
) -> Case:
    """A case created through the service, as a user would."""
    if town.code == "niutang":
        enterprise.setdefault("coordinates", NIUTANG_POINT)
    return services.create_case(
        actor=actor,
        enterprise_data=enterprise_input(town, **enterprise),
        case_data=case_input(**(case or {})),
        acknowledge_warnings=acknowledge,
    )


@pytest.fixture
def hutang_case(alice: User, campaign: Campaign, district: dict[str, OrgUnit]) -> Case:
    return make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30)})


@pytest.fixture
def niutang_case(bob: User, campaign: Campaign, district: dict[str, OrgUnit]) -> Case:
    return make_case(
        bob, district["niutang"], name="王五木材加工作坊", legal_person="王五", industry="木材加工", phone="13900001111"
    )


def walk_case(case: Case, to: str, **options: Any) -> Case:
    """Take a case through the remediation work to stage `to` (demo.walk.STAGES) as the parties of 附件1 would: the
    town's own manager and inspector when the test has them, the office otherwise, and one person in each department
    and utility that takes part (created on first use)."""
    from sanluanwu.demo.walk import Parties, walk

    def member(code: str, role: str) -> User:
        unit = OrgUnit.objects.get(code=code)
        found = User.objects.filter(memberships__org_unit=unit, memberships__role=role).order_by("id").first()
        return found or make_user(f"walk_{code}_{role}", role, unit)

    for code in ("gxj", "sthjj", "scjgj", "slj", "zrzygh", "fgj"):
        member(code, "department_staff")
    for code in ("shuiwu", "gongdian"):
        member(code, "utility_staff")
    town = case.town.code
    users: dict[str, Any] = {}
    manager = User.objects.filter(memberships__org_unit=case.town, memberships__role="town_manager").order_by("id")
    inspector = User.objects.filter(memberships__org_unit=case.town, memberships__role="town_inspector").order_by("id")
    if manager.exists():
        users[town] = manager.first()
    if inspector.exists():
        users[f"{town}_xj"] = inspector.first()
    parties = Parties(users, member("office", "office_admin"), member("office", "office_staff"))
    return walk(case, to, parties, **options)


@contextlib.contextmanager
def held_elsewhere(lock: Callable[[], Any]) -> Iterator[None]:
    """Run `lock()` in another thread's transaction (another connection) and keep that transaction open, its row
    locks held, while the body runs (transactional tests on PostgreSQL)."""
    from django.db import connections, transaction

    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock()
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)


def page_as(user: User, url: str) -> str:
    """The page at `url` as `user` sees it (asserted to open: 200)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.content.decode())
