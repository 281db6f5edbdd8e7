"""`python -m bench.login [--runs 30]`: what the login page costs before anyone logs in, on a
fresh SQLite database (reported, never asserted).

- The production check every page run makes (auth.check_production_safety) with 2 and 10 demo
  accounts: its first run, which bcrypt-checks each account, against the runs after it.
- « Mot de passe oublié ? » (invitations.request_reset) for an address with an account and one
  without, through a local SMTP server: the medians should be alike, the mail leaving after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _ms(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def production_check(runs: int) -> None:
    from sqlalchemy import update
    from streamlit import config as streamlit_config

    from lib import auth, db
    from lib.models import GlobalRole, User

    streamlit_config.set_option("client.showErrorDetails", "none")
    with db.transaction() as s:
        s.add_all(User(login=f"demo{i}", display_name=f"Démo {i}", email=f"demo{i}@example.org", role=GlobalRole.MEMBER,
                       password_hash=auth.hash_password(f"propre-{i}")) for i in range(10))
    for accounts in (2, 10):
        logins = [f"demo{i}" for i in range(accounts)]
        auth._password_opens.cache_clear()  # as in a process just started
        first = _ms(lambda: auth.check_production_safety(logins), 1)[0]  # noqa: B023 - called at once
        later = statistics.median(_ms(lambda: auth.check_production_safety(logins), runs))  # noqa: B023
        with db.transaction() as s:  # one account changes its password
            s.execute(update(User).where(User.login == "demo0").values(password_hash=auth.hash_password("autre")))
        changed = _ms(lambda: auth.check_production_safety(logins), 1)[0]  # noqa: B023
        print(f"production check, {accounts:>2} demo accounts: first run {first:6.0f} ms, later runs median "
              f"{later:5.1f} ms, after one password change {changed:6.0f} ms")


def reset_requests(runs: int) -> None:
    from lib import db, invitations, outbox
    from lib.auth import hash_password
    from lib.config import get_settings
    from lib.models import GlobalRole, User
    from tests.mail import smtp_server

    with db.transaction() as s:
        s.add(User(login="connue", display_name="Adresse Connue", email="connue@example.org", role=GlobalRole.MEMBER,
                   password_hash=hash_password("un-mot-de-passe", rounds=4)))
    with smtp_server() as (inbox, port):
        os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
        get_settings.cache_clear()
        times: dict[str, list[float]] = {"connue@example.org": [], "inconnue@example.org": []}
        for i in range(runs):
            for address, measured in times.items():  # interleaved, two hours apart: no rate limit
                now = T0 + dt.timedelta(hours=2 * i)
                measured += _ms(lambda: invitations.request_reset(address, f"198.51.100.{i}", now=now), 1)  # noqa: B023
                outbox.settle()  # not timed: the person already has the answer
        sent = len(inbox.messages())
    for address, measured in times.items():
        print(f"« Mot de passe oublié ? » {address:<22} median {statistics.median(measured):5.1f} ms, "
              f"max {max(measured):5.1f} ms over {runs} requests")
    print(f"  messages received by the SMTP server: {sent} (expected {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.login")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(DATABASE_URL=f"sqlite:///{folder}/bench.db", SUIVI_ENV="production",
                          SUIVI_COOKIE_KEY="une-cle-de-cookie-pour-le-banc-de-mesure",
                          SUIVI_SHARE_SECRET="un-secret-de-partage-pour-le-banc-de-mesure")
        os.environ.pop("SUIVI_FAKE_NOW", None)
        from lib import db

        db.upgrade_to_head()
        production_check(args.runs)
        reset_requests(args.runs)


if __name__ == "__main__":
    main()
