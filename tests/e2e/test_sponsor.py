"""In Chromium: a sponsor sees only the défis she follows, each with its verdict and only
what is asked of her; a porteur his own actions, due in words, each opening where it is
done; the sponsor's export prints one A4 page per défi;
an EIG records a measurement on the Indicateurs page."""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from lib import committees, formats, phases, portfolio, sponsor
from lib.auth import DEMO_PASSWORD
from lib.clock import due_in_words, now_utc, today_local
from lib.i18n import t
from lib.schemas import CommitteeActionIn
from tests.e2e.conftest import ARTIFACTS, account, login, rerun, screenshot, services_on, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]
PHASE_NAMES = ["Valider l'hypothèse", "Prouver le concept", "Prouver la valeur", "Amplifier l'impact"]


def followed_and_others(database_url: str, login_name: str) -> tuple[list[str], list[str]]:
    """Straight from the database: the défis of the newest promotion the user follows as
    porteur or sponsor, and the promotion's other défis."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.name, EXISTS (SELECT 1 FROM membership m JOIN \"user\" u ON u.id = m.user_id "
            "WHERE m.defi_id = d.id AND u.login = :login AND m.role IN ('porteur', 'sponsor')) "
            "FROM defi d WHERE d.promotion_id = (SELECT id FROM promotion ORDER BY start_date DESC LIMIT 1) "
            "ORDER BY d.name"), {"login": login_name}).all()
    engine.dispose()
    return [n for n, mine in rows if mine], [n for n, mine in rows if not mine]


def service_view(database_url: str, login_name: str) -> sponsor.SponsorView:
    """What the sponsor service computes today for the user: the demo seed is dated from the
    app's today, so which action is open or late changes from week to week."""
    with services_on(database_url):
        actor = account(login_name)
        return sponsor.my_view(actor, portfolio.promotions_for(actor)[0].id)


def others_open_actions(database_url: str, login_name: str) -> list[str]:
    """Open committee actions of the user's défis that someone else owns."""
    with services_on(database_url):
        actor = account(login_name)
        promotion = portfolio.promotions_for(actor)[0]
        return [a.description for d in portfolio.defis_for(actor, promotion.id)
                for a in committees.defi_actions(actor, d.id, open_only=True) if a.owner_id != actor.id]


def give_porteur_actions(database_url: str, *days: int) -> list[str]:
    """A coach gives porteur.marc open actions on his défi, due `days` from the app's today
    (negative: late), in its first held committee: the seed's own open actions come and go
    with the day the tests run."""
    with services_on(database_url):
        coach, marc = account("coach.claire"), account("porteur.marc")
        [defi] = portfolio.defis_for(marc, portfolio.promotions_for(marc)[0].id)
        today = today_local()
        committee_id = next(p.committee_id for p in phases.defi_phases(coach, defi.id, today) if p.committee_id)
        out = []
        for n, days_left in enumerate(days):
            text = f"Action de test {n} pour le porteur ({days_left:+d} j)"
            committees.add_action(coach, committee_id, CommitteeActionIn(
                description=text, owner_id=marc.id, due_on=today + dt.timedelta(days=days_left)))
            out.append(text)
        return out


def whole_page(page) -> None:  # noqa: ANN001
    """Grow the window to the page's height: Streamlit scrolls inside its own container, so a
    full-page screenshot would otherwise stop at the first screen."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(height + 100, 8000)})
    settle(page)


def test_sponsor_sees_a_verdict_per_defi_and_only_what_is_asked_of_her(module_app, new_page):
    mine, others = followed_and_others(module_app.database_url, "sponsor.anne")
    assert len(mine) == 2 and others  # the seed gives her two défis among many
    give_porteur_actions(module_app.database_url, -2)  # in her first défi, not hers to do
    view = service_view(module_app.database_url, "sponsor.anne")
    not_hers = others_open_actions(module_app.database_url, "sponsor.anne")
    assert not_hers
    page = new_page()
    login(page, module_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    page.get_by_text("Vos défis en un coup d'œil").wait_for()
    for name in mine:
        page.get_by_role("heading", name=name, exact=True).wait_for()
    headings = page.get_by_role("heading").all_inner_texts()
    assert not [name for name in others if name in headings]
    assert [b.defi for b in view.briefs] == mine
    for brief in view.briefs:  # a verdict for each défi, in words, from the same risk rules
        assert brief.verdict.text
        page.get_by_text(brief.verdict.text, exact=True).first.wait_for()
    assert page.get_by_text("Ce qu'on attend de vous").count() == len(mine)
    asked = [a.text for b in view.briefs for a in b.asks]
    for words in asked or [t("sponsor.empty.asks")]:
        page.get_by_text(words).first.wait_for()
    for action in not_hers:  # never another person's action
        assert page.get_by_text(action).count() == 0, action
    whole_page(page)
    screenshot(page, "home-sponsor")


def test_porteur_sees_his_actions_due_in_words_and_opens_where_they_are_done(module_app, new_page):
    given = give_porteur_actions(module_app.database_url, -3, 2)
    view = service_view(module_app.database_url, "porteur.marc")
    [brief] = view.briefs
    assert {a.text: a.when for a in brief.asks if a.text in given} == {
        given[0]: "en retard de 3 jours", given[1]: due_in_words(today_local() + dt.timedelta(days=2), now_utc())}
    page = new_page()
    login(page, module_app.base_url, "porteur.marc", DEMO_PASSWORD)
    page.get_by_text(brief.verdict.text, exact=True).first.wait_for()
    for ask in brief.asks:
        line = page.get_by_test_id("stHorizontalBlock").filter(has_text=ask.text).last
        line.get_by_text(ask.when).wait_for()  # « en retard de 12 jours », « d'ici vendredi »
    for action in others_open_actions(module_app.database_url, "porteur.marc"):
        assert page.get_by_text(action).count() == 0, action
    whole_page(page)
    screenshot(page, "home-porteur")
    first = page.get_by_test_id("stHorizontalBlock").filter(has_text=brief.asks[0].text).last
    rerun(page, first.get_by_role("button", name="Ouvrir"))
    page.get_by_role("heading", name=f"{t('page.committees')} · {brief.defi}").wait_for()


def test_the_sponsor_export_prints_one_a4_page_per_defi_with_its_verdict_and_full_phase_names(
        module_app, new_page, tmp_path):
    mine, _ = followed_and_others(module_app.database_url, "sponsor.anne")
    view = service_view(module_app.database_url, "sponsor.anne")
    page = new_page()
    login(page, module_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la page à transmettre (HTML)").click()
    assert download.value.suggested_filename.endswith(".html")
    path = download.value.path()
    size = path.stat().st_size
    assert size < 1_000_000, size
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "src=" not in html
    assert "(à compléter)" not in html  # a draft report's text never leaves the coaches

    saved = tmp_path / download.value.suggested_filename  # as the sponsor's browser saves it, .html
    saved.write_text(html, encoding="utf-8")
    printed = new_page()
    printed.goto(saved.as_uri())
    pdf = printed.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(mine)
    for number, (pdf_page, brief) in enumerate(zip(reader.pages, view.briefs, strict=True)):
        words = " ".join(pdf_page.extract_text().split())
        verdict = " ".join(brief.verdict.text.split())
        assert verdict in words and brief.defi in words, (number, words)
        assert words.index(verdict) < words.index(brief.defi)  # the verdict first
        for phase in PHASE_NAMES:  # in full, not « e », « pt », « ur »
            assert phase in words, (phase, words)
    printed.emulate_media(media="print")
    printed.set_viewport_size({"width": 794, "height": 1123})  # an A4 sheet at 96 dpi
    screenshot(printed, "sponsor-export-print")
    (ARTIFACTS / "sponsor-export.pdf").write_bytes(pdf)
    print(f"sponsor export: {size} bytes, {len(reader.pages)} A4 pages")


def test_eig_records_a_measurement_on_the_indicators_page(module_app, new_page):
    page = new_page()
    login(page, module_app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Indicateurs", exact=True))
    page.get_by_role("heading", name="Où en sont les indicateurs").wait_for()
    settle(page)
    form = page.get_by_test_id("stForm").filter(has_text="Nouvelle mesure").first
    form.get_by_label(re.compile("^Valeur")).fill("4321")
    form.get_by_role("button", name="Enregistrer la mesure").click()
    page.get_by_text(re.compile("Mesure de « .* » enregistrée.")).wait_for()
    settle(page)
    assert page.get_by_text(re.compile(f"Dernière mesure : {formats.number(4321)} ")).count() == 1
    whole_page(page)
    screenshot(page, "indicators-eig")
