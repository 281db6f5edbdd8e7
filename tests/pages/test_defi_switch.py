"""Switching the défi in the sidebar: every page follows it. A page that was opened, and
whose pickers and fields were touched, on one défi shows after the switch exactly what
a fresh visit to the other défi shows, names that défi in its title, and carries none of
the first défi's records or typed text into its forms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import auth, db, portfolio, users
from lib.config import get_settings
from lib.models import DefiRole
from lib.schemas import MembershipIn
from lib.seed import seed
from tests.pages.conftest import new_app, texts

ROOT = Path(__file__).resolve().parents[2]
TYPED = "Texte tapé sur l'autre défi"
WIDGETS = ("selectbox", "multiselect", "radio", "text_input", "text_area", "number_input", "date_input",
           "time_input", "checkbox", "toggle", "slider", "select_slider")
# Pages that show or edit one défi name it in their title; the others show the promotion.
DEFI_PAGES = {"journal", "carnet", "bulletin", "retrospectives", "key_dates", "phases", "committees", "indicators"}
# Each role sees its own menu; together they open every page that depends on the défi.
ROLE_PAGES = {
    "coach.claire": ["home", "journal", "carnet", "retrospectives", "help_requests", "key_dates", "phases",
                     "committees", "indicators", "portfolio", "programme"],
    "sponsor.anne": ["home", "journal", "retrospectives", "key_dates", "phases", "committees", "indicators"],
    "eig.lea": ["home", "journal", "carnet", "bulletin", "retrospectives", "key_dates", "phases", "committees",
                "indicators"],
}


pytestmark = pytest.mark.usefixtures("frame_on_every_run")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data, where every défi has a history; Léa is made EIG of a second défi
    (the sponsor's other one) so that her own pages can switch too."""
    url = f"sqlite:///{tmp_path_factory.mktemp('switch') / 'demo.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        db.upgrade_to_head(url)
        seed(db.get_engine(url))
        admin, lea, anne = (auth.actor_for_login(login, auth.session_epoch(login))
                            for login in ("admin", "eig.lea", "sponsor.anne"))
        promotion = portfolio.promotions_for(anne)[0]
        other = next(d for d in portfolio.defis_for(anne, promotion.id)
                     if d.id not in {m.id for m in portfolio.defis_for(lea, promotion.id)})
        users.add_membership(admin, MembershipIn(user_id=lea.id, defi_id=other.id, role=DefiRole.EIG))
        yield url
        db.dispose_engines()
    get_settings.cache_clear()


def open_page(login: str, page: str, defi_index: int) -> AppTest:
    """A fresh session of `login`, with the sidebar on the défi at `defi_index`, on `page`."""
    at = new_app(login, timeout=60)
    at.run()
    pick_defi(at, defi_index)
    at.switch_page(f"pages/{page}.py")
    at.run()
    return at


def pick_defi(at: AppTest, index: int) -> None:
    at.selectbox(key="defi_pick").select_index(index).run()


def addressable(selectbox) -> bool:  # noqa: ANN001
    """AppTest picks a selectbox option by its label, which only works when the labels are
    the options themselves (records shown through a format function are not)."""
    try:
        return all(selectbox.format_func(option) == option for option in selectbox.options)
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def touch_everything(at: AppTest) -> None:
    """What a person does before changing their mind: pick another record in every picker
    and type in every field."""
    for widget in at.main.selectbox:
        if len(widget.options) > 1 and addressable(widget):
            widget.select_index(((widget.index or 0) + 1) % len(widget.options))
    for widget in at.main.radio:
        if len(widget.options) > 1:
            widget.set_value(widget.options[((widget.index or 0) + 1) % len(widget.options)])
    for kind in ("text_input", "text_area"):
        for widget in getattr(at.main, kind):
            widget.input(TYPED)
    at.run()


def snapshot(at: AppTest) -> dict:
    return {"titles": [title.value for title in at.title],
            "widgets": [(kind, widget.label, repr(widget.value)) for kind in WIDGETS
                        for widget in getattr(at.main, kind)],
            "texts": texts(at)}


def defi_ids(value: object) -> set[int]:
    """The défis of the records a widget holds or offers (pydantic models and rows carry
    their `defi_id`)."""
    if isinstance(value, list | tuple):
        return set().union(*map(defi_ids, value)) if value else set()
    found = value.get("defi_id") if isinstance(value, dict) else getattr(value, "defi_id", None)
    return {int(found)} if found is not None else set()


CASES = [(login, page) for login, pages in ROLE_PAGES.items() for page in pages]
IDS = [f"{login}-{page}" for login, page in CASES]


@pytest.mark.parametrize(("login", "page"), CASES, ids=IDS)
def test_after_a_switch_the_page_shows_what_a_visit_to_that_defi_shows(demo_url, login, page):
    switched = open_page(login, page, 0)
    pick_defi(switched, 1)
    fresh = open_page(login, page, 1)
    assert not switched.exception and not fresh.exception
    after = snapshot(switched)
    assert after == snapshot(fresh)
    if page in DEFI_PAGES:
        defi_name = switched.selectbox(key="defi_pick").value.name
        assert any(defi_name in title for title in after["titles"]), after["titles"]


@pytest.mark.parametrize(("login", "page"), [c for c in CASES if c[1] in DEFI_PAGES],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[1] in DEFI_PAGES])
def test_no_record_or_typed_text_of_the_previous_defi_survives_a_switch(demo_url, login, page):
    at = open_page(login, page, 0)
    touch_everything(at)
    pick_defi(at, 1)
    assert not at.exception
    defi = at.selectbox(key="defi_pick").value
    widgets = [widget for kind in WIDGETS for widget in getattr(at.main, kind)]
    carried = {widget.label: ids for widget in widgets
               if (ids := defi_ids(widget.value) | defi_ids(getattr(widget, "options", []))) - {defi.id}}
    assert not carried
    assert not [widget.label for widget in widgets if widget.form_id and TYPED in str(widget.value)]
