"""The personal-data section of Administration: admins export a person's data and
anonymise a person who left; coaches do not see it."""

from __future__ import annotations

from lib import privacy
from lib.i18n import t
from tests.pages.conftest import open_tab, texts


def test_admin_downloads_a_persons_data_and_anonymises_them(app_as, world):
    at = app_as("admin", page="pages/admin.py")
    assert t("admin.tab.privacy") in [tab.label for tab in at.tabs]
    open_tab(at, "admin_tabs", t("admin.tab.privacy"))  # tabs are built once opened
    picker = at.selectbox(key="privacy_pick")
    lea = next(o for o in picker.options if o.endswith("(eig)"))
    picker.select(lea).run()
    at.button(key=f"privacy_export_{world.eig.id}").click().run()
    download = at.get("download_button")[0]
    assert download.proto.label == t("admin.privacy.download")
    anonymise = at.button(key=f"privacy_anonymise_{world.eig.id}")
    assert anonymise.disabled  # nothing happens without the confirmation
    at.checkbox(key=f"privacy_confirm_{world.eig.id}").check().run()
    at.button(key=f"privacy_anonymise_{world.eig.id}").click().run()
    former = privacy.FORMER_LOGIN.format(id=world.eig.id)
    assert t("admin.privacy.anonymised", login=former) in texts(at)
    open_tab(at, "admin_tabs", t("admin.tab.users"))
    people = at.dataframe[0].value
    row = people[people["login"] == former].iloc[0]
    assert (row["display_name"], bool(row["active"])) == (t("privacy.former_member"), False)
    assert "Léa EIG" not in set(people["display_name"])


def test_coach_has_no_personal_data_section(app_as):
    at = app_as("coach", page="pages/admin.py")
    assert t("admin.tab.privacy") not in [tab.label for tab in at.tabs]
    assert not [b for b in at.button if b.key and b.key.startswith(("privacy_export_", "privacy_anonymise_"))]
