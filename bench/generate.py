"""A large, deterministic database for the benchmark, written in bulk.

Scale 1 is ten times the programme's whole history: 10 promotions, 3,000 défis, 10,000
users, 150,000 bulletins and 1,000,000 journal entries, with carnets, committees, actions,
key dates, indicators and coaching sessions in proportion. One défi (the first of the
newest promotion, the first a coach's picker shows) holds 5 % of the journal, as a défi
that wrote everything down would. Rows go in with SQLAlchemy Core executemany on SQLite
and COPY on PostgreSQL, in one transaction, parents before children, with every
constraint of the model checked by the database (foreign keys included).

`python -m bench.generate URL --scale 0.01` fills an empty, migrated database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import bcrypt
from sqlalchemy import Connection, Engine, Table, insert, text

from lib import db
from lib.clock import add_months, is_working_day, iso_week_of, plan_windows, week_deadline
from lib.models import (
    ActionStatus,
    Administration,
    AuditEvent,
    Base,
    Bulletin,
    Category,
    CoachingForm,
    CoachingSession,
    Committee,
    CommitteeAction,
    CommitteeParticipant,
    CompetencyRating,
    Defi,
    DefiPhase,
    DefiRole,
    GlobalRole,
    HelpRequest,
    HelpStatus,
    Indicator,
    IndicatorTheme,
    JournalEntry,
    JournalEntryCategory,
    KeyDate,
    Measurement,
    Membership,
    MonthlyCarnet,
    Perennisation,
    PhaseObjective,
    PhaseTemplate,
    Promotion,
    ReportStatus,
    ShareLink,
    Training,
    User,
)
from lib.programme import DEFAULT_PHASES
from lib.text import fold

# The clock the benchmark runs at (pages get it through SUIVI_FAKE_NOW): a Wednesday in
# the third phase of the newest promotion, so every page has current and past data.
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
# Twelve-month promotions: 150 bulletins per 3 défis fit in their weeks (ten months would not).
PROMOTION_MONTHS = 12
PHASE_MONTHS = [3, 3, 4, 2]
BIG_SHARE = 0.05  # of the journal, in the first défi of the newest promotion
PASSWORD = "bench-mot-de-passe"
CHUNK = 20_000
WEEK = dt.timedelta(days=7)

THEMES = ["Données ouvertes", "Fraude fiscale", "Santé publique", "Mobilités", "Agriculture", "Emploi",
          "Éducation", "Justice", "Culture", "Environnement", "Logement", "Sécurité civile"]
VERBS = ["Atelier", "Entretien", "Prototype", "Revue de code", "Analyse", "Réunion", "Déploiement", "Test",
         "Rédaction", "Nettoyage", "Démonstration", "Cartographie", "Présentation", "Échange", "Étude"]
OBJECTS = ["avec les usagers", "des données de l'équipe", "du tableau de bord", "de l'API", "avec le sponsor",
           "du jeu de données", "de l'accessibilité", "du parcours", "juridique", "de la maquette",
           "de la base", "du pipeline", "avec la DSI", "du comité", "du design"]
DETAILS = ["", "", " : tout s'est bien passé", " : des blocages à lever", " ; à reprendre la semaine prochaine",
           " ; retours très positifs", " (suite)", " : premières conclusions"]
LIVRABLES = ["", "", "", "Prototype", "Étude d'usage", "Jeu de données", "Tableau de bord", "Documentation"]
ACTIONS = ["Planifier les entretiens usagers", "Documenter l'API", "Obtenir l'accès aux données",
           "Présenter le prototype au sponsor", "Publier le code source", "Mesurer l'audience"]


@dataclass(frozen=True)
class Scale:
    """How many of each thing at a scale factor (1 = the issue's default)."""

    factor: float = 1.0

    def _n(self, full: int, minimum: int = 0) -> int:
        return max(minimum, round(full * self.factor))

    @property
    def defis(self) -> int:
        return self._n(3000, 2)

    @property
    def promotions(self) -> int:
        """Always ten (when there are défis enough), so that every count grows with the scale
        and the newest promotion holds a tenth of the défis, as at scale 1."""
        return min(10, max(2, self.defis // 3))

    @property
    def coaches(self) -> int:
        return self._n(30, 1)

    @property
    def administrations(self) -> int:
        return self._n(150, 1)

    @property
    def eigs(self) -> int:
        return sum(eig_count(i) for i in range(self.defis))

    @property
    def users(self) -> int:
        """The target, lifted when tiny scales need more people than it gives (a porteur
        and a sponsor at least, besides the admin, the coaches and the EIGs)."""
        return max(self._n(10_000), 1 + self.coaches + self.eigs + 2)

    @property
    def bulletins(self) -> int:
        """At most the weeks on offer: 50 per défi fit in twelve-month promotions, fewer
        when tiny scales leave fewer than ten promotions."""
        return self._n(150_000)

    @property
    def entries(self) -> int:
        return self._n(1_000_000)


def eig_count(defi_index: int) -> int:
    """2 or 3 EIGs per défi, 2.5 on average."""
    return 2 + defi_index % 2


class Progress:
    """One line on stderr: rows written so far out of the expected total, and the rate."""

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total, self.done, self.quiet, self.start = max(total, 1), 0, quiet, time.perf_counter()
        self.shown = 0.0

    def add(self, rows: int) -> None:
        self.done += rows
        if self.quiet or time.perf_counter() - self.shown < 0.5:
            return
        self.shown = time.perf_counter()
        share = min(self.done / self.total, 1)
        elapsed = time.perf_counter() - self.start
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r  [{bar:<30}] {self.done:>10,} rows  {share:4.0%}  {elapsed:6.1f} s  "
                         f"{self.done / max(elapsed, 1e-9):>9,.0f} rows/s")
        sys.stderr.flush()

    def close(self) -> None:
        if not self.quiet:
            self.shown = 0.0
            self.add(0)
            sys.stderr.write("\n")


class Writer:
    """Buffers rows per table and writes every buffer when one is full, in the order the
    tables were first seen: rows are added parents first, so foreign keys always hold."""

    def __init__(self, conn: Connection, progress: Progress) -> None:
        self.conn, self.progress = conn, progress
        self.buffers: dict[Table, list[dict]] = {}
        self.counts: Counter[str] = Counter()
        self.postgres = conn.dialect.name == "postgresql"

    def add(self, model: type[Base], **row: object) -> None:
        buffer = self.buffers.setdefault(model.__table__, [])
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.buffers.items():
            if rows:
                (self._copy if self.postgres else self._insert)(table, rows)
                self.counts[table.name] += len(rows)
                self.progress.add(len(rows))
                rows.clear()

    def _insert(self, table: Table, rows: list[dict]) -> None:
        self.conn.execute(insert(table), rows)

    def _copy(self, table: Table, rows: list[dict]) -> None:
        """COPY through psycopg: several times faster than batched INSERTs."""
        columns = list(rows[0])
        as_json = {i for i, name in enumerate(columns) if table.c[name].type._type_affinity.__name__ == "JSON"}
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = self.conn.connection.dbapi_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                values = tuple(row.values())
                if as_json:
                    values = tuple(json.dumps(v) if i in as_json else v for i, v in enumerate(values))
                copy.write_row(values)
        cursor.close()


@dataclass
class Team:
    """A défi being generated: ids of its people and its phase windows."""

    id: int
    promotion: int  # index
    start: dt.date
    end: dt.date
    coach: int
    eigs: list[int]
    porteur: int
    sponsor: int
    phases: list[tuple[int, int, dt.date, dt.date]] = field(default_factory=list)  # id, number, start, end
    entries: int = 0


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _stamp(moment: dt.datetime, by: int | None) -> dict:
    return {"created_at": moment, "updated_at": moment, "created_by_id": by, "version": 1}


def _september_monday(year: int) -> dt.date:
    first = dt.date(year, 9, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


@cache
def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d for d in (start + dt.timedelta(days=i) for i in range((end - start).days)) if is_working_day(d)]


@cache
def _search_text(livrable: str, tache: str) -> str:
    return fold(f"{livrable} {tache}")


class Generator:
    """Builds the rows of one database at one scale; the same scale always gives the same rows."""

    def __init__(self, scale: Scale, writer: Writer) -> None:
        self.scale, self.w = scale, writer
        self.rng = random.Random(20_261_123)
        self.ids: Counter[str] = Counter()
        self.templates: dict[int, list[tuple[int, dict]]] = {}  # promotion index -> (id, phase)

    def next_id(self, model: type[Base]) -> int:
        self.ids[model.__tablename__] += 1
        return self.ids[model.__tablename__]

    def run(self) -> None:
        teams = self.people_and_defis()
        sizes = self.journal_sizes(len(teams))
        slots = self.bulletin_slots(teams)
        for team, size in zip(teams, sizes, strict=True):
            team.entries = size
            self.defi_rows(team, slots.get(team.id, []))
        self.w.flush()

    # --- Structure: people, promotions, défis, teams --------------------------------------

    def people_and_defis(self) -> list[Team]:
        sc, rng, w = self.scale, self.rng, self.w
        password = bcrypt.hashpw(PASSWORD.encode(), b"$2b$04$" + b"benchmarkbenchmarkbene").decode()
        created = _at(_september_monday(TODAY.year - sc.promotions) - WEEK, 9)

        def user(login: str, name: str, role: GlobalRole = GlobalRole.MEMBER, active: bool = True) -> int:
            uid = self.next_id(User)
            w.add(User, id=uid, login=login, display_name=name, email=f"{login}@example.org", password_hash=password,
                  role=role.value, active=active, created_at=created, updated_at=created, version=1)
            return uid

        admin = user("bench.admin", "Admin Banc d'essai", GlobalRole.ADMIN)
        coaches = [user(f"bench.coach.{k:03d}", f"Coach {k:03d}", GlobalRole.COACH) for k in range(1, sc.coaches + 1)]
        eig_ids: list[list[int]] = []
        for i in range(sc.defis):
            eig_ids.append([user(f"bench.eig.{self.ids['user'] + 1:05d}", f"EIG {self.ids['user'] + 1:05d}",
                                 active=rng.random() > 0.02) for _ in range(eig_count(i))])
        partners = [user(f"bench.partner.{k:05d}", f"Partenaire {k:05d}")
                    for k in range(1, sc.users - self.ids["user"] + 1)]
        for k in range(1, sc.administrations + 1):
            w.add(Administration, id=self.next_id(Administration), name=f"Administration {k:03d} (fictive)",
                  **_stamp(created, admin))

        teams: list[Team] = []
        per_promotion = [sc.defis // sc.promotions] * sc.promotions
        per_promotion[-1] += sc.defis - sum(per_promotion)
        for p in range(sc.promotions):
            start = _september_monday(TODAY.year - sc.promotions + p)
            pid = self.next_id(Promotion)
            w.add(Promotion, id=pid, name=f"EIG {p + 1}", start_date=start, months=PROMOTION_MONTHS,
                  deadline_weekday=5, deadline_time="15:00", timezone="Europe/Paris", **_stamp(_at(start, 8), admin))
            self.templates[p] = []
            for phase, months in zip(DEFAULT_PHASES, PHASE_MONTHS, strict=True):
                tid = self.next_id(PhaseTemplate)
                w.add(PhaseTemplate, id=tid, promotion_id=pid, number=phase["number"], name=phase["name"],
                      summary=phase["summary"], months=months, eig_competencies=phase["eig_competencies"],
                      porteur_competencies=phase["porteur_competencies"], **_stamp(_at(start, 8), admin))
                self.templates[p].append((tid, phase))
            for j in range(per_promotion[p]):
                index = len(teams)
                past = p < sc.promotions - 1
                did, theme = self.next_id(Defi), THEMES[j % len(THEMES)]
                w.add(Defi, id=did, promotion_id=pid, administration_id=rng.randrange(sc.administrations) + 1,
                      name=f"Défi {j + 1:04d} · {theme}",
                      description=f"Défi n°{j + 1} de la promotion EIG {p + 1}, sur le thème {theme}.",
                      perennisation=rng.choice(list(Perennisation)).value if past else None,
                      public_code=rng.random() < 0.5, published_datasets=rng.randrange(4) if past else 0,
                      libraries=rng.randrange(3) if past else 0, **_stamp(_at(start, 9), admin))
                team = Team(id=did, promotion=p, start=start, end=add_months(start, PROMOTION_MONTHS),
                            coach=coaches[index % len(coaches)], eigs=eig_ids[index],
                            porteur=partners[(2 * index) % len(partners)],
                            sponsor=partners[(2 * index + 1) % len(partners)])
                members = [(u, DefiRole.EIG) for u in team.eigs] + [
                    (team.porteur, DefiRole.PORTEUR), (team.sponsor, DefiRole.SPONSOR), (team.coach, DefiRole.COACH)]
                for uid, role in members:
                    stayed = rng.choice([True, True, False, None]) if past and role is DefiRole.EIG else None
                    w.add(Membership, id=self.next_id(Membership), user_id=uid, defi_id=did, role=role.value,
                          stayed_in_administration=stayed, **_stamp(_at(start, 9), admin))
                teams.append(team)
            for k in range(8):  # trainings given to the promotion, one a month
                day = add_months(start, k) + dt.timedelta(days=10)
                if day <= TODAY:
                    w.add(Training, id=self.next_id(Training), promotion_id=pid, held_on=day,
                          title=f"Formation {k + 1} : {THEMES[k % len(THEMES)]}",
                          attendees=rng.randint(5, 5 + per_promotion[p] * 2), **_stamp(_at(day, 17), coaches[0]))
        return teams

    def journal_sizes(self, defis: int) -> list[int]:
        """Entries per défi: 5 % in the first défi of the newest promotion, the rest spread
        unevenly (weights 0.5-1.5) over all the others."""
        total, rng = self.scale.entries, self.rng
        big_index = (defis // self.scale.promotions) * (self.scale.promotions - 1)
        big = round(total * BIG_SHARE) if defis > 1 else total
        weights = [0.0 if i == big_index else rng.uniform(0.5, 1.5) for i in range(defis)]
        rest, weight = total - big, sum(weights) or 1
        sizes = [int(rest * wt / weight) for wt in weights]
        sizes[big_index] = big
        others = [i for i in range(defis) if i != big_index] or [big_index]
        for k in range(total - sum(sizes)):
            sizes[others[k % len(others)]] += 1
        return sizes

    def bulletin_slots(self, teams: list[Team]) -> dict[int, list[dt.date]]:
        """The weeks each défi files a bulletin: every week of its promotion up to this
        one, less a deterministic random set so that the total matches the scale."""
        this_monday = TODAY - dt.timedelta(days=TODAY.weekday())
        slots = [(team.id, team.start + k * WEEK) for team in teams
                 for k in range((min(team.end, this_monday + WEEK) - team.start).days // 7)]
        drop = set(self.rng.sample(range(len(slots)), max(0, len(slots) - self.scale.bulletins)))
        out: dict[int, list[dt.date]] = {}
        for k, (defi_id, monday) in enumerate(slots):
            if k not in drop:
                out.setdefault(defi_id, []).append(monday)
        return out

    # --- Everything a défi accumulates --------------------------------------------------------

    def defi_rows(self, team: Team, weeks: list[dt.date]) -> None:
        self.phases(team)
        bulletin_ids = self.bulletins(team, weeks)
        self.key_dates(team, bulletin_ids)
        self.journal(team)
        self.carnets(team)
        self.committees(team)
        self.indicators(team)
        self.coaching(team)

    def phases(self, team: Team) -> None:
        rng, w = self.rng, self.w
        windows = plan_windows(team.start, PHASE_MONTHS)
        for (tid, phase), (start, end) in zip(self.templates[team.promotion], windows, strict=True):
            pid = self.next_id(DefiPhase)
            ended = end <= TODAY
            validated = _at(end, 14) if ended and rng.random() > 0.1 else None
            w.add(DefiPhase, id=pid, defi_id=team.id, phase_template_id=tid, planned_start=start, planned_end=end,
                  shift_reason="", validated_at=validated, validated_by_id=team.coach if validated else None,
                  **_stamp(_at(start, 9), team.coach))
            team.phases.append((pid, phase["number"], start, end))
            for k in range(3):
                done = ended or (start <= TODAY and rng.random() < 0.4)
                done_at = _at(min(start + dt.timedelta(days=20 * (k + 1)), TODAY), 16) if done else None
                w.add(PhaseObjective, id=self.next_id(PhaseObjective), defi_phase_id=pid, position=k,
                      label=f"Objectif {k + 1} de la phase {phase['number']} : {phase['summary'].split(', ')[k]}",
                      done=done, done_at=done_at, done_by_id=team.eigs[0] if done else None,
                      **_stamp(_at(start, 9), team.coach))

    def bulletins(self, team: Team, weeks: list[dt.date]) -> dict[dt.date, int]:
        rng, w = self.rng, self.w
        tendency = rng.choice([1.5, 2.5, 3, 3.5])
        ids = {}
        for monday in weeks:
            year, week = iso_week_of(monday)
            deadline = week_deadline(year, week)
            written = min(deadline - dt.timedelta(hours=rng.randint(2, 50)), NOW)
            author = rng.choice(team.eigs)
            mood = max(1, min(4, round(rng.gauss(tendency, 0.7))))
            helped = rng.random() < 0.1
            bid = self.next_id(Bulletin)
            ids[monday] = bid
            w.add(Bulletin, id=bid, defi_id=team.id, iso_year=year, iso_week=week, week_start=monday, mood=mood,
                  priority=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}", ups_downs=
                  f"Hauts : {rng.choice(VERBS).lower()} {rng.choice(OBJECTS)}. Bas : {rng.choice(DETAILS) or 'rien'}.",
                  help_request="Besoin d'un appui pour débloquer l'accès aux données" if helped else "",
                  **_stamp(written, author))
            w.add(AuditEvent, id=self.next_id(AuditEvent), at=written, user_id=author, action="create",
                  entity="bulletin", entity_id=bid, before=None, after={"mood": mood}, defi_id=team.id)
            if helped:
                self.help_request(team, bid, monday, deadline, author)
        return ids

    def help_request(self, team: Team, bulletin_id: int, monday: dt.date, deadline: dt.datetime, author: int) -> None:
        rng = self.rng
        weeks_ago = (TODAY - monday).days // 7
        if weeks_ago >= 4:
            status = rng.choices([HelpStatus.RESOLVED, HelpStatus.ASSIGNED], weights=[90, 10])[0]
        else:
            status = rng.choice([HelpStatus.OPEN, HelpStatus.ASSIGNED, HelpStatus.RESOLVED])
        posted = min(deadline, NOW)
        answered = min(posted + dt.timedelta(hours=rng.randint(2, 72)), NOW)
        resolved = status is HelpStatus.RESOLVED
        self.w.add(HelpRequest, id=self.next_id(HelpRequest), bulletin_id=bulletin_id, status=status.value,
                   assignee_id=None if status is HelpStatus.OPEN else team.coach,
                   answer="Mise en relation faite avec la bonne personne." if resolved else "",
                   first_answered_at=answered if resolved else None, resolved_at=answered if resolved else None,
                   resolved_by_id=team.coach if resolved else None, created_at=posted,
                   updated_at=answered if resolved else posted, created_by_id=author, version=1)

    def key_dates(self, team: Team, bulletin_ids: dict[dt.date, int]) -> None:
        """About one milestone per ten bulletins; those announced the week before link to it."""
        rng = self.rng
        days = _working_days(team.start + 2 * WEEK, team.end)
        for day in sorted(rng.sample(days, min(len(days), max(1, len(bulletin_ids) // 10)))):
            monday = day - dt.timedelta(days=day.weekday()) - WEEK
            bulletin = bulletin_ids.get(monday)
            self.w.add(KeyDate, id=self.next_id(KeyDate), defi_id=team.id, on_date=day,
                       description=f"{rng.choice(['Démonstration', 'Mise en production', 'Comité', 'Atelier'])} "
                                   f"{rng.choice(OBJECTS)}", bulletin_id=bulletin,
                       **_stamp(_at(monday if bulletin else team.start, 12), team.eigs[0]))

    def journal(self, team: Team) -> None:
        rng, w = self.rng, self.w
        days = _working_days(team.start, min(team.end, TODAY))
        categories = list(Category)
        for day in sorted(rng.choices(days, k=team.entries)):
            livrable = rng.choice(LIVRABLES)
            tache = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(DETAILS)}"
            author = rng.choice(team.eigs)
            eid = self.next_id(JournalEntry)
            w.add(JournalEntry, id=eid, defi_id=team.id, author_id=author, done_on=day, livrable=livrable, tache=tache,
                  news=rng.choices((0, 1, -1), weights=(75, 15, 10))[0], search_text=_search_text(livrable, tache),
                  **_stamp(_at(day, 17), author))
            first = rng.choice(categories)
            w.add(JournalEntryCategory, entry_id=eid, category=first.value)
            if rng.random() < 0.3:
                second = rng.choice(categories)
                if second is not first:
                    w.add(JournalEntryCategory, entry_id=eid, category=second.value)

    def carnets(self, team: Team) -> None:
        """Each EIG's monthly carnet up to this month, a few months skipped, rated on the
        competencies of the phase of that month."""
        rng, w = self.rng, self.w
        months, cursor = [], team.start.replace(day=1)
        while cursor <= min(TODAY, team.end - dt.timedelta(days=1)):
            months.append(cursor)
            cursor = add_months(cursor, 1)
        by_number = {phase["number"]: phase for _, phase in self.templates[team.promotion]}
        for eig in team.eigs:
            for month in months:
                if rng.random() < 0.1:
                    continue
                day = max(month, team.start)
                number = next(n for _, n, start, end in team.phases if start <= day < end)
                written = min(_at(month.replace(day=26), 18), NOW)
                cid = self.next_id(MonthlyCarnet)
                w.add(MonthlyCarnet, id=cid, user_id=eig, defi_id=team.id, month=month, phase_number=number,
                      objectifs="Avancer sur le prototype et préparer le comité.", besoins="Un accès aux données.",
                      apprentissages="Mieux cadrer les ateliers.", trajectoire="Rester dans l'administration.",
                      **_stamp(written, eig))
                for competency in by_number[number]["eig_competencies"]:
                    w.add(CompetencyRating, id=self.next_id(CompetencyRating), carnet_id=cid, competency=competency,
                          rating=rng.randint(1, 4))

    def committees(self, team: Team) -> None:
        """A committee closing every ended phase, with participants, 1-3 actions and, once
        published, its report; the latest one of the newest promotion sometimes still a draft."""
        rng, w = self.rng, self.w
        for pid, number, _start, end in team.phases:
            if end > TODAY:
                continue
            at = _at(end, 8)
            draft = team.end > TODAY and end + 3 * WEEK > TODAY and rng.random() < 0.5
            published = None if draft else min(at + dt.timedelta(days=rng.randint(5, 12)), NOW)
            cid = self.next_id(Committee)
            ratings = {k: rng.randint(2, 4) for k in ("objectives", "entrepreneuriat", "innovation", "transformation")}
            w.add(Committee, id=cid, defi_phase_id=pid, scheduled_at=at, guests="", successes="Prototype adopté.",
                  difficulties="Accès aux données lent.", objectives_rating=ratings["objectives"],
                  orientation="Poursuivre.", entrepreneuriat_rating=ratings["entrepreneuriat"],
                  entrepreneuriat_comment="", innovation_rating=ratings["innovation"], innovation_comment="",
                  transformation_rating=ratings["transformation"], transformation_comment="",
                  report_text=f"Comité de fin de phase {number}.",
                  report_status=(ReportStatus.DRAFT if draft else ReportStatus.PUBLISHED).value,
                  report_published_at=published, created_at=at - 2 * WEEK, updated_at=published or at,
                  created_by_id=team.coach, version=1)
            w.add(AuditEvent, id=self.next_id(AuditEvent), at=at - 2 * WEEK, user_id=team.coach, action="schedule",
                  entity="committee", entity_id=cid, before={}, after={"scheduled_at": at.isoformat()},
                  defi_id=team.id)
            for uid in [team.coach, *team.eigs, team.porteur]:
                w.add(CommitteeParticipant, committee_id=cid, user_id=uid)
            for _ in range(rng.randint(1, 3)):
                due = end + dt.timedelta(days=rng.randint(14, 90))
                status = (rng.choices([ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.DROPPED],
                                      weights=[80, 10, 10])[0] if due < TODAY else ActionStatus.OPEN)
                w.add(CommitteeAction, id=self.next_id(CommitteeAction), committee_id=cid,
                      description=rng.choice(ACTIONS), owner_id=rng.choice([team.coach, *team.eigs, team.porteur]),
                      due_on=due, status=status.value, **_stamp(_at(end, 12), team.coach))

    def indicators(self, team: Team) -> None:
        rng, w = self.rng, self.w
        last = min(team.end, TODAY)
        for theme in IndicatorTheme:
            iid = self.next_id(Indicator)
            target = float(rng.choice([10, 50, 100, 1000]))
            w.add(Indicator, id=iid, defi_id=team.id, theme=theme.value, name=f"Indicateur {theme.value}",
                  unit=rng.choice(["", "%", "utilisateurs"]), target=target, **_stamp(_at(team.start, 10), team.coach))
            day, value = add_months(team.start, 1), 0.0
            while day <= last:
                value += round(target * rng.uniform(0, 0.15), 1)
                w.add(Measurement, id=self.next_id(Measurement), indicator_id=iid, measured_on=day, value=value,
                      **_stamp(_at(day, 11), team.eigs[0]))
                day = add_months(day, 1)

    def coaching(self, team: Team) -> None:
        """A coaching contact every 2-5 weeks, and a share link for one défi in ten."""
        rng, w = self.rng, self.w
        day, last = team.start + WEEK, min(team.end, TODAY)
        while day <= last:
            w.add(CoachingSession, id=self.next_id(CoachingSession), defi_id=team.id, coach_id=team.coach,
                  held_on=day, form=rng.choice(list(CoachingForm)).value, note="Point d'étape.",
                  **_stamp(_at(day, 17), team.coach))
            day += dt.timedelta(days=rng.randint(14, 35))
        if team.id % 10 == 1:
            w.add(ShareLink, id=self.next_id(ShareLink), defi_id=team.id, nonce=f"bench{team.id:010d}",
                  expires_at=NOW + 4 * WEEK, revoked_at=None, **_stamp(NOW - WEEK, team.coach))


def expected_rows(scale: Scale) -> int:
    """A rough total for the progress bar: the journal and its categories dominate."""
    return int(scale.entries * 2.3 + scale.bulletins * 2.2 + scale.eigs * 12 * 5.5 + scale.defis * 120)


def _finish(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move the id sequences past the ids written here, and gather statistics
    as autovacuum would on a live server."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                              f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))


def generate(engine: Engine, scale: Scale, quiet: bool = False) -> dict[str, int]:
    """Fill an empty, migrated database; return the rows written per table."""
    progress = Progress(expected_rows(scale), quiet)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # outside any transaction, on the driver's connection
            conn.connection.dbapi_connection.execute("PRAGMA synchronous=OFF")
        with conn.begin():
            writer = Writer(conn, progress)
            Generator(scale, writer).run()
            _finish(conn, Base.metadata.sorted_tables)
    progress.close()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return dict(writer.counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty database (migrated here)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    db.upgrade_to_head(args.url)
    t0 = time.perf_counter()
    counts = generate(db.get_engine(args.url), Scale(args.scale))
    print(f"{sum(counts.values()):,} rows in {time.perf_counter() - t0:.1f} s")
    for name, n in sorted(counts.items()):
        print(f"  {name:<24} {n:>10,}")


if __name__ == "__main__":
    main()
