"""Role journeys in Chromium that the other e2e modules do not walk: a coach
answers a help request, a porteur ticks an objective, and a sponsor stays inside her défi
and out of every carnet whatever address or query parameters she types. One app for the
module: the journeys touch different rows."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lib import db
from lib.auth import DEMO_PASSWORD
from lib.i18n import t
from lib.models import Defi, DefiPhase, HelpRequest, JournalEntry, Membership, MonthlyCarnet, PhaseObjective, User
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import choose, click_row, login, open_logged_in, rerun, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]
ANSWER = "Réponse e2e : je vous mets en relation avec la DSI cette semaine."


def metric(page, label: str) -> int:  # noqa: ANN001
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text())


def test_coach_clicks_a_help_request_and_resolves_it_in_one_submit(module_app, new_page):
    coach = new_page()
    login(coach, module_app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(coach, coach.get_by_role("link", name="Demandes d'aide"))
    coach.get_by_text("Cliquez sur une ligne du tableau").wait_for()
    settle(coach)
    opened, resolved = metric(coach, "Ouvertes"), metric(coach, "Résolues")
    assert opened > 0  # the demo data leaves a few open requests
    choose(coach, "Statut", "ouverte")
    treat = coach.get_by_text("Traiter la demande · ")
    click_row(coach, coach.locator('[data-testid="stDataFrame"]').first, 0, until=lambda: treat.count() > 0)
    screenshot(coach, "help-request-clicked")

    form = coach.locator('[data-testid="stForm"]').filter(has_text="Suivie par")
    expect(form.get_by_label("Suivie par")).to_have_value(re.compile("Claire"))  # who treats it, by default
    form.get_by_label("Réponse (visible par le défi)").fill(ANSWER)
    form.get_by_text("Résolue", exact=True).click()
    form.get_by_role("button", name="Enregistrer").click()
    coach.get_by_text("Demande résolue, suivie par").wait_for()
    settle(coach)
    assert (metric(coach, "Ouvertes"), metric(coach, "Résolues")) == (opened - 1, resolved + 1)
    screenshot(coach, "help-request-answered")

    with db.reading(db.get_engine(module_app.database_url)) as s:
        ticket = s.scalars(select(HelpRequest).where(HelpRequest.answer == ANSWER)).one()
        claire = s.scalars(select(User).where(User.login == "coach.claire")).one()
        assert ticket.status.value == "resolved" and ticket.resolved_by_id == claire.id


def test_porteur_ticks_an_objective_of_the_current_phase(module_app, new_page):
    page = new_page()
    login(page, module_app.base_url, "porteur.marc", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Phases"))
    form = page.locator('[data-testid="stForm"]:visible').filter(has_text="Enregistrer les objectifs cochés").first
    form.get_by_role("checkbox").first.wait_for()  # the page's content, not the previous page's
    settle(page)
    boxes = form.get_by_role("checkbox")
    unticked = next(i for i in range(boxes.count()) if not boxes.nth(i).is_checked())
    label = form.locator('[data-testid="stCheckbox"]').nth(unticked).inner_text().strip()
    form.locator('[data-testid="stCheckbox"]').nth(unticked).locator("label").click()
    form.get_by_role("button", name="Enregistrer les objectifs cochés").click()
    page.get_by_text(t("phases.objectives.saved_n", n=1)).wait_for()
    screenshot(page, "phases-porteur-ticked")

    # Still ticked after a reload, and recorded as Marc's.
    page.reload()
    form = page.locator('[data-testid="stForm"]:visible').filter(has_text="Enregistrer les objectifs cochés").first
    form.get_by_role("checkbox", name=label).wait_for()
    expect(form.get_by_role("checkbox", name=label)).to_be_checked()
    with db.reading(db.get_engine(module_app.database_url)) as s:
        done_by = s.scalars(select(User.login).join(PhaseObjective, PhaseObjective.done_by_id == User.id)
                            .join(DefiPhase, DefiPhase.id == PhaseObjective.defi_phase_id)
                            .join(Defi, Defi.id == DefiPhase.defi_id)
                            .where(Defi.name == CURRENT_DEFIS[0].name, PhaseObjective.label == label,
                                   PhaseObjective.done)).all()
        assert done_by == ["porteur.marc"]


def secrets(url: str) -> dict[str, object]:
    """What the sponsor of CURRENT_DEFIS[0] must never see: every carnet text of the demo
    data, and another défi's id and newest journal task; and the défis she does sponsor."""
    with db.reading(db.get_engine(url)) as s:
        carnets = [text for row in s.execute(select(MonthlyCarnet.objectifs, MonthlyCarnet.besoins,
                                                    MonthlyCarnet.apprentissages, MonthlyCarnet.trajectoire))
                   for text in row if text and len(text) > 20]
        mine = s.scalars(select(Defi.id).where(Defi.name == CURRENT_DEFIS[0].name)).one()
        other = s.scalars(select(Defi).where(Defi.name == CURRENT_DEFIS[1].name)).one()
        task = s.scalars(select(JournalEntry.tache).where(  # the newest, which her journal would show first
            JournalEntry.defi_id == other.id,
            JournalEntry.tache.not_in(select(JournalEntry.tache).where(JournalEntry.defi_id == mine)))
            .order_by(JournalEntry.done_on.desc())).first()
        hers = s.scalars(select(Defi.name).join(Membership, Membership.defi_id == Defi.id)
                         .join(User, User.id == Membership.user_id)
                         .where(User.login == "sponsor.anne").order_by(Defi.name)).all()
        assert other.name not in hers
        return {"carnets": carnets, "hers": hers, "other_id": other.id, "other_name": other.name, "other_task": task}


def test_sponsor_cannot_reach_another_defi_or_any_carnet_by_url(module_app, new_page):
    secret = secrets(module_app.database_url)
    assert secret["carnets"] and secret["other_task"]
    page = new_page()
    login(page, module_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    base = module_app.base_url

    # The sidebar offers her défis only.
    page.get_by_label("Défi", exact=True).first.click()
    expect(page.get_by_role("option")).to_have_count(len(secret["hers"]))
    for option, name in zip(page.get_by_role("option").all(), secret["hers"], strict=True):
        assert option.inner_text().startswith(name)
    page.keyboard.press("Escape")

    def visit(path: str) -> str:
        """Type the address; return the title of the page it opened, after checking that
        no carnet text and nothing of the other défi's journal is on screen."""
        if "partage=" in path:  # a share link opens without the login
            page.goto(base + path)
            page.locator("h1").first.wait_for()
            settle(page)
        else:
            open_logged_in(page, base + path)
        body = page.inner_text("body")
        for text in secret["carnets"]:
            assert text not in body, f"{path} shows a carnet"
        assert secret["other_task"] not in body, f"{path} shows another défi's journal"
        assert "requested page" not in body and "Traceback" not in body, path
        return page.locator("h1").first.inner_text()

    other, name = secret["other_id"], quote(secret["other_name"])
    # Pages outside her menu open the home page instead, whatever the query says.
    for path in ["/carnet", "/carnet?defi={o}", "/carnet?user=1", "/bulletin", "/help_requests", "/portfolio",
                 "/admin", "/import", "/?defi={o}&defi_pick={o}"]:
        path = path.format(o=other)
        assert visit(path).startswith("Bonjour"), path
    # A forged share link is refused (it would show published bulletins only, and no menu).
    assert visit(f"/?partage=jeton-invente&defi={other}") == "Lien de partage refusé"
    # Pages of her menu open (the address works: a bookmark is not lost at login), on her défi.
    for path, title in [("/journal?defi={o}", "Carnet de bord"), ("/journal?defi={n}", "Carnet de bord"),
                        ("/phases?defi={o}", "Phases"), ("/committees?defi={o}&promotion=1", "Comités"),
                        ("/indicators?defi={o}", "Indicateurs")]:
        path = path.format(o=other, n=name)
        assert visit(path).startswith(title), path
        picked = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Défi").input_value()
        assert picked.startswith(CURRENT_DEFIS[0].name), path
        assert secret["other_name"] not in page.inner_text("body"), path
    screenshot(page, "sponsor-url-tampered")
