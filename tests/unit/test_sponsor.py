"""The sponsor's view: each défi a sponsor or porteur follows on one screen, built from what
the matrix lets them read (only their défis, only published reports), and its one-page HTML
export. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape

from lib import committees, db, indicators, phases, sponsor
from lib.errors import PermissionDenied
from lib.models import ActionStatus, Bulletin, DefiRole, HelpRequest, HelpStatus, IndicatorTheme, KeyDate, Membership
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, IndicatorIn, MeasurementIn, ReportIn

D = dt.date
UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Alpha is in phase 3 (6 Sept - 6 Dec), phases 1-2 committed
XSS = "<script>window.__xss = 1</script>"


def _bulletin(defi_id: int, monday: dt.date, mood: int, help_request: str = "") -> Bulletin:
    year, week, _ = monday.isocalendar()
    return Bulletin(defi_id=defi_id, iso_year=year, iso_week=week, week_start=monday, mood=mood,
                    priority="Priorité", ups_downs="Hauts et bas", help_request=help_request)


def _committee(world, phase_id: int, at: dt.datetime, ratings: dict, report: str) -> int:  # noqa: ANN001
    cid = committees.schedule_committee(world.coach, phase_id, CommitteeScheduleIn(scheduled_at=at), now=at)
    committees.save_notes(world.coach, cid, CommitteeNotesIn(**ratings), 1, now=at)
    committees.save_report(world.coach, cid, ReportIn(text=report), 2, now=at)
    return cid


@pytest.fixture
def story(world, engine):  # noqa: ANN001, ANN201
    """Alpha in phase 3: phase 1's report published, phase 2's still a draft; a few weeks of
    bulletins with an open and a resolved help request; actions for the porteur and the EIG;
    key dates around today; one indicator with a target."""
    p1, p2, p3, _ = phases.defi_phases(world.coach, world.alpha_id, D(2026, 6, 1))
    published = _committee(world, p1.id, dt.datetime(2026, 6, 4, 8, tzinfo=UTC),
                           {"objectives_rating": 3, "entrepreneuriat_rating": 2, "innovation_rating": 4},
                           "Rapport de phase 1 publié")
    committees.publish_report(world.coach, published, 3, now=dt.datetime(2026, 6, 10, tzinfo=UTC))
    draft = _committee(world, p2.id, dt.datetime(2026, 9, 4, 8, tzinfo=UTC),
                       {"objectives_rating": 1, "entrepreneuriat_rating": 1}, "Brouillon confidentiel")
    porteur_open = committees.add_action(world.coach, draft, CommitteeActionIn(
        description=f"Arbitrer le budget {XSS}", owner_id=world.porteur.id, due_on=D(2026, 11, 1)))
    committees.add_action(world.coach, draft, CommitteeActionIn(
        description="Tenir le comité de pilotage", owner_id=world.porteur.id, due_on=D(2026, 12, 15)))
    done = committees.add_action(world.coach, draft, CommitteeActionIn(
        description="Signer la convention", owner_id=world.porteur.id, due_on=D(2026, 10, 1)))
    committees.set_action_status(world.porteur, done, ActionStatus.DONE, 1)
    committees.add_action(world.coach, draft, CommitteeActionIn(
        description="Écrire la documentation", owner_id=world.eig.id, due_on=D(2026, 12, 1)))
    with db.transaction(engine) as s:
        still_open = _bulletin(world.alpha_id, D(2026, 11, 9), 2, "Accès aux données bloqué par la DSI")
        resolved = _bulletin(world.alpha_id, D(2026, 10, 26), 3, "Besoin d'un juriste")
        s.add_all([_bulletin(world.alpha_id, D(2026, 10, 19), 4), resolved, still_open,
                   _bulletin(world.alpha_id, D(2026, 11, 16), 1), _bulletin(world.beta_id, D(2026, 11, 16), 4)])
        s.flush()
        s.add_all([HelpRequest(bulletin_id=still_open.id, created_at=dt.datetime(2026, 11, 13, tzinfo=UTC)),
                   HelpRequest(bulletin_id=resolved.id, status=HelpStatus.RESOLVED, answer="Juriste trouvé")])
        s.add_all([KeyDate(defi_id=world.alpha_id, on_date=D(2026, 10, 1), description="Démo passée"),
                   KeyDate(defi_id=world.alpha_id, on_date=D(2026, 12, 3), description="Démo au cabinet"),
                   KeyDate(defi_id=world.beta_id, on_date=D(2026, 12, 4), description="Date de Beta")])
    iid = indicators.create_indicator(world.eig, world.alpha_id, IndicatorIn(
        theme=IndicatorTheme.PERFORMANCE_PRODUIT, name="Utilisateurs actifs", unit="utilisateurs", baseline=100,
        target=1100))
    for day, value in [(D(2026, 9, 7), 300), (D(2026, 11, 2), 600)]:
        indicators.add_measurement(world.eig, iid, MeasurementIn(measured_on=day, value=value), now=NOW)
    return {"porteur_open": porteur_open, "phase3": p3.id}


def test_a_sponsor_sees_each_defi_they_follow_on_one_screen(world, story):
    view = sponsor.my_view(world.sponsor, world.promotion_id, now=NOW)
    assert (view.promotion, view.viewer) == ("Promo test", "Anne Sponsor")
    [b] = view.briefs
    assert (b.defi, b.my_role, b.today) == ("Alpha", DefiRole.SPONSOR, D(2026, 11, 20))
    assert [p.state for p in b.phases] == ["en_retard", "en_retard", "en_cours", "a_venir"]
    assert b.current_phase.number == 3 and b.validated == 0
    assert "Phase 3 « Prouver la valeur » (en cours)" in sponsor.progress_line(b)
    # The mood trend: the last 12 published programme weeks (this week's bulletin is not
    # published before its deadline), gaps where no bulletin was filed.
    assert len(b.moods) == sponsor.MOOD_WEEKS and b.moods[-1].week_start == D(2026, 11, 9)
    assert [(m.week_start, m.mood) for m in b.moods if m.mood is not None] == [
        (D(2026, 10, 19), 4), (D(2026, 10, 26), 3), (D(2026, 11, 9), 2)]
    assert [k.description for k in b.key_dates] == ["Démo au cabinet"]  # upcoming only, Alpha's only
    [users] = b.indicators
    assert (users.latest.value, users.progress) == (600, 0.5)


def test_only_the_last_published_report_and_its_ratings(world, story):
    b = sponsor.defi_brief(world.porteur, world.alpha_id, now=NOW)
    assert (b.report.phase_number, b.report.text) == (1, "Rapport de phase 1 publié")  # phase 2 is a draft
    assert sponsor.ratings_table(b.report).values.tolist() == [
        ["Objectifs de la phase", "3 · largement"], ["Entrepreneuriat", "2 · partiellement"],
        ["Innovation", "4 · pleinement"], ["Transformation", "non noté"]]


def test_what_is_asked_of_the_reader_is_only_theirs(world, story):
    """The porteur reads his own open actions (due dates in words) and the report just
    published; the sponsor owns none, and never reads the porteur's actions, the EIG's, or the
    EIGs' help requests to the programme."""
    mine = sponsor.defi_brief(world.porteur, world.alpha_id, now=NOW).asks
    assert [(a.kind, a.text, a.when, a.overdue) for a in mine] == [
        ("action", f"Arbitrer le budget {XSS}", "en retard de 19 jours", True),  # due 1 November, still open
        ("action", "Tenir le comité de pilotage", "d'ici le 15/12", False)]
    assert {a.page for a in mine} == {"pages/committees.py"}
    assert sponsor.defi_brief(world.sponsor, world.alpha_id, now=NOW).asks == []
    # A report published a week ago is news for the porteur; a committee he is invited to is asked of him.
    fresh = sponsor.defi_brief(world.porteur, world.alpha_id, now=dt.datetime(2026, 6, 17, 10, tzinfo=UTC)).asks
    assert [(a.kind, a.when) for a in fresh if a.kind == "report"] == [("report", "publié le 10/06/2026")]
    committees.schedule_committee(world.coach, story["phase3"], CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 12, 4, 9, tzinfo=UTC), participant_ids=[world.sponsor.id]), now=NOW)
    [invited] = sponsor.defi_brief(world.sponsor, world.alpha_id, now=NOW).asks
    assert (invited.kind, invited.when) == ("committee", "vendredi 04/12/2026 à 10:00")
    assert "phase 3 « Prouver la valeur »" in invited.text
    assert [a.kind for a in sponsor.defi_brief(world.porteur, world.alpha_id, now=NOW).asks] == ["action", "action"]


def test_the_verdict_follows_the_risk_rules_in_plain_words(world, story):
    """Alpha: two overdue actions (the porteur's and the EIG's... only the porteur's is open
    and late, plus the phases 1-2 never validated); the sponsor reads the same reasons as
    the portfolio, but for the monthly carnets, which she may not read."""
    [b] = sponsor.my_view(world.sponsor, world.promotion_id, now=NOW).briefs
    assert b.verdict.level in ("a_surveiller", "eleve")
    assert b.verdict.text.startswith(("À surveiller : ", "En difficulté : "))
    assert "phase 1 en retard de" in b.verdict.text
    assert "carnet" not in b.verdict.text
    before = sponsor.my_view(world.sponsor, world.promotion_id, now=dt.datetime(2025, 1, 1, tzinfo=UTC))
    assert before.briefs[0].verdict.text == "Le programme n'a pas encore commencé."


def test_only_their_defis(world, story, engine):
    with db.transaction(engine) as s:  # the sponsor also sponsors Beta; the porteur is only Alpha's
        s.add(Membership(user_id=world.sponsor.id, defi_id=world.beta_id, role=DefiRole.SPONSOR))
    assert [b.defi for b in sponsor.my_view(world.sponsor, world.promotion_id, now=NOW).briefs] == ["Alpha", "Beta"]
    assert [b.defi for b in sponsor.my_view(world.porteur, world.promotion_id, now=NOW).briefs] == ["Alpha"]
    # The view is the home of porteurs and sponsors: an EIG or a coach following no défi that way gets none.
    for actor in (world.eig, world.coach, world.beta_eig):
        assert sponsor.my_view(actor, world.promotion_id, now=NOW).briefs == []
    assert sponsor.my_view(world.sponsor, world.other_promotion_id, now=NOW).briefs == []


def test_a_defi_brief_follows_the_matrix(world, story):
    assert sponsor.defi_brief(world.coach, world.alpha_id, now=NOW).my_role == DefiRole.COACH
    assert sponsor.defi_brief(world.eig, world.alpha_id, now=NOW).defi == "Alpha"
    for stranger in (world.beta_eig, world.gamma_eig, world.outsider, world.inactive):
        with pytest.raises(PermissionDenied):
            sponsor.defi_brief(stranger, world.alpha_id, now=NOW)


def test_the_export_is_one_self_contained_page_with_user_text_escaped(world, story):
    view = sponsor.my_view(world.porteur, world.promotion_id, now=NOW)
    page = sponsor.view_html(view)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "src=" not in page and "href=" not in page  # nothing to run or fetch
    assert page.count("<section class=\"defi\">") == 1 and "@page { size: A4" in page
    assert page.count("<svg") == 3  # the phase timeline, the mood and the indicators, drawn statically
    assert XSS not in page and "Arbitrer le budget &lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    # The verdict comes first in the défi's page.
    section = page[page.index("<section"):]
    assert section.index(str(escape(view.briefs[0].verdict.text))) < section.index("<h2>")
    for text in ("Vos défis · Promo test", "Marc Porteur", "20/11/2026", "Alpha", "3. Prouver la valeur",
                 "1. Valider l'hypothèse", "2. Prouver le concept", "4. Amplifier l'impact",
                 "Démo au cabinet", "Utilisateurs actifs", "600 utilisateurs (02/11/2026)", "1100 utilisateurs",
                 "50 %", "4 · pleinement", "Ce qu'on attend de vous", "en retard de 19 jours"):
        assert str(escape(text)) in page, text
    for hidden in ("Brouillon confidentiel", "Date de Beta", "Démo passée", "Écrire la documentation",
                   "Signer la convention", "Besoin d'un juriste", "Accès aux données bloqué par la DSI"):
        assert str(escape(hidden)) not in page, hidden


def test_user_text_in_the_export_never_runs_as_a_formula(world, story):
    draft = committees.committee_for_phase(world.coach, phases.defi_phases(world.coach, world.alpha_id)[1].id).id
    committees.add_action(world.coach, draft, CommitteeActionIn(
        description="=HYPERLINK(\"http://x\")", owner_id=world.porteur.id, due_on=D(2026, 12, 2)))
    page = sponsor.view_html(sponsor.my_view(world.porteur, world.promotion_id, now=NOW))
    assert "&#39;=HYPERLINK(&#34;http://x&#34;)" in page and "· =HYPERLINK" not in page


def test_an_empty_defi_still_exports_with_what_is_missing(world):
    view = sponsor.my_view(world.sponsor, world.promotion_id, now=dt.datetime(2026, 4, 1, tzinfo=UTC))
    page = sponsor.view_html(view)
    assert page.count("<svg") == 1  # the planned phases only
    for text in ("Aucun bulletin sur les 12 dernières semaines.", "Aucun rapport de comité publié pour l'instant.",
                 "L'équipe n'a pas encore saisi d'indicateurs.", "Aucune date clé annoncée.",
                 "Rien ne vous est demandé pour l'instant"):
        assert str(escape(text)) in page, text
    assert "Vous ne suivez aucun défi" in sponsor.view_html(sponsor.my_view(world.eig, world.promotion_id, now=NOW))
