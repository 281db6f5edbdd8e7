"""The page kit (lib/ui/) on small scripts under AppTest: what each piece promises the pages."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from streamlit.testing.v1 import AppTest

from lib import ui
from lib.i18n import t
from lib.programme import mood_label
from lib.ui import forms as form_kit
from tests.conftest import set_clock
from tests.pages.conftest import form_button


def run(script) -> AppTest:  # noqa: ANN001
    return AppTest.from_function(script, default_timeout=30).run()


# --- chart -----------------------------------------------------------------------------------------------


def chart_page() -> None:
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    from lib import ui

    def table() -> pd.DataFrame:
        st.session_state["built"] = st.session_state.get("built", 0) + 1
        return pd.DataFrame({"week": ["S1"], "mood": [3]})

    ui.chart(go.Figure(), table, "moods", {"mood": "Humeur"})
    ui.chart(None, pd.DataFrame({"n": [1]}), "alone", expanded=True)
    ui.chart(go.Figure(), None, "figure_only")


def test_chart_builds_and_sends_its_table_only_once_opened():
    at = run(chart_page)
    assert len(at.get("plotly_chart")) == 2  # no figure for "alone"
    assert [e.label for e in at.expander] == [t("chart.see_data")] * 2  # none for "figure_only"
    assert "built" not in at.session_state and len(at.dataframe) == 1  # only the panel opened by default
    at.session_state["see_data_moods"] = True  # the person opens it (which reruns the page)
    at.run()
    assert at.session_state["built"] == 1
    assert at.dataframe[0].value["mood"].tolist() == [3]


# --- submit and save_or_delete ---------------------------------------------------------------------------


def submit_page() -> None:
    import streamlit as st
    from pydantic import BaseModel

    from lib import ui
    from lib.errors import ServiceError

    class Count(BaseModel):
        n: int

    def refuse(_: Count) -> None:
        raise ServiceError("Refusé par *le service*")

    seen = st.session_state.setdefault("after", [])
    st.session_state["saved"] = ui.submit(lambda: Count(n=1), lambda _: None, "Enregistré", after=seen.append)
    st.session_state["invalid"] = ui.submit(lambda: Count(n="x"), lambda _: 1, labels={"n": "Nombre"},
                                            after=seen.append)
    st.session_state["refused"] = ui.submit(lambda: Count(n=1), refuse, after=seen.append)


def test_submit_says_whether_the_write_went_through_whatever_the_service_returns():
    at = run(submit_page)
    # A service returning None went through (the pages used to add « or True »).
    assert (at.session_state["saved"], at.session_state["invalid"], at.session_state["refused"]) == (True, False, False)
    assert at.session_state["after"] == [None]  # what the service returned, and only once written
    assert [s.value for s in at.success] == ["Enregistré"]
    assert at.error[0].value.startswith("Nombre : ")
    assert at.error[1].value == ui.md("Refusé par *le service*")


def edit_page() -> None:
    import streamlit as st

    from lib import ui

    calls = st.session_state.setdefault("calls", [])
    opened = ui.edit("thing", 7, 3)
    with st.form(opened.key):
        st.text_input("Nom", key=opened.field("name"))
        ui.save_or_delete(opened, lambda: opened.value("name"),
                          lambda data, version: calls.append(("save", data, version)),
                          lambda version: calls.append(("delete", version)),
                          {"confirm": "Confirmer", "save": "Enregistrer", "saved": "Enregistré", "delete": "Supprimer",
                           "deleted": "Supprimé", "unconfirmed": "Cochez d'abord la case."})


def said(at: AppTest) -> str | None:
    """The message the page's next run shows at its top (pages show it through `ui.page`)."""
    return at.session_state["ui_forms"].done


def click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def test_save_or_delete_deletes_only_once_confirmed_and_claims_the_version_seen():
    at = run(edit_page)
    click(at, "Supprimer")
    assert at.session_state["calls"] == [] and [e.value for e in at.error] == ["Cochez d'abord la case."]
    at.checkbox[0].check()
    click(at, "Supprimer")
    assert at.session_state["calls"] == [("delete", 3)] and said(at) == "Supprimé"


def test_save_or_delete_saves_the_fields_with_the_version_seen():
    at = run(edit_page)
    at.text_input[0].input("Alpha")
    click(at, "Enregistrer")
    assert at.session_state["calls"] == [("save", "Alpha", 3)] and said(at) == "Enregistré"


# --- bulletin_card and mood_label ------------------------------------------------------------------------


def card_page() -> None:
    from lib import ui

    ui.bulletin_card("[Alpha](http://x.fr) **fort**", 2, "Livrer", "Hauts et bas",
                     more=(("Demande d'aide", ""), ("Date clé", "Le 3 : **démo**")), note=" · non publié")


def test_bulletin_card_makes_the_heading_inert_and_leaves_out_empty_texts():
    at = run(card_page)
    assert at.markdown[0].value == f"**{ui.md('[Alpha](http://x.fr) **fort**')}** · {mood_label(2)} · non publié"
    assert [c.value for c in at.caption] == [t("bulletin.priority"), t("bulletin.ups_downs"), "Date clé"]
    assert [x.value for x in at.text] == ["Livrer", "Hauts et bas", "Le 3 : **démo**"]  # st.text: never Markdown


def test_a_mood_reads_the_same_everywhere_and_a_missing_one_says_so():
    assert mood_label(2) == mood_label(2.0) == f"😐 {t('bulletin.mood.2')}"
    assert mood_label(None) == mood_label(float("nan")) == t("mood.missing")


# --- now and rows_key ------------------------------------------------------------------------------------


def test_now_is_the_clock_to_the_minute(monkeypatch: pytest.MonkeyPatch):
    set_clock(monkeypatch, dt.datetime(2026, 11, 18, 14, 7, 42, 123, tzinfo=dt.UTC))
    assert ui.now() == dt.datetime(2026, 11, 18, 14, 7, tzinfo=dt.UTC)


def test_a_table_of_other_rows_or_versions_or_owner_gets_another_key():
    key = ui.rows_key("facts", 1, ["3.1", "4.1"])
    assert key == ui.rows_key("facts", 1, ["3.1", "4.1"])
    assert len({key, ui.rows_key("facts", 1, ["3.2", "4.1"]), ui.rows_key("facts", 1, ["4.1", "3.1"]),
                ui.rows_key("facts", 2, ["3.1", "4.1"])}) == 4


# --- Forms that create: new ------------------------------------------------------------------------------


def create_page() -> None:
    import streamlit as st

    from lib import ui

    made = st.session_state.setdefault("made", [])
    form = ui.new("thing", 7)
    # The test may draw again a form of before the save: Streamlit still holds its button
    # when a double click's second click arrives while the first one's run is going.
    for drawn in [st.session_state.get("stale"), form]:
        if drawn is not None:
            with st.form(drawn.key):
                st.text_input("Nom", key=drawn.field("name"))
                ui.save_button("Créer", drawn, lambda drawn=drawn: drawn.value("name"), made.append, "Créé")
    st.session_state["form"] = form


def test_a_create_form_is_drawn_anew_after_each_save():
    at = run(create_page)
    first = at.session_state["form"]
    at.text_input(key=first.field("name")).input("Alpha")
    form_button(at, first.key, "Créer").click().run()
    assert at.session_state["made"] == ["Alpha"] and said(at) == "Créé"
    second = at.session_state["form"]
    assert second.key != first.key and at.text_input(key=second.field("name")).value == ""
    at.text_input(key=second.field("name")).input("Beta")
    form_button(at, second.key, "Créer").click().run()
    assert at.session_state["made"] == ["Alpha", "Beta"]


def test_a_click_on_a_create_form_a_save_has_replaced_makes_nothing():
    at = run(create_page)
    first = at.session_state["form"]
    at.text_input(key=first.field("name")).input("Alpha")
    form_button(at, first.key, "Créer").click().run()
    at.session_state["stale"] = first
    at.run()
    at.text_input(key=first.field("name")).input("Alpha")
    form_button(at, first.key, "Créer").click().run()
    assert not at.exception and at.session_state["made"] == ["Alpha"]
    assert said(at) == "Créé"  # the page still says what the first click did


def versioned_page() -> None:
    import streamlit as st

    from lib import ui

    calls = st.session_state.setdefault("calls", [])

    def save(name: str, expected: int) -> None:
        calls.append((name, expected))
        st.session_state["version"] = expected + 1

    opened = ui.edit("thing", 7, st.session_state.setdefault("version", 3))
    for drawn in [st.session_state.get("stale"), opened]:
        if drawn is not None:
            with st.form(drawn.key):
                st.text_input("Nom", key=drawn.field("name"))
                ui.save_button("Enregistrer", drawn, lambda drawn=drawn: drawn.value("name"),
                               lambda name, drawn=drawn: save(name, drawn.expected), "Enregistré")
    st.session_state["opened"] = opened


def test_a_click_on_an_edit_form_a_save_has_replaced_makes_nothing():
    at = run(versioned_page)
    first = at.session_state["opened"]
    at.text_input(key=first.field("name")).input("Alpha")
    form_button(at, first.key, "Enregistrer").click().run()
    assert at.session_state["calls"] == [("Alpha", 3)] and at.session_state["opened"].key != first.key
    at.session_state["stale"] = first
    at.run()
    at.text_input(key=first.field("name")).input("Alpha")
    # It would claim the version the first click wrote (4), as if the person had seen it.
    form_button(at, first.key, "Enregistrer").click().run()
    assert not at.exception and at.session_state["calls"] == [("Alpha", 3)]


def test_two_clicks_written_at_once_write_once_and_both_say_so():
    """With Streamlit's fast reruns, a second click's callback runs in another script runner
    while the first one's write is under way."""
    forms, calls, writing, release = form_kit._Forms(), [], threading.Event(), threading.Event()

    def slow(name: str) -> None:
        calls.append(name)
        writing.set()
        release.wait(10)

    form = ui.New(key="thing_0", name="thing", forms=forms)
    first, second = (threading.Thread(target=form_kit._writer(form, lambda: "Alpha", slow, "Créé", None, None))
                     for _ in range(2))
    first.start()
    assert writing.wait(10)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["Alpha"] and forms.done == "Créé" and forms.generations == {"thing": 1}
