"""The committee dossier: what a phase window's data adds up to, who may read it, and
the self-contained HTML export."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import committees, db, dossier, phases
from lib.errors import PermissionDenied
from lib.models import (
    ActionStatus,
    Bulletin,
    Category,
    HelpRequest,
    HelpStatus,
    Indicator,
    IndicatorTheme,
    JournalEntry,
    JournalEntryCategory,
    KeyDate,
    Measurement,
)
from lib.schemas import CommitteeActionIn, CommitteeScheduleIn

D = dt.date
UTC = dt.UTC
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # phase 2 of Alpha runs from 6 June to 6 September


def _bulletin(defi_id: int, monday: dt.date, mood: int, help_request: str = "") -> Bulletin:
    year, week, _ = monday.isocalendar()
    return Bulletin(defi_id=defi_id, iso_year=year, iso_week=week, week_start=monday, mood=mood,
                    priority="Priorité", ups_downs="Hauts et bas", help_request=help_request)


def _entry(defi_id: int, day: dt.date, tache: str, news: int, *codes: str, livrable: str = "") -> JournalEntry:
    return JournalEntry(defi_id=defi_id, done_on=day, tache=tache, news=news, livrable=livrable,
                    categories=[JournalEntryCategory(category=Category(c)) for c in codes])


@pytest.fixture
def story(world, engine):  # noqa: ANN001, ANN201
    """Alpha's first month of phase 2, with noise around it (before the window, other défi)."""
    p1, p2 = phases.defi_phases(world.coach, world.alpha_id, D(2026, 6, 1))[:2]
    cid = committees.schedule_committee(world.coach, p1.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 6, 4, 8, tzinfo=UTC)))
    late = committees.add_action(world.coach, cid, CommitteeActionIn(
        description="Obtenir les habilitations", owner_id=world.eig.id, due_on=D(2026, 6, 20)))
    done = committees.add_action(world.coach, cid, CommitteeActionIn(
        description="Présenter le prototype", owner_id=world.porteur.id, due_on=D(2026, 6, 15)))
    committees.set_action_status(world.porteur, done, ActionStatus.DONE, 1)
    alpha, beta = world.alpha_id, world.beta_id
    with db.transaction(engine) as s:
        resolved = _bulletin(alpha, D(2026, 6, 22), 1, "Accès aux données bloqué")
        still_open = _bulletin(alpha, D(2026, 6, 29), 2, "Besoin d'un juriste")
        s.add_all([_bulletin(alpha, D(2026, 5, 25), 4), _bulletin(alpha, D(2026, 6, 1), 3),
                   _bulletin(alpha, D(2026, 6, 8), 2), resolved, still_open, _bulletin(beta, D(2026, 6, 8), 4)])
        s.flush()
        s.add_all([HelpRequest(bulletin_id=resolved.id, status=HelpStatus.RESOLVED,
                               answer="Mise en relation avec la DINUM", resolved_at=NOW - dt.timedelta(days=5)),
                   HelpRequest(bulletin_id=still_open.id)])
        s.add_all([
            _entry(alpha, D(2026, 6, 10), "Accès aux données obtenu", 1, "D", "P", livrable="Convention"),
            _entry(alpha, D(2026, 6, 12), "Serveur <script>alert(1)</script> en panne", -1, "P"),
            _entry(alpha, D(2026, 6, 20), "Entretiens utilisateurs", 0, "U"),
            _entry(alpha, D(2026, 5, 30), "Avant la phase", 1, "A"),
            _entry(beta, D(2026, 6, 10), "Autre défi", 1, "D"),
        ])
        s.add_all([KeyDate(defi_id=alpha, on_date=D(2026, 6, 20), description="Démo au ministère"),
                   KeyDate(defi_id=alpha, on_date=D(2026, 10, 15), description="Comité de pilotage"),
                   KeyDate(defi_id=alpha, on_date=D(2026, 12, 1), description="Trop loin"),
                   KeyDate(defi_id=alpha, on_date=D(2026, 5, 1), description="Avant")])
        users = Indicator(defi_id=alpha, theme=IndicatorTheme.PERFORMANCE_PRODUIT, name="Utilisateurs actifs",
                          unit="utilisateurs", target=800, measurements=[
                              Measurement(measured_on=D(2026, 5, 15), value=100),
                              Measurement(measured_on=D(2026, 6, 20), value=250),
                              Measurement(measured_on=D(2026, 6, 30), value=300),
                              Measurement(measured_on=D(2026, 9, 10), value=900)])
        opendata = Indicator(defi_id=alpha, theme=IndicatorTheme.OUVERTURE, name="Jeux de données ouverts",
                             unit="jeux", target=6, measurements=[Measurement(measured_on=D(2026, 6, 10), value=1)])
        s.add_all([users, opendata])
    return {"phase2": p2.id, "late": late, "done": done}


def test_dossier_adds_up_the_phase_window(world, story):
    d = dossier.committee_dossier(world.coach, story["phase2"], now=NOW)
    assert (d.defi, d.phase_number, d.start, d.end) == ("Alpha", 2, D(2026, 6, 6), D(2026, 9, 6))
    assert d.today == D(2026, 7, 1)
    # The ISO week of 6 June starts on 1 June; five weeks have begun by 1 July, four were filed;
    # the week of 29 June is in progress (deadline Friday 3 July): shown, not yet due.
    assert [(m.week_start, m.mood) for m in d.moods] == [(D(2026, 6, 1), 3), (D(2026, 6, 8), 2),
                                                          (D(2026, 6, 22), 1), (D(2026, 6, 29), 2)]
    assert (d.weeks_filed, d.weeks_expected, d.mood_average) == (3, 4, 2.0)
    assert [(h.request, h.status, h.answer) for h in d.help_requests] == [
        ("Accès aux données bloqué", "resolved", "Mise en relation avec la DINUM"), ("Besoin d'un juriste", "open", "")]
    assert [(c.category, c.entries, c.good, c.bad) for c in d.categories] == [("D", 1, 1, 0), ("P", 2, 1, 1),
                                                                              ("U", 1, 0, 0)]
    assert d.journal_entries == 3
    assert [(n.done_on, n.news) for n in d.news] == [(D(2026, 6, 12), -1), (D(2026, 6, 10), 1)]
    assert [k.description for k in d.key_dates] == ["Démo au ministère", "Comité de pilotage"]
    assert d.previous_phase == 1
    assert {a.description: (a.status, a.overdue) for a in d.previous_actions} == {
        "Obtenir les habilitations": (ActionStatus.OPEN, True), "Présenter le prototype": (ActionStatus.DONE, False)}
    assert d.overdue_actions == 1
    moves = {i.name: (i.start_on, i.start_value, i.end_on, i.end_value, i.delta) for i in d.indicators}
    assert moves == {"Utilisateurs actifs": (D(2026, 5, 15), 100, D(2026, 6, 30), 300, 200),
                     "Jeux de données ouverts": (D(2026, 6, 10), 1, D(2026, 6, 10), 1, 0)}


def test_first_phase_has_no_previous_committee(world, story):
    p1 = phases.defi_phases(world.coach, world.alpha_id, D(2026, 6, 1))[0]
    d = dossier.committee_dossier(world.eig, p1.id, now=NOW)
    assert (d.previous_phase, d.previous_actions) == (None, [])
    assert [m.week_start for m in d.moods] == [D(2026, 5, 25), D(2026, 6, 1)]  # week of 1 June straddles both


def test_dossier_is_for_the_team_and_the_coaches(world, story):
    for reader in (world.admin, world.eig, world.porteur, world.sponsor):
        assert dossier.committee_dossier(reader, story["phase2"], now=NOW).defi == "Alpha"
    for stranger in (world.beta_eig, world.gamma_eig, world.outsider, world.inactive):
        with pytest.raises(PermissionDenied):
            dossier.committee_dossier(stranger, story["phase2"], now=NOW)


def test_sponsors_and_porteurs_read_the_week_in_progress_only_once_published(world, story):
    coach = dossier.committee_dossier(world.coach, story["phase2"], now=NOW)
    assert D(2026, 6, 29) in [m.week_start for m in coach.moods]
    for reader in (world.porteur, world.sponsor):
        d = dossier.committee_dossier(reader, story["phase2"], now=NOW)
        assert [m.week_start for m in d.moods][-1] == D(2026, 6, 22), reader.login
        assert (d.weeks_filed, d.weeks_expected) == (3, 4)
        published = dossier.committee_dossier(reader, story["phase2"], now=NOW + dt.timedelta(days=3))
        assert published.moods[-1].week_start == D(2026, 6, 29)


def test_html_export_is_self_contained_and_escapes_user_text(world, story):
    page = dossier.dossier_html(dossier.committee_dossier(world.coach, story["phase2"], now=NOW))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("* plotly.js v") == 1  # the library inlined once...
    assert page.count("Plotly.newPlot") == 3  # ...for the mood, journal and indicator charts
    assert "<script src" not in page  # nothing fetched from the network
    assert "<script>alert(1)</script>" not in page
    assert "Serveur &lt;script&gt;alert(1)&lt;/script&gt; en panne" in page
    assert "Mise en relation avec la DINUM" in page and "Obtenir les habilitations" in page


def test_empty_window_still_exports(world):
    p4 = phases.defi_phases(world.coach, world.alpha_id, D(2026, 6, 1))[3]
    d = dossier.committee_dossier(world.coach, p4.id, now=NOW)
    assert (d.weeks_expected, d.moods, d.indicators) == (0, [], [])
    page = dossier.dossier_html(d)
    assert "Plotly.newPlot" not in page and "<h2>" in page
