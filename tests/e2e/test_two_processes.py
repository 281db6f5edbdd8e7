"""Two app processes on one PostgreSQL, as docs/deployment.md serves the app: what an EIG saves
through one process is on a coach's page on the other at the coach's next click, though that
page's reads were already cached there (the caches of both processes stay coherent)."""

import uuid
from collections.abc import Iterator

import pytest

from lib.auth import DEMO_PASSWORD
from lib.seed import CURRENT_DEFIS
from tests import pg
from tests.e2e.conftest import LiveApp, choose, login, rerun
from tests.e2e.harness import seeded
from tests.e2e.test_bulletin import this_week

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PRIORITY = "Priorité vue de l'autre processus : ouvrir l'API aux collectivités"


@pytest.fixture
def two_processes(postgres_server: str) -> Iterator[tuple[LiveApp, LiveApp]]:
    """The demo data on a fresh PostgreSQL database, served by two processes at Monday 9:00 of
    the seeded week (its bulletin open)."""
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    pg.admin_execute(postgres_server, f"CREATE DATABASE {name}")
    url = seeded(f"{postgres_server}/{name}")
    monday, _ = this_week()
    apps = (LiveApp(url), LiveApp(url))
    try:
        for app in apps:
            app.start(fake_now=monday.isoformat())
        yield apps
    finally:
        for app in apps:
            app.stop()
        pg.admin_execute(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_bulletin_saved_through_one_process_is_on_the_other_s_warm_page_at_the_next_click(two_processes, new_page):
    first, second = two_processes
    coach = new_page()
    login(coach, second.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(coach, coach.get_by_role("link", name="Rétrospectives"))
    choose(coach, "Défi", CURRENT_DEFIS[0].name)
    rerun(coach, coach.get_by_role("tab", name="Par défi"))
    bulletins = coach.get_by_role("tabpanel", name="Par défi")
    bulletins.get_by_text("Les bulletins, mois par mois").wait_for()
    rerun(coach, coach.get_by_role("link", name="Rétrospectives"))  # the page again, from its cached reads
    assert bulletins.get_by_text(PRIORITY).count() == 0

    eig = new_page()
    login(eig, first.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(eig, eig.get_by_role("link", name="Bulletin de la semaine"))
    eig.get_by_text("😀 excellente").click()
    eig.get_by_label("Priorité de la semaine").fill(PRIORITY)
    eig.get_by_label("Hauts et bas").fill("Hauts : deux processus. Bas : aucun.")
    rerun(eig, eig.get_by_role("button", name="Enregistrer le bulletin"))
    eig.get_by_text("enregistré").first.wait_for()

    rerun(coach, coach.get_by_role("link", name="Rétrospectives"))
    # At once: the run that the click asked for draws it; nothing is waited for beyond that run.
    assert bulletins.get_by_text(PRIORITY).count() == 1
