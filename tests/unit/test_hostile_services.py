"""Every write service under hostile input, on SQLite (many examples) and PostgreSQL (a
smaller pass): each attempt is refused with a French message and writes nothing, or is
written whole and reads back equal to what was validated."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lib import (
    bulletins,
    carnets,
    committees,
    help_requests,
    importers,
    indicators,
    journal,
    phases,
    sharing,
    staging,
    users,
)
from lib.errors import ServiceError
from lib.models import Category
from lib.schemas import (
    BulletinIn,
    CarnetIn,
    CommitteeActionIn,
    CommitteeNotesIn,
    CommitteeScheduleIn,
    DefiIn,
    HelpAnswerIn,
    HelpTicketIn,
    IndicatorIn,
    JournalEntryIn,
    MeasurementIn,
    MembershipsIn,
    ObjectiveIn,
    PhaseShiftIn,
    PhaseTemplateIn,
    PromotionIn,
    ReportIn,
    UserIn,
)
from tests.conftest import said
from tests.hostile import NASTY, PARIS, attempt, hostile_dates, hostile_text, payloads

# Wednesday 18 November 2026, in the test promotion's phase 3; the bulletin week is open.
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
TODAY = NOW.date()
NOVEMBER = dt.date(2026, 11, 1)


def examples(db_url: str, n: int) -> settings:
    """`n` examples on SQLite, a fifth of them on PostgreSQL (the same code, a slower server)."""
    return settings(max_examples=n if db_url.startswith("sqlite") else max(5, n // 5))


NEWS = st.one_of(st.sampled_from([-1, 0, 1]), st.integers())
CATEGORIES = st.one_of(st.lists(st.sampled_from(list(Category)), min_size=1, max_size=3), st.just([]))


def phase3(world):  # noqa: ANN001, ANN201
    return phases.defi_phases(world.coach, world.alpha_id, TODAY)[2]


def test_journal_entries(world, db_url):
    @examples(db_url, 80)
    @given(payloads(JournalEntryIn, categories=CATEGORIES, news=NEWS))
    def check(kwargs: dict) -> None:
        written, entry_id = attempt(lambda: journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(**kwargs),
                                                              now=NOW))
        if written:
            data, entry = JournalEntryIn(**kwargs), journal.get_entry(world.eig, entry_id)
            assert (entry.done_on, entry.livrable, entry.tache, entry.categories, entry.news) == (
                data.done_on, data.livrable, data.tache, data.categories, data.news)
            assert entry.done_on <= TODAY

    check()


def test_journal_edits(world, db_url):
    entry_id = journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(
        done_on=TODAY, tache="Première version", categories=[Category.P]), now=NOW)

    @examples(db_url, 40)
    @given(payloads(JournalEntryIn, categories=CATEGORIES, news=NEWS))
    def check(kwargs: dict) -> None:
        version = journal.get_entry(world.eig, entry_id).version
        written, _ = attempt(lambda: journal.update_entry(world.eig, entry_id, JournalEntryIn(**kwargs), version,
                                                          now=NOW))
        entry = journal.get_entry(world.eig, entry_id)
        if written:
            assert (entry.tache, entry.livrable, entry.version) == (JournalEntryIn(**kwargs).tache,
                                                                   JournalEntryIn(**kwargs).livrable, version + 1)
        else:
            assert entry.version == version

    check()


def test_weekly_bulletin(world, db_url):
    @examples(db_url, 80)
    @given(payloads(BulletinIn, mood=st.one_of(st.integers(1, 4), st.sampled_from([0, 5, "3", 2.0, None]))))
    def check(kwargs: dict) -> None:
        version = bulletins.week_state(world.eig, world.alpha_id, NOW).version
        written, _ = attempt(lambda: bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(**kwargs),
                                                             expected_version=version, now=NOW))
        if written:
            data, state = BulletinIn(**kwargs), bulletins.week_state(world.eig, world.alpha_id, NOW)
            assert (state.mood, state.priority, state.ups_downs, state.help_request, state.key_date,
                    state.key_date_description) == (data.mood, data.priority, data.ups_downs, data.help_request,
                                                    data.key_date, data.key_date_description)

    check()


@pytest.fixture
def ticket_id(world) -> int:  # noqa: ANN001
    """Alpha's one help request, filed with this week's bulletin."""
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(
        mood=2, priority="Accès aux données", ups_downs="Bloqués", help_request="Un contact à la DSI ?"), now=NOW)
    [ticket_id] = help_requests.defi_tickets(world.coach, world.alpha_id, NOW)["id"]
    return ticket_id


def ticket(world):  # noqa: ANN001, ANN201
    """The help request as the coaches' board reads it now."""
    return help_requests.defi_tickets(world.coach, world.alpha_id, NOW).iloc[0]


def attempt_on_ticket(world, write):  # noqa: ANN001, ANN201
    """Run one write on the help request at the version the board shows: (written, the ticket
    before, after); a refused write leaves its version as it was."""
    before = ticket(world)
    written, _ = attempt(lambda: write(int(before.version)))
    after = ticket(world)
    if not written:
        assert after.version == before.version
    return written, before, after


def test_help_answers(world, db_url, ticket_id):
    @examples(db_url, 40)
    @given(payloads(HelpAnswerIn))
    def check(kwargs: dict) -> None:
        written, before, after = attempt_on_ticket(world, lambda version: help_requests.answer(
            world.coach, ticket_id, HelpAnswerIn(**kwargs), expected_version=version, now=NOW))
        if written:
            data = HelpAnswerIn(**kwargs)
            assert after.answer == (data.answer or before.answer)
            assert (after.status == "resolved") == (data.resolve or before.status == "resolved")

    check()


def test_help_tickets_treated_in_one_submit(world, db_url, ticket_id):
    assignees = st.one_of(st.sampled_from([world.coach.id, world.admin.id, world.eig.id, 10**6]), st.none())
    statuses = st.one_of(st.sampled_from(["assigned", "resolved", "open"]), hostile_text())

    @examples(db_url, 40)
    @given(payloads(HelpTicketIn, assignee_id=assignees, status=statuses))
    def check(kwargs: dict) -> None:
        written, _, after = attempt_on_ticket(world, lambda version: help_requests.treat(
            world.coach, ticket_id, HelpTicketIn(**kwargs), expected_version=version, now=NOW))
        if written:
            data = HelpTicketIn(**kwargs)
            assert (after.answer, after.status, after.assignee_id) == (data.answer, data.status, data.assignee_id)

    check()


def test_several_memberships_at_once(world, db_url):
    people = st.lists(st.sampled_from([world.outsider.id, world.beta_eig.id, world.eig.id, world.inactive.id,
                                       10**6]), max_size=4)

    @examples(db_url, 30)
    @given(payloads(MembershipsIn, user_ids=people, defi_id=st.sampled_from([world.alpha_id, 10**6])))
    def check(kwargs: dict) -> None:
        before = len(users.list_memberships(world.coach, world.promotion_id))
        written, ids = attempt(lambda: users.add_memberships(world.coach, MembershipsIn(**kwargs)))
        after = users.list_memberships(world.coach, world.promotion_id)
        if written:
            assert len(after) == before + len(ids) == before + len(set(kwargs["user_ids"]))
            for membership_id in ids:  # undone, so that the next example starts from the same teams
                users.remove_membership(world.coach, membership_id)

    check()


def test_monthly_carnet(world, db_url):
    competencies = carnets.carnet_form(world.eig, world.alpha_id, NOVEMBER, now=NOW).competencies
    ratings = st.one_of(st.fixed_dictionaries({c: st.integers(1, 4) for c in competencies}),
                        st.fixed_dictionaries({c: st.integers(0, 5) for c in competencies}),
                        st.dictionaries(hostile_text(), st.integers(1, 4), max_size=2))

    @examples(db_url, 60)
    @given(payloads(CarnetIn, ratings=ratings))
    def check(kwargs: dict) -> None:
        existing = carnets.carnet_form(world.eig, world.alpha_id, NOVEMBER, now=NOW).existing
        written, _ = attempt(lambda: carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, CarnetIn(**kwargs),
                                                         existing.version if existing else None, now=NOW))
        if written:
            data, view = CarnetIn(**kwargs), carnets.carnet_form(world.eig, world.alpha_id, NOVEMBER, now=NOW).existing
            assert (view.objectifs, view.besoins, view.apprentissages, view.trajectoire, view.ratings) == (
                data.objectifs, data.besoins, data.apprentissages, data.trajectoire, data.ratings)

    check()


def test_phase_objectives_and_shifts(world, db_url):
    phase_id = phase3(world).id

    @examples(db_url, 40)
    @given(payloads(ObjectiveIn), payloads(PhaseShiftIn))
    def check(objective: dict, shift: dict) -> None:
        written, objective_id = attempt(lambda: phases.add_objective(world.coach, phase_id, ObjectiveIn(**objective)))
        if written:
            labels = {o.id: o.label for o in phase3(world).objectives}
            assert labels[objective_id] == ObjectiveIn(**objective).label
        version = phase3(world).version
        written, _ = attempt(lambda: phases.shift_phase(world.coach, phase_id, PhaseShiftIn(**shift), version))
        if written:
            data, phase = PhaseShiftIn(**shift), phase3(world)
            assert (phase.planned_start, phase.planned_end, phase.shift_reason) == (data.start, data.end,
                                                                                    data.reason)

    check()


def test_phase_templates(world, db_url):
    @examples(db_url, 40)
    @given(payloads(PhaseTemplateIn, months=st.integers(-1, 30)))
    def check(kwargs: dict) -> None:
        template = phases.list_templates(world.coach, world.promotion_id)[0]
        written, _ = attempt(lambda: phases.update_template(world.coach, template.id, PhaseTemplateIn(**kwargs),
                                                            template.version))
        if written:
            data, after = PhaseTemplateIn(**kwargs), phases.list_templates(world.coach, world.promotion_id)[0]
            assert (after.name, after.summary, after.months, after.eig_competencies, after.porteur_competencies) == (
                data.name, data.summary, data.months, data.eig_competencies, data.porteur_competencies)

    check()


def test_committees(world, db_url):
    phase_id = phase3(world).id
    committee_id = committees.schedule_committee(world.coach, phase_id, CommitteeScheduleIn(
        scheduled_at=NOW, participant_ids=[world.eig.id]), now=NOW)
    people = st.lists(st.sampled_from([world.eig.id, world.porteur.id, world.beta_eig.id, -1]), max_size=3)

    def view():  # noqa: ANN202
        return committees.committee_for_phase(world.coach, phase_id, TODAY)

    @examples(db_url, 60)
    @given(payloads(CommitteeScheduleIn, participant_ids=people), payloads(CommitteeNotesIn),
           payloads(CommitteeActionIn, owner_id=st.sampled_from([world.eig.id, world.sponsor.id, 10**9])),
           payloads(ReportIn))
    def check(schedule: dict, notes: dict, action: dict, report: dict) -> None:
        written, _ = attempt(lambda: committees.update_schedule(world.coach, committee_id,
                                                                CommitteeScheduleIn(**schedule), view().version))
        if written:
            data = CommitteeScheduleIn(**schedule)
            assert (view().scheduled_at, view().guests) == (data.scheduled_at, data.guests)
        written, _ = attempt(lambda: committees.save_notes(world.coach, committee_id, CommitteeNotesIn(**notes),
                                                           view().version, now=NOW))
        if written:
            assert {k: getattr(view(), k) for k in CommitteeNotesIn.model_fields} == \
                CommitteeNotesIn(**notes).model_dump()
        written, action_id = attempt(lambda: committees.add_action(world.coach, committee_id,
                                                                   CommitteeActionIn(**action)))
        if written:
            [saved] = [a for a in view().actions if a.id == action_id]
            assert (saved.description, saved.due_on) == (CommitteeActionIn(**action).description,
                                                         CommitteeActionIn(**action).due_on)
        written, _ = attempt(lambda: committees.save_report(world.coach, committee_id, ReportIn(**report),
                                                            view().version, now=NOW))
        if written:
            assert view().report_text == ReportIn(**report).text

    check()


def test_indicators_and_measurements(world, db_url):
    indicator_id = indicators.create_indicator(world.eig, world.alpha_id, IndicatorIn(theme="ouverture", name="Jeux"))

    def saved(iid: int):  # noqa: ANN202
        return next(i for i in indicators.defi_indicators(world.eig, world.alpha_id).indicators if i.id == iid)

    def fields(i) -> tuple:  # noqa: ANN001
        return (i.theme, i.name, i.unit, i.baseline, i.target)

    @examples(db_url, 60)
    @given(payloads(IndicatorIn), payloads(MeasurementIn))
    def check(indicator: dict, measurement: dict) -> None:
        written, new_id = attempt(lambda: indicators.create_indicator(world.eig, world.alpha_id,
                                                                      IndicatorIn(**indicator)))
        if written:
            assert fields(saved(new_id)) == fields(IndicatorIn(**indicator))
        version = saved(indicator_id).version
        written, _ = attempt(lambda: indicators.update_indicator(world.eig, indicator_id, IndicatorIn(**indicator),
                                                                 version))
        if written:
            assert fields(saved(indicator_id)) == fields(IndicatorIn(**indicator))
        written, measurement_id = attempt(lambda: indicators.add_measurement(
            world.eig, indicator_id, MeasurementIn(**measurement), now=NOW))
        if written:
            data = MeasurementIn(**measurement)
            [m] = [m for m in saved(indicator_id).measurements if m.id == measurement_id]
            assert (m.measured_on, m.value) == (data.measured_on, data.value) and m.measured_on <= TODAY

    check()


def test_administration(world, db_url):
    valid_login = st.from_regex(r"[a-z][a-z0-9._-]{2,20}", fullmatch=True)
    logins = st.one_of(valid_login, valid_login, hostile_text())
    emails = st.one_of(valid_login.map(lambda s: f"{s}@example.org"), st.emails(),
                       st.builds(lambda s: f"{s}@example.org", hostile_text()))

    @examples(db_url, 40)
    @given(payloads(UserIn, login=logins, email=emails,
                    password=st.one_of(st.none(), hostile_text(), st.text(min_size=8, max_size=80))),
           payloads(PromotionIn), payloads(DefiIn, promotion_id=st.sampled_from([world.promotion_id, -5])))
    def check(user: dict, promotion: dict, defi: dict) -> None:
        written, user_id = attempt(lambda: users.create_user(world.admin, UserIn(**user)))
        if written:
            data = UserIn(**user)
            row = users.list_users(world.admin).set_index("id").loc[user_id]
            assert (row.login, row.display_name, row.email) == (data.login, data.display_name, data.email)
        written, _ = attempt(lambda: users.create_promotion(world.admin, PromotionIn(**promotion)))
        written, defi_id = attempt(lambda: users.create_defi(world.admin, DefiIn(**defi)))
        if written:
            assert len(phases.defi_phases(world.coach, defi_id, TODAY)) == 4

    check()


def legacy_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["Défi", "Livrable", "Tâche", "Fait le", "Cat", "OK"], *rows])
    return out.getvalue().encode()


def test_legacy_import(world, db_url):
    cells = st.one_of(hostile_text(), st.sampled_from(["Alpha", "<2018-02-15 jeu.>", "AP", "1", "-1"]))
    dates = st.one_of(hostile_dates().map(lambda d: f"<{d.isoformat()} jeu.>"), hostile_text())
    row = st.tuples(cells, cells, cells, dates, cells, cells).map(list)
    files = st.one_of(st.lists(row, max_size=4).map(legacy_csv), st.binary(max_size=200),
                      st.sampled_from([b"", b"\xff\xfe\x00", "Défi;Tâche\n".encode("cp1252")]))

    @examples(db_url, 40)
    @given(files)
    def check(data: bytes) -> None:
        try:
            preview = importers.preview_journal(world.admin, data, world.promotion_id, "hostile.csv")
        except ServiceError:
            return
        try:
            written, result = attempt(lambda: importers.confirm_import(world.admin, preview, importers.plan(preview)))
        finally:
            staging.discard(preview)
        if written:
            assert result.inserted + result.duplicates == preview.valid

    check()


@pytest.mark.parametrize("token", [*NASTY, "a.1.b", "x." + "9" * 400 + ".y", "..", "a.-1.b"])
def test_share_links_refuse_any_forged_token(world, token):
    with pytest.raises(sharing.ShareRefused):
        sharing.open_link(token, now=NOW)


# --- Regressions the properties found ---------------------------------------------------------


def test_control_characters_are_refused_and_never_reach_the_database(world):
    # PostgreSQL refuses NUL in text: the entry used to fail with a database error there.
    with pytest.raises(ValidationError, match=r"Caractère invisible non autorisé \(U\+0000\)"):
        JournalEntryIn(done_on=TODAY, tache="avant\x00après\x1b[31m", categories=[Category.P])
    entry_id = journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(
        done_on=TODAY, tache="avant après", livrable="\u202eRTL 😀", categories=[Category.P]), now=NOW)
    # A right-to-left override is a format character, dropped from text that is not a name.
    assert journal.get_entry(world.eig, entry_id).livrable == "RTL 😀"


def test_an_email_longer_than_its_column_is_a_validation_error(world):
    # It used to pass validation and fail on PostgreSQL's varchar(254).
    with pytest.raises(ValidationError, match=said("validation.email")):
        UserIn(login="long.mail", display_name="Long", email="a" * 300 + "@example.org", password="assez-long-1")


def test_a_password_bcrypt_cannot_hash_is_refused_in_french(world):
    # bcrypt 5 raises an English ValueError past 72 bytes: it reached the admin page as is.
    with pytest.raises(ValidationError, match=said("validation.password_too_long")):
        users.create_user(world.admin, UserIn(login="trop.long", display_name="T", email="t@example.org",
                                              password="é" * 37))


@pytest.mark.parametrize("build", [
    lambda: BulletinIn(mood=3, priority="p", ups_downs="u", key_date=dt.date(9999, 12, 31),
                       key_date_description="Fin du monde"),
    lambda: CommitteeScheduleIn(scheduled_at=dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)),
    lambda: JournalEntryIn(done_on=dt.date(26, 11, 18), tache="t", categories=[Category.P]),
    lambda: CommitteeActionIn(description="d", owner_id=1, due_on=dt.date(2206, 1, 1)),
], ids=["key date 9999 broke the ICS export", "committee in 9999 overflowed in local time",
        "journal year 26", "action due in 2206"])
def test_far_dates_are_refused_at_the_boundary(build):
    with pytest.raises(ValidationError, match="Choisissez une date entre le 01/01/2000 et le 31/12/2099"):
        build()
