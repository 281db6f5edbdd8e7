"""User text is never rendered as Markdown: a payload holding an external image, a link,
bold, a colour and a formula, planted in every free-text field through the services, shows
as typed on every page of every role and on the public share page. The browser never asks
the planted host for anything and draws none of those elements. Addresses in user text are
no links, and they show and copy exactly as typed, in every element that renders Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from lib import (
    bulletins,
    carnets,
    coaching,
    committees,
    help_requests,
    indicators,
    journal,
    phases,
    portfolio,
    programme_figures,
    sharing,
    users,
)
from lib.auth import DEMO_PASSWORD
from lib.clock import now_utc
from lib.models import Category, CoachingForm, DefiRole, IndicatorTheme
from lib.schemas import (
    BulletinIn,
    CarnetIn,
    CoachingSessionIn,
    CommitteeActionIn,
    CommitteeNotesIn,
    CommitteeScheduleIn,
    DefiIn,
    HelpAnswerIn,
    IndicatorIn,
    JournalEntryIn,
    MeasurementIn,
    MembershipIn,
    ObjectiveIn,
    PhaseShiftIn,
    PhaseTemplateIn,
    PromotionIn,
    ReportIn,
    ShareLinkIn,
    TrainingIn,
    UserIn,
)
from tests.e2e.conftest import (
    APP_COOKIE_KEY,
    LiveApp,
    account,
    login,
    rerun,
    seeded_database,
    services_on,
    settle,
)
from tests.e2e.harness import ROOT

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")
HOST = "127.0.0.1:9"
PAYLOAD = f"![p](http://{HOST}/px.png) [l](http://x) **b** :red[r] $x$"
SHORT = f"![p](http://{HOST}/u) :red[r] $x$"  # an indicator's unit holds 40 characters
NEW_MEMBERS = {"eig.markup": DefiRole.EIG, "porteur.markup": DefiRole.PORTEUR, "sponsor.markup": DefiRole.SPONSOR}
ROLES = ["coach.claire", "admin", *NEW_MEMBERS]
# What the payload would become if rendered: the image, the link, bold, colour, KaTeX.
RENDERED = f"""() => {{
    const found = [];
    const add = (kind, el) => found.push(kind + ': ' + el.outerHTML.slice(0, 160));
    document.querySelectorAll('img').forEach(el => {{
        if (el.src.includes('{HOST}') || el.alt === 'p') add('img', el); }});
    document.querySelectorAll('a').forEach(el => {{
        if (el.href.includes('{HOST}') || el.href.startsWith('http://x') || el.textContent === 'l') add('a', el); }});
    document.querySelectorAll('strong, b').forEach(el => {{ if (el.textContent === 'b') add('strong', el); }});
    document.querySelectorAll('span[style*="color"], [class*="Colored"]').forEach(el => {{
        if (el.textContent === 'r') add('colour', el); }});
    document.querySelectorAll('.katex, math').forEach(el => add('katex', el));
    return found;
}}"""


def plant(database_url: str) -> str:
    """A promotion and one défi named with the payload, the payload in every free-text field
    through the services; returns a share-link token. The promotion starts the day after the
    current one and Claire coaches its défi: the sidebar opens on it (the latest started of the
    running promotions a person belongs to, the admin's too)."""
    now = now_utc().astimezone(PARIS)
    today = now.date()
    this_monday = dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(9), tzinfo=PARIS)
    with services_on(database_url):
        admin, coach = account("admin"), account("coach.claire")
        accounts = users.list_users(admin).set_index("login")
        for login_name in ("admin", "coach.claire"):
            row = accounts.loc[login_name]
            users.update_user(admin, int(row["id"]), UserIn(login=login_name, display_name=PAYLOAD,
                                                            email=row["email"],  # an address holds no payload
                                                            role=row["role"]), True, int(row["version"]))
        current = portfolio.promotions_for(admin)[0]
        promotion_id = users.create_promotion(admin, PromotionIn(name=PAYLOAD, months=current.months,
                                                                 start_date=current.start_date + dt.timedelta(1)))
        for template in phases.list_templates(coach, promotion_id):
            phases.update_template(coach, template.id, PhaseTemplateIn(
                name=f"{template.number} {PAYLOAD}", summary=PAYLOAD, months=template.months,
                eig_competencies=[PAYLOAD], porteur_competencies=[PAYLOAD]), template.version)
        defi_id = users.create_defi(admin, DefiIn(promotion_id=promotion_id, name=PAYLOAD, administration=PAYLOAD,
                                                  description=PAYLOAD))
        users.add_membership(admin, MembershipIn(user_id=coach.id, defi_id=defi_id, role=DefiRole.COACH))
        for login_name, role in NEW_MEMBERS.items():
            user_id = users.create_user(admin, UserIn(login=login_name, display_name=PAYLOAD,
                                                      email=f"{login_name}@x.fr", password=DEMO_PASSWORD))
            users.add_membership(admin, MembershipIn(user_id=user_id, defi_id=defi_id, role=role))
        eig = account("eig.markup")

        for monday in (this_monday - dt.timedelta(days=7), this_monday):  # last week's is published
            state = bulletins.week_state(eig, defi_id, monday)
            bulletins.file_bulletin(eig, defi_id, BulletinIn(
                mood=2, priority=PAYLOAD, ups_downs=PAYLOAD, help_request=PAYLOAD,
                key_date=today + dt.timedelta(days=10), key_date_description=PAYLOAD), state.version, now=monday)
        ticket = help_requests.board(coach, promotion_id, defi_id=defi_id).iloc[0]
        help_requests.answer(coach, int(ticket["id"]), HelpAnswerIn(answer=PAYLOAD), int(ticket["version"]), now=now)
        journal.add_entry(eig, defi_id, JournalEntryIn(done_on=today, livrable=PAYLOAD, tache=PAYLOAD,
                                                   categories=[Category.A], news=1), now=now)
        form = carnets.carnet_form(eig, defi_id, now=now)
        carnets.save_carnet(eig, defi_id, form.month, CarnetIn(
            objectifs=PAYLOAD, besoins=PAYLOAD, apprentissages=PAYLOAD, trajectoire=PAYLOAD,
            ratings={c: 3 for c in form.competencies}), None, now=now)
        coaching.log_session(coach, CoachingSessionIn(defi_id=defi_id, held_on=today, form=CoachingForm.APPEL,
                                                      note=PAYLOAD), now=now)
        programme_figures.add_training(coach, promotion_id, TrainingIn(held_on=today, title=PAYLOAD, attendees=3),
                                       now=now)
        indicator_id = indicators.create_indicator(eig, defi_id, IndicatorIn(
            theme=IndicatorTheme.POLITIQUE_PUBLIQUE, name=PAYLOAD, unit=SHORT, baseline=0, target=10))
        indicators.add_measurement(eig, indicator_id, MeasurementIn(measured_on=today, value=4), now=now)

        views = phases.defi_phases(coach, defi_id, today)
        for view in views:
            phases.add_objective(coach, view.id, ObjectiveIn(label=PAYLOAD))
        last = views[-1]
        phases.shift_phase(coach, last.id, PhaseShiftIn(start=last.planned_start, reason=PAYLOAD,
                                                        end=last.planned_end + dt.timedelta(days=7)), last.version)
        owner = next(p for p in committees.action_owners(coach, defi_id) if p.role == "eig")
        people = [p.id for p in committees.defi_people(coach, defi_id)]
        for view in views:
            if view.planned_start > today:
                continue
            committee_id = committees.schedule_committee(coach, view.id, CommitteeScheduleIn(
                scheduled_at=now - dt.timedelta(days=1), participant_ids=people, guests=PAYLOAD), now=now)
            committees.add_action(coach, committee_id, CommitteeActionIn(description=PAYLOAD, owner_id=owner.id,
                                                                         due_on=today - dt.timedelta(days=1)))
            version = committees.committee_for_phase(coach, view.id, today).version
            committees.save_notes(coach, committee_id, CommitteeNotesIn(
                successes=PAYLOAD, difficulties=PAYLOAD, orientation=PAYLOAD, entrepreneuriat_comment=PAYLOAD,
                innovation_comment=PAYLOAD, transformation_comment=PAYLOAD), version, now=now)
            version = committees.committee_for_phase(coach, view.id, today).version
            committees.save_report(coach, committee_id, ReportIn(text=f"{PAYLOAD}\n\n{PAYLOAD}"), version, now=now)
            version = committees.committee_for_phase(coach, view.id, today).version
            committees.publish_report(coach, committee_id, version, now=now)
        return sharing.create_link(coach, defi_id, ShareLinkIn(days=7), now=now)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, str]]:
    app = LiveApp(seeded_database(tmp_path_factory.mktemp("markup") / "e2e.db"))
    with pytest.MonkeyPatch.context() as env:  # the share link is signed with the app's key
        env.setenv("SUIVI_COOKIE_KEY", APP_COOKIE_KEY)
        token = plant(app.database_url)
    app.start()
    yield app, token
    app.stop()


# The socket can be quiet while the browser still draws what it received (charts, long
# pages on a busy machine): wait for the page to stop changing for 0.7 s (at most 15 s).
DRAWN = """() => new Promise(resolve => {
    const end = () => { observer.disconnect(); resolve(true); };
    let timer = setTimeout(end, 700);
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(end, 700); });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    setTimeout(end, 15000);
})"""


def watched(page):  # noqa: ANN001, ANN201
    page.planted_requests = []
    page.on("request", lambda request: page.planted_requests.append(request.url) if HOST in request.url else None)
    return page


def check_page(page, name: str, problems: dict, shown: set) -> None:  # noqa: ANN001
    """Note what the page drew of the payload, and the requests to the planted host so far."""
    page.evaluate(DRAWN)
    found = page.evaluate(RENDERED) + [f"request: {url}" for url in page.planted_requests]
    page.planted_requests.clear()
    if found:
        problems[name] = found
    if PAYLOAD in page.inner_text("body"):
        shown.add(name)


def test_planted_markdown_shows_as_text_on_every_page_and_the_share_page(planted, new_page):
    app, token = planted
    problems: dict[str, list] = {}
    shown: set[str] = set()

    page = watched(new_page())
    page.goto(f"{app.base_url}/?{sharing.QUERY_PARAM}={token}")
    page.locator("h1").first.wait_for()
    settle(page)
    check_page(page, "share", problems, shown)

    for login_name in ROLES:
        page = watched(new_page())
        login(page, app.base_url, login_name, DEMO_PASSWORD)
        check_page(page, f"{login_name}/home", problems, shown)
        nav = page.locator('[data-testid="stSidebarNav"] a')
        titles = [nav.nth(i).inner_text().splitlines()[-1] for i in range(nav.count())]
        for title in titles[1:]:
            previous = page.locator("h1").first.inner_text()
            nav.filter(has_text=title).first.click()
            page.wait_for_function("(old) => { const h = document.querySelector('h1');"
                                   " return h && h.innerText !== old; }", arg=previous, polling=100)
            settle(page)
            # Collapsed expanders are in the DOM, checked all the same; a tab is built once opened.
            for tab in page.get_by_role("tab").all()[1:]:
                if tab.is_visible():
                    rerun(page, tab)
                    check_page(page, f"{login_name}/{title}/{tab.inner_text()}", problems, shown)
            check_page(page, f"{login_name}/{title}", problems, shown)

    assert not problems, problems
    # The payload is on screen as typed: the share page's title, the home's greeting, an indicator's name.
    assert {"share", *(f"{name}/{page}" for name in ROLES for page in ("home", "Indicateurs"))} <= shown, shown


# --- Text as typed: no link, and copied as typed ------------------------------------------------

TYPED = ["écrivez à dpo@example.org avant vendredi", "voir https://x.example.fr/a?b=1 ou WWW.y.fr, http://z.fr",
         "a:@b.fr, ::://c.fr, {x}@{y}.fr, \\@d.fr, mailto:e@f.fr", "1. liste@a.fr\n- www.b.fr"]
# Where tests/e2e/text_as_typed_app.py draws the text, in its order.
SINKS = ["title", "markdown", "caption", "info", "checkbox", "expander", "tab", "radio", "text_input", "metric"]
# Each sink's text as the page shows it and as a selection of it copies; the links it holds
# other than a heading's own anchor.
SINK_TEXT = """() => [...document.querySelectorAll('[class*="st-key-sink_"]')].map(sink => {
    const kind = [...sink.classList].find(c => c.startsWith('st-key-sink_')).slice('st-key-sink_'.length);
    const shown = sink.querySelector('[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"]');
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const links = [...shown.querySelectorAll('a')].filter(a => !a.closest('[data-testid="stHeaderActionElements"]'));
    return [kind, shown.innerText, selection.toString(), links.map(a => a.outerHTML)];
})"""


@pytest.fixture(scope="module")
def text_app() -> Iterator[LiveApp]:
    app = LiveApp("sqlite://", script="tests/e2e/text_as_typed_app.py", env={"PYTHONPATH": str(ROOT)})
    app.start()
    yield app
    app.stop()


@pytest.mark.parametrize("typed", TYPED)
def test_user_text_shows_and_copies_as_typed_and_is_never_a_link(text_app, new_page, typed):
    """An address in user text is no link, and copying it gives what was typed: no invisible
    character (a word joiner used to sit in every address, and a copied one failed in a mail
    client)."""
    page = new_page()
    page.goto(f"{text_app.base_url}/?{urlencode({'texte': typed})}")
    page.locator('[class*="st-key-sink_metric"] [data-testid="stMarkdownContainer"]').first.wait_for()
    settle(page)
    sinks = page.evaluate(SINK_TEXT)
    assert [kind for kind, *_ in sinks] == SINKS
    words = typed.split()  # a line break shows as one in a paragraph, as a space in a label
    for kind, shown, copied, links in sinks:
        assert links == [], (kind, links)
        assert shown.split() == words and copied.split() == words, (kind, shown, copied)
