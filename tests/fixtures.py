"""One small, realistic world shared by the tests: a promotion with the programme's
4 phases, three défis and every role (docs/design.md, Permissions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from lib import db
from lib.auth import hash_password
from lib.models import Administration, Defi, DefiRole, GlobalRole, Membership, PhaseTemplate, Promotion, User
from lib.permissions import Actor
from lib.phases import create_defi_phases
from lib.programme import DEFAULT_PHASES

PASSWORD = "mot-de-passe-test"
PROMOTION_START = dt.date(2026, 4, 6)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Computed once per test run: bcrypt is deliberately slow."""
    return hash_password(PASSWORD, rounds=4)


@dataclass
class World:
    promotion_id: int
    other_promotion_id: int
    alpha_id: int  # the défi most tests act on
    beta_id: int  # another défi of the same promotion
    gamma_id: int  # a défi of another promotion
    admin: Actor
    coach: Actor
    eig: Actor  # EIG of Alpha
    eig2: Actor  # second EIG of Alpha
    porteur: Actor  # porteur of Alpha
    sponsor: Actor  # sponsor of Alpha
    beta_eig: Actor  # EIG of Beta: same promotion, other défi
    gamma_eig: Actor  # EIG of Gamma: other promotion
    outsider: Actor  # logged in, member of nothing
    inactive: Actor  # deactivated EIG of Alpha

    def by_login(self, login: str) -> Actor:
        return next(a for a in vars(self).values() if isinstance(a, Actor) and a.login == login)


def _promotion(name: str, start: dt.date) -> Promotion:
    promotion = Promotion(name=name, start_date=start, months=10)
    promotion.phase_templates = [PhaseTemplate(**phase) for phase in DEFAULT_PHASES]
    return promotion


def build_world(engine: Engine) -> World:
    with db.transaction(engine) as s:
        users = {}
        for login, name, role, active in [
            ("admin", "Alice Admin", GlobalRole.ADMIN, True), ("coach", "Claire Coach", GlobalRole.COACH, True),
            ("eig", "Léa EIG", GlobalRole.MEMBER, True), ("eig2", "Hugo EIG", GlobalRole.MEMBER, True),
            ("porteur", "Marc Porteur", GlobalRole.MEMBER, True),
            ("sponsor", "Anne Sponsor", GlobalRole.MEMBER, True),
            ("beta.eig", "Bruno Beta", GlobalRole.MEMBER, True), ("gamma.eig", "Gina Gamma", GlobalRole.MEMBER, True),
            ("outsider", "Omar Dehors", GlobalRole.MEMBER, True), ("inactive", "Inès Partie", GlobalRole.MEMBER, False),
        ]:
            users[login] = User(login=login, display_name=name, email=f"{login}@example.org", role=role,
                                active=active, password_hash=password_hash())
        s.add_all(users.values())
        promo, other = _promotion("Promo test", PROMOTION_START), _promotion("Promo ancienne", dt.date(2025, 1, 6))
        admin_ministry = Administration(name="Ministère des Tests (fictif)")
        s.add_all([promo, other, admin_ministry])
        s.flush()
        defis = {}
        for key, name, promotion in [("alpha", "Alpha", promo), ("beta", "Beta", promo), ("gamma", "Gamma", other)]:
            defis[key] = Defi(promotion_id=promotion.id, administration_id=admin_ministry.id, name=name)
            s.add(defis[key])
            s.flush()
            create_defi_phases(s, defis[key], promotion)
        for login, key, role in [("eig", "alpha", DefiRole.EIG), ("eig2", "alpha", DefiRole.EIG),
                                 ("inactive", "alpha", DefiRole.EIG), ("porteur", "alpha", DefiRole.PORTEUR),
                                 ("sponsor", "alpha", DefiRole.SPONSOR), ("coach", "alpha", DefiRole.COACH),
                                 ("beta.eig", "beta", DefiRole.EIG), ("gamma.eig", "gamma", DefiRole.EIG)]:
            s.add(Membership(user_id=users[login].id, defi_id=defis[key].id, role=role))
        s.flush()
        actors = {login.replace(".", "_"): Actor.of(u) for login, u in users.items()}
        return World(promotion_id=promo.id, other_promotion_id=other.id, alpha_id=defis["alpha"].id,
                     beta_id=defis["beta"].id, gamma_id=defis["gamma"].id, **actors)
