"""The page frame: start-up (`boot`), the promotion and défi picked in the sidebar (`PageContext`),
the menu (`PAGES`, each page's needs) and each page's gate (`page`), and opening a page from a
button (`open_page`)."""

from __future__ import annotations

import ast
import gc
import importlib
import logging
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
import streamlit_authenticator as stauth

from lib import auth, db, permissions, portfolio
from lib.config import ROOT, get_settings
from lib.i18n import t
from lib.permissions import Action, Actor, Capacity, allowed
from lib.text import md
from lib.ui import chrome
from lib.ui.cache import cached, now
from lib.ui.forms import show_done
from lib.ui.login import PAGE_TO_OPEN, logout, logout_everywhere


@st.cache_resource(show_spinner=False)
def _migrated(url: str) -> bool:
    """Upgrade the database to the latest migration once per process and database; the app's
    own log lines (loggers `lib.*`, such as "database migrated") go to stderr beside Streamlit's."""
    app_log = logging.getLogger("lib")
    if not app_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app_log.addHandler(handler)
        app_log.setLevel(logging.INFO)
    db.upgrade_to_head(url)
    return True


@st.cache_resource(show_spinner=False)
def _preloaded() -> bool:
    """Import, once per process, every module the pages import, so that the first visit of a
    page (the home, on logging in) does not pay for them; the process's first run, which
    imports the frame's own modules anyway, pays instead."""
    for script in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.parse(script.read_text()).body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                module = importlib.import_module(node.module)
                for alias in node.names:  # `from lib import journal` names modules too
                    if not hasattr(module, alias.name):
                        importlib.import_module(f"{node.module}.{alias.name}")
    return True


# How many modules were loaded at the last freeze of the heap (`_freeze_imports`).
_frozen_with_modules = 0


def _freeze_imports() -> None:
    """Take what imports built out of the garbage collector's sight, once new modules have
    been imported. Streamlit collects every generation after each script run, and that walk,
    over the ~200,000 objects of the modules this app loads, held the server for 0.2-0.3 s
    before it could send `script_finished`: most of every click. Modules live as long as the
    process, so a frozen object (`gc.freeze`) is one the collector need not visit; reference
    counting still frees it. At the top of a run, the previous runs' garbage has been collected."""
    global _frozen_with_modules
    if len(sys.modules) != _frozen_with_modules:
        _frozen_with_modules = len(sys.modules)
        gc.freeze()


def boot() -> None:
    """Keep imported modules out of the collector's walks, migrate the database, in production
    refuse unsafe configuration, and draw Streamlit's interface in French (lib/ui/chrome.py)."""
    from lib.seed import DEMO_LOGINS

    _migrated(get_settings().database_url)
    _preloaded()
    _freeze_imports()
    auth.check_production_safety(DEMO_LOGINS)
    chrome.draw()


# --- Context: promotion and défi picked in the sidebar ---------------------------------------


@dataclass(frozen=True)
class PageContext:
    """The acting user and what they picked in the sidebar, with the rights pages ask about:
    read from lib/permissions.py, never derived from a role here."""

    actor: Actor
    promotion: portfolio.PromotionInfo | None
    defi: portfolio.DefiInfo | None

    @property
    def staff(self) -> bool:
        """Coaches and admins: administration and the coaches' pages (`permissions.staff`)."""
        return permissions.staff(self.actor)

    @property
    def admin(self) -> bool:
        """Admins: personal data and staff accounts (`permissions.admin`)."""
        return permissions.admin(self.actor)

    def may(self, action: Action) -> bool:
        """Whether the matrix lets the actor do `action` on the picked défi; before one is
        picked, whether a coach could on any (so the menu offers coaches a défi's pages)."""
        if self.defi is not None:
            return self.defi.may(action)
        return self.staff and allowed(Capacity.STAFF, action)


def role_label(actor: Actor, defi: portfolio.DefiInfo | None) -> str:
    """What the person is on the chosen défi (sponsor, porteur·se, EIG); coaches and admins
    keep their programme role; « membre » only for someone in no team of the promotion."""
    if defi is not None and defi.my_role is not None:
        return t(f"defi_role.{defi.my_role}")
    return t(f"role.{actor.role}")


def sidebar(actor: Actor, authenticator: stauth.Authenticate) -> PageContext:
    """Promotion and défi pickers offering only what the user may see; logout."""
    with st.sidebar:
        who = st.empty()  # filled once the défi is chosen: the role shown is the one on that défi
        promotions = cached(portfolio.promotions_for)(actor)
        promotion = defi = None
        if promotions:
            # Opens on the running promotion, not the newest: the next one is created before
            # the current one ends (portfolio.default_promotion).
            running = cached(portfolio.default_promotion)(actor, now())
            promotion = st.selectbox(t("app.sidebar.promotion"), promotions, format_func=lambda p: p.name,
                                     index=next((i for i, p in enumerate(promotions) if p.id == running), 0),
                                     key="promotion_pick", placeholder=t("widget.choose"))
            defis = cached(portfolio.defis_for)(actor, promotion.id)
            if defis:
                # A coach opens on a défi of hers; Streamlit comes back to this default when the
                # picked défi is not among a newly picked promotion's.
                defi = st.selectbox(t("app.sidebar.defi"), defis, key="defi_pick",
                                    index=defis.index(portfolio.default_defi(defis)),
                                    format_func=lambda d: f"{d.name} · {d.administration}",
                                    placeholder=t("widget.choose"))
            else:
                st.info(t("app.sidebar.no_defi"))
        who.caption(t("app.sidebar.logged_as", name=md(actor.display_name), role=role_label(actor, defi)))
        # Logging out in a callback runs before the next script run, so the page redraws
        # logged out at once and a click arriving during a rerun is not lost.
        st.button(t("app.logout"), key="logout_button", on_click=logout, args=(authenticator,))
        st.button(t("app.logout_everywhere"), key="logout_everywhere_button", type="tertiary",
                  help=t("app.logout_everywhere.help"), on_click=logout_everywhere, args=(actor, authenticator))
    context = PageContext(actor=actor, promotion=promotion, defi=defi)
    st.session_state["context"] = context
    return context


def _context() -> PageContext:
    """The page context frame.py set up for this run. Every page starts with it (`page`), so
    it also shows the message of the write that caused this run (see `done`).

    Taken, not read: a page that Streamlit ran without frame.py (its pages-directory mode, on a
    process's first run, because pages/ exists) finds none and goes through frame.py, the login
    gate, which then runs the page or shows the login form."""
    page_context = st.session_state.pop("context", None)
    if page_context is None:
        runpy.run_path(str(ROOT / "frame.py"))
        st.stop()
    show_done()
    return page_context


# --- The pages: the menu and each page's gate (docs/design.md, UI kit) ----------------------------


def _everyone(ctx: PageContext) -> bool:
    return True


@dataclass(frozen=True)
class Need:
    """Something a page needs of the context. The menu offers the page only where `offered`
    (a right: nothing picked in the sidebar gives it); the gate runs the page only where
    `met`, else shows the message `missing` (a catalogue key) and stops."""

    met: Callable[[PageContext], bool]
    missing: str
    offered: Callable[[PageContext], bool] = _everyone


def defi(missing: str) -> Need:
    """A défi picked in the sidebar; `missing` says to pick one, and what for."""
    return Need(lambda ctx: ctx.defi is not None, missing)


def may(action: Action, missing: str = "error.permission_denied") -> Need:
    """The matrix lets the actor do `action` on the picked défi (`PageContext.may`)."""
    return Need(lambda ctx: ctx.may(action), missing, offered=lambda ctx: ctx.may(action))


PROMOTION = Need(lambda ctx: ctx.promotion is not None, "retro.no_promotion")
STAFF = Need(lambda ctx: ctx.staff, "gate.staff_only", offered=lambda ctx: ctx.staff)
ADMIN = Need(lambda ctx: ctx.admin, "gate.admin_only", offered=lambda ctx: ctx.admin)


@dataclass(frozen=True)
class Page:
    """A page of the app: its script, its title in the menu (a catalogue key), icon and
    section, what it needs, whether its title names the picked défi (so that after a switch
    in the sidebar nobody edits one défi believing it is another), its own heading
    when that is not the menu's title, and its title in the coaches' and admins' menu when
    the page is another thing for them (an EIG's « Mon carnet » is where staff read everyone's)."""

    script: str
    title: str
    icon: str
    section: str
    needs: tuple[Need, ...] = ()
    names_defi: bool = False
    heading: str | None = None
    staff_title: str | None = None

    def menu_title(self, ctx: PageContext) -> str:
        """The catalogue key of the page's name in this person's menu."""
        return self.staff_title if ctx.staff and self.staff_title else self.title

    def offered(self, ctx: PageContext) -> bool:
        """Whether the menu lists the page (it only hides: services enforce the matrix)."""
        return all(need.offered(ctx) for need in self.needs)


_SUIVI, _PILOTAGE, _ADMIN = "app.section.suivi", "app.section.pilotage", "app.section.admin"
# The menu, in its order. The gate of each page reads its row, so the two cannot disagree.
PAGES = [
    Page("pages/home.py", "page.home", ":material/home:", _SUIVI, heading="home.welcome"),
    Page("pages/journal.py", "page.journal", ":material/menu_book:", _SUIVI,
         (defi("journal.no_defi"), may(Action.READ_JOURNAL)), names_defi=True),
    Page("pages/carnet.py", "page.carnet", ":material/person_book:", _SUIVI,
         (defi("carnet.no_defi"), may(Action.READ_CARNET, "carnet.not_for_you")), names_defi=True,
         heading="carnet.title", staff_title="page.carnet.staff"),
    Page("pages/bulletin.py", "page.bulletin", ":material/edit_note:", _SUIVI,
         (defi("bulletin.no_defi"), may(Action.WRITE_BULLETIN, "bulletin.not_eig")), names_defi=True),
    Page("pages/retrospectives.py", "page.retrospectives", ":material/insights:", _SUIVI, (PROMOTION,),
         names_defi=True),
    Page("pages/help_requests.py", "page.help_requests", ":material/support_agent:", _SUIVI, (STAFF, PROMOTION)),
    Page("pages/key_dates.py", "page.key_dates", ":material/event:", _SUIVI, (PROMOTION,), names_defi=True),
    Page("pages/phases.py", "page.phases", ":material/timeline:", _SUIVI,
         (defi("phases.no_defi"), may(Action.READ_PHASES)), names_defi=True),
    Page("pages/committees.py", "page.committees", ":material/groups:", _SUIVI,
         (defi("committees.no_defi"), may(Action.READ_COMMITTEE)), names_defi=True),
    Page("pages/indicators.py", "page.indicators", ":material/trending_up:", _SUIVI,
         (defi("indicators.no_defi"), may(Action.READ_INDICATORS)), names_defi=True),
    Page("pages/portfolio.py", "page.portfolio", ":material/monitoring:", _PILOTAGE, (STAFF, PROMOTION)),
    Page("pages/programme.py", "page.programme", ":material/query_stats:", _PILOTAGE),
    Page("pages/import.py", "page.import", ":material/upload_file:", _ADMIN, (STAFF,)),
    Page("pages/admin.py", "page.admin", ":material/settings:", _ADMIN, (STAFF,)),
    Page("pages/audit.py", "page.audit", ":material/history:", _ADMIN, (ADMIN,)),
]


def menu_name(ctx: PageContext, script: str) -> str:
    """The page's name as this person's menu writes it, for a button opening it."""
    return t(next(p for p in PAGES if p.script == script).menu_title(ctx))



def open_page(ctx: PageContext, page: str, defi_id: int | None = None, promotion_id: int | None = None,
              **state: object) -> None:
    """A button's callback opening `page`, on défi `defi_id` of promotion `promotion_id` (the
    picked one when not given): both are picked in the sidebar before the pickers are drawn
    again (pages work on the picked défi), `state` is set (a page's own picker), and `page()`
    opens the page at the top of the run the click starts."""
    if promotion_id is not None and (ctx.promotion is None or promotion_id != ctx.promotion.id):
        promotion = next((p for p in cached(portfolio.promotions_for)(ctx.actor) if p.id == promotion_id), None)
        if promotion is not None:
            st.session_state["promotion_pick"] = promotion
    else:
        promotion = ctx.promotion
    if defi_id is not None and promotion is not None:
        defi = next((d for d in cached(portfolio.defis_for)(ctx.actor, promotion.id) if d.id == defi_id), None)
        if defi is not None:
            st.session_state["defi_pick"] = defi
    st.session_state.update(state)
    st.session_state[PAGE_TO_OPEN] = page


def page(title: str) -> PageContext:
    """Every page behind the login starts here: the page a button asked for (`open_page`), else the
    context of this run, the page's title (its row of `PAGES`), and its gate: what the page
    needs and the context lacks is said in French, and the page stops there."""
    if target := st.session_state.pop(PAGE_TO_OPEN, None):
        st.switch_page(target)
    ctx = _context()
    row = next(p for p in PAGES if p.title == title)
    # A heading may greet the person (« Bonjour {name} »); the others ignore the name.
    text = t(row.heading or row.title, name=md(ctx.actor.display_name))
    st.title(f"{text} · {md(ctx.defi.name)}" if row.names_defi and ctx.defi else text)
    for need in row.needs:
        if not need.met(ctx):
            st.info(t(need.missing))
            st.stop()
    return ctx
