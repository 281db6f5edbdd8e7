"""« S'abonner au calendrier » on Dates clés: the person gets an address to copy, sees the feed
in their list, and revokes it; an admin revokes anyone's in Administration."""

from __future__ import annotations

from lib import calendar_feeds, key_dates
from lib.i18n import t
from lib.schemas import CalendarFeedIn
from tests.pages.conftest import form_button, open_tab, texts

PAGE = "pages/key_dates.py"


def test_a_sponsor_subscribes_copies_the_address_and_revokes_it(app_as, world):
    at = app_as("sponsor", page=PAGE)
    creating = f"calendar_feed_{world.promotion_id}_0"
    assert at.radio(key=f"{creating}_scope").options == [t("feeds.scope.defis"),
                                                        t("feeds.scope.promotion", name="Promo test")]
    assert t("calendar.kind.deadline") not in at.multiselect(key=f"{creating}_kinds").value  # off for sponsors
    form_button(at, creating, t("feeds.create")).click().run()
    assert not at.exception and t("feeds.created") in texts(at)
    [address] = [c.value for c in at.code]
    assert "/calendar/" in address and address.endswith(".ics")
    [feed] = calendar_feeds.my_feeds(world.sponsor).itertuples()
    assert feed.state == "active" and feed.kinds_label == ", ".join(
        t(f"calendar.kind.{k}") for k in key_dates.KINDS if k != "deadline")
    assert t("feeds.never") in texts(at)
    at.button(key=f"revoke_feed_{feed.id}").click().run()
    assert not at.exception and t("feeds.revoked") in texts(at)
    assert calendar_feeds.my_feeds(world.sponsor)["state"].tolist() == ["revoked"]
    assert not [b for b in at.button if b.key == f"revoke_feed_{feed.id}"]


def test_an_admin_revokes_anyones_feed_and_a_coach_has_no_such_tab(app_as, world):
    calendar_feeds.subscribe(world.eig, CalendarFeedIn(scope="defis", kinds=["event"]))
    [feed_id] = calendar_feeds.my_feeds(world.eig)["id"]
    at = open_tab(app_as("admin", page="pages/admin.py"), "admin_tabs", t("admin.tab.feeds"))
    at.selectbox(key="revoke_feed_pick").select_index(0).run()
    at.button(key=f"admin_revoke_feed_{feed_id}").click().run()
    assert not at.exception and t("feeds.revoked") in texts(at)
    assert calendar_feeds.my_feeds(world.eig)["state"].tolist() == ["revoked"]
    coach = app_as("coach", page="pages/admin.py")
    assert t("admin.tab.feeds") in [tab.label for tab in at.tabs]
    assert t("admin.tab.feeds") not in [tab.label for tab in coach.tabs]
