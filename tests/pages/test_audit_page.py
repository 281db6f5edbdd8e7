"""Historique des actions: admins read the audit trail in French words, filter it by kind and
person; user text reads as typed; coaches have no such page."""

from __future__ import annotations

import pytest

from lib import privacy, users
from lib.i18n import t
from lib.schemas import UserIn
from tests.pages.conftest import offered, texts

NAME = "**Léa** [EIG](http://x.fr)"


@pytest.fixture
def history(world):  # noqa: ANN001, ANN201
    """An admin renamed Léa (her new name is markup), then exported her data."""
    users.update_user(world.admin, world.eig.id, UserIn(login="eig", display_name=NAME, email="eig@example.org"),
                      active=True, expected_version=1)
    privacy.export_person(world.admin, world.eig.id)


def rows(at) -> list[tuple[str, str, str]]:  # noqa: ANN001
    table = at.dataframe[0].value
    return list(zip(table["who"], table["what"], table["subject"], strict=True))


def test_admin_reads_the_trail_in_words_and_filters_it(app_as, history, world):
    at = app_as("admin", page="pages/audit.py")
    assert not at.exception
    assert at.title[0].value == t("page.audit")
    export, update = t("audit.kind.user.export_personal_data"), t("audit.kind.user.update")
    assert rows(at) == [("Alice Admin", export, NAME), ("Alice Admin", update, NAME)]  # a cell is text, never Markdown
    assert at.dataframe[0].value["when"][0].startswith("aujourd'hui à ")
    assert t("audit.count", n=2, page=1, pages=1) in texts(at)
    at.multiselect(key="audit_kinds").select("user.update").run()
    assert rows(at) == [("Alice Admin", update, NAME)]
    at.selectbox(key="audit_person").select(world.coach.id).run()
    assert not at.dataframe and t("audit.empty") in texts(at)


def test_the_trail_is_offered_to_admins_only(app_as):
    assert offered(app_as("admin"), "pages/audit.py")
    assert not offered(app_as("coach"), "pages/audit.py")
