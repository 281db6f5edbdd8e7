"""Pages of the weekly retrospective under AppTest: the bulletin form, the trends, the
coaches' help board, key dates, and the public share view opened by a token."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lib import bulletins, db, formats, sharing
from lib.clock import week_label
from lib.config import get_settings
from lib.i18n import t
from lib.models import Bulletin, HelpRequest
from lib.schemas import BulletinIn, ShareLinkIn
from tests.conftest import set_clock
from tests.mail import smtp_server
from tests.pages.conftest import click_twice, errors, form_button, labelled, open_tab, shown, texts

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
FRIDAY_DEADLINE = dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)
W47 = formats.iso_week(2026, 47)  # « semaine du 16 novembre »


@pytest.fixture
def clock(monkeypatch):  # noqa: ANN001, ANN201
    """Move the app's clock (SUIVI_FAKE_NOW), as the e2e tests do."""

    set_clock(monkeypatch, WEDNESDAY)
    return lambda moment: set_clock(monkeypatch, moment)


def file_alpha(world, **overrides) -> None:  # noqa: ANN001
    values = {"mood": 2, "priority": "Finir l'atelier usagers", "ups_downs": "Atelier réussi, API en panne"}
    values.update(overrides)
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(**values), now=WEDNESDAY)


def bulletin_form(world, version: int | None = None) -> str:  # noqa: ANN001
    """The key of Alpha's W47 bulletin form, opened at `version` (None: before anything was filed)."""
    return f"bulletin_{world.alpha_id}_{W47}_{version}"


def test_eig_files_this_weeks_bulletin_through_the_form(app_as, world, clock):
    at = app_as("eig", page="pages/bulletin.py")
    deadline = "vendredi 20/11/2026 à 15:00"  # the deadline in words
    programme_clock = bulletins.clock_now(world.eig, world.promotion_id, WEDNESDAY).label
    assert t("bulletin.intro", week=W47, clock=programme_clock, deadline=deadline) in texts(at)
    assert not re.search(r"\d{4}-W\d{2}", texts(at))
    assert [ta.max_chars for ta in at.text_area] == [300, 300, 300]  # the live counters
    form = bulletin_form(world)
    at.radio(key=f"{form}_mood").set_value(4)
    at.text_area(key=f"{form}_priority").input("Tester le prototype")
    at.text_area(key=f"{form}_ups_downs").input("Bonne démo, sprint chargé")
    at.text_area(key=f"{form}_help_request").input("Un contact à la CNIL")
    form_button(at, form, t("bulletin.submit")).click().run()
    assert not at.exception
    assert t("bulletin.saved", week=W47, deadline=deadline) in texts(at)
    with db.reading() as s:
        row = s.scalar(select(Bulletin))
        assert (row.mood, row.priority, row.help_request) == (4, "Tester le prototype", "Un contact à la CNIL")
        assert s.scalar(select(HelpRequest.status)) == "open"
    # The form now edits the filed bulletin.
    assert at.text_area(key=f"{bulletin_form(world, 1)}_priority").value == "Tester le prototype"


def test_form_errors_are_shown_in_french(app_as, world, clock):
    at = app_as("eig", page="pages/bulletin.py")
    form = bulletin_form(world)
    at.text_area(key=f"{form}_priority").input("Tester")
    form_button(at, form, t("bulletin.submit")).click().run()
    assert errors(at) == [f"{t('bulletin.mood')} : {t('validation.mood')}",
                          f"{t('bulletin.ups_downs')} : {t('validation.required')}"]
    with db.reading() as s:
        assert s.scalar(select(Bulletin)) is None


def test_closed_week_says_so_with_the_next_deadline(app_as, world, clock):
    file_alpha(world)
    clock(FRIDAY_DEADLINE)
    at = app_as("eig", page="pages/bulletin.py")
    page = texts(at)
    assert t("bulletin.closed", week=W47, next="vendredi 27/11/2026 à 15:00") in page
    assert not at.text_area and "Finir l'atelier usagers" in page


def test_coach_sees_trends_with_table_alternatives(app_as, world, clock):
    file_alpha(world)
    at = app_as("coach", page="pages/retrospectives.py")
    assert not at.exception
    page = texts(at)
    assert t("retro.mood_title") in page and "Finir l'atelier usagers" in page
    assert t("retro.heatmap_title") in texts(open_tab(at, "retro_tabs", t("retro.tab.promotion")))
    assert t("chart.see_data") in [e.label for e in at.expander]
    # The heatmap's table alternative, built once opened: défis as rows, weeks as columns.
    assert not [df for df in at.dataframe if week_label(2026, 47) in getattr(df.value, "columns", [])]
    at.session_state["see_data_retro_heatmap"] = True
    at.run()
    grids = [df.value for df in at.dataframe if week_label(2026, 47) in getattr(df.value, "columns", [])]
    assert grids and list(grids[0].index) == ["Alpha", "Beta"]
    at.radio(key="retro_axis").set_value("programme").run()
    assert not at.exception


def test_the_week_in_progress_is_labelled_and_not_counted_until_its_deadline(app_as, world, clock):
    file_alpha(world)
    at = open_tab(app_as("coach", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    note = t("retro.in_progress_note", week=week_label(2026, 47), deadline="vendredi 20/11/2026 à 15:00")
    assert not at.exception and note in texts(at)
    at.session_state["see_data_retro_participation"] = True
    at.run()
    rates = next(df.value for df in at.dataframe if "rate" in getattr(df.value, "columns", []))
    assert rates["in_progress"].tolist()[-1] and rates["rate"].isna().tolist()[-1]
    clock(FRIDAY_DEADLINE)
    at = open_tab(app_as("coach", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    assert not at.exception and note not in texts(at)


def test_another_defi_member_sees_alpha_only_once_published(app_as, world, clock):
    file_alpha(world)
    at = open_tab(app_as("beta.eig", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    assert "Finir l'atelier usagers" not in texts(at)
    clock(FRIDAY_DEADLINE)
    at = open_tab(app_as("beta.eig", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    assert not at.exception
    assert "Finir l'atelier usagers" in texts(at)


def test_a_weeks_bulletins_are_read_a_page_at_a_time(app_as, world, clock, monkeypatch):
    file_alpha(world)
    bulletins.file_bulletin(world.beta_eig, world.beta_id, BulletinIn(mood=3, priority="Priorité de Beta",
                                                                      ups_downs="u"), now=WEDNESDAY)
    monkeypatch.setattr(bulletins, "PAGE_SIZE", 1)
    at = open_tab(app_as("coach", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    page = texts(at)
    assert t("retro.week_count", n=2) in page
    assert page.count("Finir l'atelier usagers") == 1 and "Priorité de Beta" not in page
    turn = f"retro_week_page_{world.promotion_id}_2026-11-16"
    assert at.button(key=f"{turn}_back").disabled
    at.button(key=f"{turn}_forward").click().run()
    page = texts(at)
    assert not at.exception
    assert "Finir l'atelier usagers" not in page and "Priorité de Beta" in page
    assert at.button(key=f"{turn}_forward").disabled


def test_a_week_without_bulletins_says_so(app_as, world, clock):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="La semaine passée", ups_downs="u"),
                            now=WEDNESDAY - dt.timedelta(days=7))
    at = open_tab(app_as("coach", page="pages/retrospectives.py"), "retro_tabs", t("retro.tab.promotion"))
    assert t("retro.week_empty") in texts(at)  # the week opened first is this one, where nobody filed yet
    at.selectbox(key=f"retro_week_{world.promotion_id}").set_value(dt.date(2026, 11, 9)).run()
    assert "La semaine passée" in texts(at) and t("retro.week_empty") not in texts(at)


def file_weeks(world, texts: list[str]) -> None:  # noqa: ANN001
    """Alpha's bulletins of the last len(texts) weeks, the newest (W47) with the first text."""
    for weeks_ago, text in enumerate(texts):
        bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority=text, ups_downs="u"),
                                now=WEDNESDAY - dt.timedelta(weeks=weeks_ago))


def test_a_defis_bulletins_are_read_ten_at_a_time_newest_first(app_as, world, clock):
    file_weeks(world, [f"Priorité numéro {n:02d}" for n in range(12)])
    at = app_as("coach", page="pages/retrospectives.py")
    page = texts(at)
    assert f"{t('retro.count', n=12)} · {t('retro.range', first=1, last=10)}" in page
    assert "Priorité numéro 00" in page and "Priorité numéro 09" in page and "Priorité numéro 10" not in page
    assert "#### Novembre 2026" in [m.value for m in at.markdown]  # the cards under their months
    turn = f"retro_page_{world.alpha_id}"
    assert at.button(key=f"{turn}_back").label == t("retro.newer") and at.button(key=f"{turn}_back").disabled
    at.button(key=f"{turn}_forward").click().run()
    page = texts(at)
    assert not at.exception and t("retro.range", first=11, last=12) in page
    assert "Priorité numéro 09" not in page and "Priorité numéro 11" in page
    assert at.button(key=f"{turn}_forward").label == t("retro.older") and at.button(key=f"{turn}_forward").disabled
    at.button(key=f"{turn}_back").click().run()
    assert "Priorité numéro 00" in texts(at)


def test_the_search_finds_words_whatever_their_accents_and_counts_what_it_found(app_as, world, clock):
    file_weeks(world, [f"Atelier numéro {n:02d} avec l'Équipe" for n in range(11)] + ["Démo au ministère"])
    at = app_as("eig", page="pages/retrospectives.py")
    search = at.text_input(key=f"retro_search_{world.alpha_id}")
    assert search.label == t("retro.search")
    at.button(key=f"retro_page_{world.alpha_id}_forward").click().run()  # page 2 of all the bulletins
    search.input("EQUIPE").run()
    page = texts(at)
    assert f"{t('retro.found', n=11, query='EQUIPE')} · {t('retro.range', first=1, last=10)}" in page
    assert "Atelier numéro 00" in page and "Démo au ministère" not in page  # a new search opens on its first page
    at.text_input(key=f"retro_search_{world.alpha_id}").input("ministere").run()
    page = texts(at)
    assert t("retro.found", n=1, query="ministere") in page and "Démo au ministère" in page
    assert f"retro_page_{world.alpha_id}_forward" not in [b.key for b in at.button]  # one page: no buttons


def test_a_search_without_result_says_what_to_do_and_shows_the_text_as_typed(app_as, world, clock):
    file_weeks(world, ["Atelier usagers"])
    at = app_as("coach", page="pages/retrospectives.py")
    typed = "**gras** [lien](http://x.example) 100%"
    at.text_input(key=f"retro_search_{world.alpha_id}").input(typed).run()
    assert not at.exception
    assert [shown(i.value) for i in at.info] == [t("retro.no_result", query=typed)]
    assert "Atelier usagers" not in texts(at)


@pytest.mark.parametrize(("login", "message"), [("eig", "retro.no_bulletin_team"),
                                                ("coach", "retro.no_bulletin_staff"),
                                                ("sponsor", "retro.no_bulletin")])
def test_a_defi_without_bulletins_says_what_to_do(app_as, world, clock, login, message):
    at = app_as(login, page="pages/retrospectives.py")
    assert not at.exception
    assert t(message) in [i.value for i in at.info]
    assert not at.text_input  # nothing to search


def ticket_form() -> str:
    """The key of the help form on the one ticket, opened at its first version."""
    with db.reading() as s:
        return f"help_ticket_{s.scalar(select(HelpRequest.id))}_1"


def click_row(at, row: int):  # noqa: ANN001, ANN201
    """A click on a row of the page's selectable table, as the browser sends it."""
    table = next(df for df in at.dataframe if df.key and df.key.startswith("help_board_"))
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def test_coach_clicks_a_help_request_and_assigns_answers_and_resolves_it_in_one_submit(app_as, world, clock):
    file_alpha(world, help_request="Besoin d'un juriste")
    at = app_as("coach", page="pages/help_requests.py")
    assert not at.exception
    assert at.dataframe[0].value["request"].tolist() == ["Besoin d'un juriste"]
    assert not at.text_area and t("help.click_to_treat") in texts(at)  # no form before a click
    click_row(at, 0)
    assert t("help.manage", defi="Alpha", week=week_label(2026, 47)) in texts(at)
    assert "Besoin d'un juriste" in texts(at)
    form = ticket_form()
    assert at.selectbox(key=f"{form}_assignee_id").value == world.coach.id  # the coach who opens it, by default
    at.text_area(key=f"{form}_answer").input("La DAJ vous rappelle lundi.")
    at.radio(key=f"{form}_status").set_value("resolved")
    form_button(at, form, t("help.save")).click().run()
    assert not at.exception and not errors(at)
    assert t("help.treated.resolved", name="Claire Coach") in texts(at)
    with db.reading() as s:
        ticket = s.scalar(select(HelpRequest))
        assert (ticket.status, ticket.answer, ticket.version) == ("resolved", "La DAJ vous rappelle lundi.", 2)
    at = app_as("eig", page="pages/bulletin.py")
    assert "La DAJ vous rappelle lundi." in texts(at)


def test_resolving_a_help_request_without_answer_is_refused_and_keeps_the_form(app_as, world, clock):
    file_alpha(world, help_request="Besoin d'un juriste")
    at = click_row(app_as("coach", page="pages/help_requests.py"), 0)
    form = ticket_form()
    at.radio(key=f"{form}_status").set_value("resolved")
    form_button(at, form, t("help.save")).click().run()
    assert errors(at) == [t("validation.help_answer_required")]
    assert at.radio(key=f"{form}_status").value == "resolved"
    with db.reading() as s:
        assert s.scalar(select(HelpRequest)).status == "open"


def test_key_dates_page_offers_the_ics_file(app_as, world, clock):
    file_alpha(world, key_date=dt.date(2026, 12, 3), key_date_description="Démo au cabinet")
    at = app_as("eig", page="pages/key_dates.py")  # its writers see it before publication
    assert not at.exception
    assert any("Démo au cabinet" in df.value["title"].tolist() for df in at.dataframe)


def test_key_dates_page_lists_the_calendar_week_by_week_in_words(app_as, world, clock):
    file_alpha(world, key_date=dt.date(2026, 12, 3), key_date_description="Démo au cabinet")
    at = app_as("coach", page="pages/key_dates.py")
    assert not at.exception
    page = texts(at)
    # Wednesday 18 November: this week and the next ones, headed in words, no ISO week code.
    assert f"{formats.week(dt.date(2026, 11, 16)).capitalize()} · {t('calendar.this_week')}" in page
    assert formats.week(dt.date(2026, 11, 30)).capitalize() in page
    assert formats.week(dt.date(2026, 11, 9)).capitalize() not in page and "W4" not in page
    weeks = [df.value for df in at.dataframe]  # one table per week, in time order
    assert weeks[0]["title"].tolist() == [t("calendar.deadline")]
    assert {"Démo au cabinet", t("calendar.phase_end", number=3)} <= set(weeks[2]["title"])
    at.multiselect(key="calendar_kinds").set_value(["key_date"]).run()
    shown = [df.value for df in at.dataframe]
    assert [frame["title"].tolist() for frame in shown] == [["Démo au cabinet"]]
    at.toggle(key="calendar_past").set_value(True).run()
    assert not at.exception


def share_token(world, days: int = 7) -> str:  # noqa: ANN001
    return sharing.create_link(world.coach, world.alpha_id, ShareLinkIn(days=days), now=WEDNESDAY)


def open_shared(app_as, token: str):  # noqa: ANN001, ANN201
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import FRAME

    at = AppTest.from_file(FRAME, default_timeout=30)
    at.query_params["partage"] = token
    at.run()
    return at


def test_a_valid_share_link_shows_published_bulletins_without_login(app_as, world, clock):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="Publiée", ups_downs="u"),
                            now=WEDNESDAY - dt.timedelta(days=7))
    file_alpha(world)
    token = share_token(world)
    at = open_shared(app_as, token)
    page = texts(at)
    assert t("share.page_title", defi="Alpha") in page and "Publiée" in page
    assert "Finir l'atelier usagers" not in page  # this week is not published yet
    assert not at.text_input  # no login form, no menu
    assert "authentication_status" not in at.session_state or not at.session_state["authentication_status"]


def test_an_altered_share_link_is_refused_with_no_data(app_as, world, clock):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="Publiée", ups_downs="u"),
                            now=WEDNESDAY - dt.timedelta(days=7))
    token = share_token(world)
    at = open_shared(app_as, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    page = texts(at)
    assert t("share.refused.title") in page and t("share.refused.invalid") in page
    assert "Publiée" not in page and "Alpha" not in page


def test_an_expired_share_link_is_refused_with_no_data(app_as, world, clock):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="Publiée", ups_downs="u"),
                            now=WEDNESDAY - dt.timedelta(days=7))
    token = share_token(world, days=1)
    clock(WEDNESDAY + dt.timedelta(days=1))
    at = open_shared(app_as, token)
    page = texts(at)
    assert t("share.refused.expired", date="jeudi 19/11/2026 à 10:00") in page
    assert "Publiée" not in page and "Alpha" not in page


def test_coach_previews_the_weekly_recap_and_sends_it_from_the_app(app_as, world, clock, monkeypatch):
    file_alpha(world)
    clock(dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS))  # W47's deadline has passed
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        at = open_tab(app_as("coach", page="pages/admin.py"), "admin_tabs", t("admin.tab.recap"))
        assert not at.exception
        assert t("digest.preview.title", week=W47) in texts(at)
        assert any("Finir l'atelier usagers" in html.unescape(h.proto.body) for h in at.get("html"))
        sending = f"send_recap_{world.promotion_id}_2026_47_0"
        form_button(at, sending, t("digest.preview.send")).click().run()
        assert errors(at) == [t("digest.preview.unconfirmed")]
        assert inbox.messages() == []
        at.checkbox(key=f"{sending}_confirm").check()
        form_button(at, sending, t("digest.preview.send")).click().run()
        assert not at.exception and t("digest.preview.sent", week=W47, n=6) in texts(at)
        received = inbox.messages()
        assert len(received) == 6 and received[0][1]["Subject"] == t("digest.recap.subject", week=W47,
                                                                    promotion="Promo test")
    get_settings.cache_clear()


def test_a_second_click_on_send_mails_the_recap_no_more(app_as, world, clock, monkeypatch):
    """The browser still shows the box ticked in the form it drew: a second click on
    « Envoyer » sends it again, ticked. The form drawn after the sending is another one."""
    file_alpha(world)
    clock(dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS))
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        at = open_tab(app_as("coach", page="pages/admin.py"), "admin_tabs", t("admin.tab.recap"))
        labelled(at.checkbox, t("digest.preview.confirm", n=6)).check()
        click_twice(at, labelled(at.button, t("digest.preview.send")))
        assert not at.exception and t("digest.preview.sent", week=W47, n=6) in texts(at)
        assert len(inbox.messages()) == 6  # one message each, once
        assert not labelled(at.checkbox, t("digest.preview.confirm", n=6)).value  # to be ticked again
    get_settings.cache_clear()
