"""Administration (coaches and admins): users, team memberships, promotions and défis; for admins,
a person's personal data (export, anonymisation)."""


import streamlit as st

from lib import calendar_feeds, digest, formats, invitations, portfolio, privacy, ui, users
from lib.clock import today_local
from lib.i18n import t
from lib.models import DefiRole, GlobalRole
from lib.schemas import DefiIn, MembershipsIn, PasswordIn, PromotionIn, UserIn
from lib.ui import cached, done, md, submit

ctx = ui.page("page.admin")
actor = ctx.actor
USER_LABELS = {f: t(f"admin.users.{f}") for f in ("login", "display_name", "email", "role", "password")}


def invitations_panel() -> None:
    """Who was invited and when, who never logged in, by promotion; invite a promotion's
    never-invited people at once, or one person, again."""
    st.caption(t("admin.invitations.caption", days=invitations.VALIDITY["invitation"].days))
    promotions = {None: t("admin.invitations.any_promotion")} | {
        p.id: p.name for p in cached(portfolio.promotions_for)(actor)}
    picked = ctx.promotion.id if ctx.promotion and ctx.promotion.id in promotions else None
    promotion = st.selectbox(t("admin.invitations.promotion"), list(promotions), list(promotions).index(picked),
                             format_func=promotions.get, key="invitations_promotion", placeholder=t("widget.choose"))
    if promotion is not None:
        ui.invite_promotion(actor, promotion)
    people = invitations.overview(actor, promotion_id=promotion)  # not cached: logins do not bump the data version
    if st.toggle(t("admin.invitations.only_pending"), key="invitations_pending"):
        people = people[people["last_login"].isna()]
    ui.table(people[["display_name", "login", "email", "invited_at", "state_label", "last_login"]],
             width="stretch", column_config={
                 "display_name": t("admin.users.display_name"), "login": t("admin.users.login"),
                 "email": t("admin.users.email"),
                 "invited_at": st.column_config.DatetimeColumn(t("admin.invitations.col.invited_at"),
                                                               format="DD/MM/YYYY HH:mm"),
                 "state_label": t("admin.invitations.col.state"),
                 "last_login": st.column_config.DatetimeColumn(t("admin.invitations.col.last_login"),
                                                               format="DD/MM/YYYY HH:mm")})
    invitable = people[people["active"]].to_dict("records")
    if not invitable:
        return
    person = st.selectbox(t("admin.invitations.pick"), invitable, key="invite_pick",
                          format_func=lambda p: f"{p['display_name']} ({p['login']}) · {p['state_label']}",
                          placeholder=t("widget.choose"))
    again = person["state"] != "none"
    ui.send_button(t("admin.invitations.resend" if again else "admin.invitations.send"), ui.new("invite", person["id"]),
                   lambda: person["id"], lambda user_id: invitations.invite(actor, user_id),
                   lambda _, email: t("admin.invitations.sent", email=email))


is_admin = ctx.admin
roles = list(GlobalRole)



def new_user(form: ui.New) -> UserIn:
    value = form.value
    return UserIn(login=value("login") or "", display_name=value("display_name") or "",
                  email=value("email") or "", role=value("role"), password=value("password") or None)


def users_tab() -> None:
    # Writes run in their save's callback, before this run: the table shows what was just saved.
    search = st.text_input(t("admin.users.search"), key="users_search")
    people = cached(users.list_users)(actor, search)
    shown = people.drop(columns=["id", "version"]).assign(role=people["role"].map(lambda r: t(f"role.{r}")))
    if people.empty:
        st.info(t("admin.users.none_found"))
    else:
        ui.table(shown, width="stretch", column_config={
            "login": t("admin.users.login"), "display_name": t("admin.users.display_name"),
            "email": t("admin.users.email"), "role": t("admin.users.role"), "active": t("admin.users.active")})
    creating = ui.new("create_user")
    with st.expander(t("admin.users.create")), st.form(creating.key):
        st.text_input(t("admin.users.login"), key=creating.field("login"))
        st.text_input(t("admin.users.display_name"), key=creating.field("display_name"))
        st.text_input(t("admin.users.email"), key=creating.field("email"))
        st.selectbox(t("admin.users.role"), roles, index=roles.index(GlobalRole.MEMBER),
                     format_func=lambda r: t(f"role.{r}"), key=creating.field("role"), placeholder=t("widget.choose"))
        st.text_input(t("admin.users.password_optional"), type="password", key=creating.field("password"))
        ui.save_button(t("admin.create"), creating, lambda: new_user(creating),
                       lambda data: users.create_user(actor, data),
                       lambda data, _: t("admin.users.created", login=md(data.login)), USER_LABELS)
    with st.expander(t("admin.invitations.title")):
        invitations_panel()
    if not people.empty:
        with st.expander(t("admin.users.edit")):
            records = {int(u["id"]): u for u in people.to_dict("records")}
            # Picked by id: a save changes the record's version, never which person is open.
            pick = records[st.selectbox(t("admin.memberships.user"), list(records), key="edit_pick",
                                        format_func=lambda i: f"{records[i]['display_name']} ({records[i]['login']})",
                                        placeholder=t("widget.choose"))]
            opened = ui.edit("admin_user", pick["id"], pick["version"])
            with st.form(opened.key):
                st.text_input(t("admin.users.login"), pick["login"], key=opened.field("login"))
                st.text_input(t("admin.users.display_name"), pick["display_name"], key=opened.field("display_name"))
                st.text_input(t("admin.users.email"), pick["email"], key=opened.field("email"))
                st.selectbox(t("admin.users.role"), roles, index=roles.index(GlobalRole(pick["role"])),
                             format_func=lambda r: t(f"role.{r}"), key=opened.field("role"),
                             placeholder=t("widget.choose"))
                st.checkbox(t("admin.users.active"), value=bool(pick["active"]), key=opened.field("active"))
                ui.save_button(t("admin.save"), opened,
                               lambda: (ui.typed(UserIn, opened.key, ["login", "display_name", "email", "role"]),
                                        bool(opened.value("active"))),
                               lambda data: users.update_user(actor, pick["id"], *data, opened.expected),
                               lambda data, _: t("admin.users.updated", login=md(data[0].login)), USER_LABELS)
            reset = ui.new("reset_password", pick["id"])
            with st.form(reset.key):
                st.text_input(t("admin.users.new_password"), type="password", key=reset.field("password"))
                ui.save_button(t("admin.users.reset_password"), reset,
                               lambda: ui.typed(PasswordIn, reset.key, ["password"]),
                               lambda data: users.reset_password(actor, pick["id"], data),
                               t("admin.users.password_reset", login=md(pick["login"])))

def teams_tab() -> None:
    if ctx.promotion is None:
        st.info(t("home.coach.empty"))
    else:
        defis = cached(portfolio.defis_for)(actor, ctx.promotion.id)
        everyone = cached(users.list_users)(actor)
        if defis and not everyone.empty:
            team = ui.new("add_members", ctx.promotion.id)
            names = dict(zip(everyone["id"], everyone["display_name"] + " (" + everyone["login"] + ")", strict=True))
            defi_by_id = {d.id: d for d in defis}
            with st.form(team.key):
                st.multiselect(t("admin.memberships.people"), list(names), format_func=names.get,
                               key=team.field("user_ids"),
                               placeholder=t("admin.memberships.people_placeholder"), select_all=False)
                st.selectbox(t("admin.memberships.defi"), list(defi_by_id),
                             format_func=lambda i: defi_by_id[i].name, key=team.field("defi_id"),
                             placeholder=t("widget.choose"))
                st.selectbox(t("admin.memberships.role"), list(DefiRole), format_func=lambda r: t(f"defi_role.{r}"),
                             key=team.field("role"), placeholder=t("widget.choose"))
                st.date_input(t("admin.memberships.joined_on"), value=None, format=formats.DATE_FIELD,
                              key=team.field("joined_on"), help=t("admin.memberships.joined_on_help"))
                ui.save_button(t("admin.memberships.add"), team,
                               lambda: ui.typed(MembershipsIn, team.key, ["user_ids", "defi_id", "role", "joined_on"]),
                               lambda data: users.add_memberships(actor, data),
                               lambda data, _: t("admin.memberships.added_many", n=len(data.user_ids),
                                              defi=md(defi_by_id[data.defi_id].name)),
                               labels={"user_ids": t("admin.memberships.people"),
                                       "joined_on": t("admin.memberships.joined_on")})
        teams = cached(users.list_memberships)(actor, ctx.promotion.id)
        if teams.empty:
            st.info(t("admin.memberships.empty"))
        else:
            ui.table(teams.drop(columns=["id"]), width="stretch", column_config={
                "user": t("admin.memberships.user"), "login": t("admin.users.login"),
                "defi": t("admin.memberships.defi"), "role": t("admin.memberships.role"),
                "joined_on": st.column_config.DateColumn(t("admin.memberships.joined_on"), format=formats.DATE_FIELD)})
            gone = st.selectbox(t("admin.memberships.remove"), teams.to_dict("records"), index=None,
                                key=f"remove_member_{ctx.promotion.id}",
                                placeholder=t("admin.memberships.remove_placeholder"),
                                format_func=lambda m: f"{m['user']} · {m['defi']} · {m['role']}")
            if gone and st.button(t("admin.memberships.remove"), key=f"remove_member_{gone['id']}") and submit(
                    lambda: gone["id"], lambda mid: users.remove_membership(actor, mid)):
                done(t("admin.memberships.removed"))

def promotions_tab() -> None:
    left, right = st.columns(2)
    promotion = ui.new("create_promotion")
    with left, st.form(promotion.key):
        st.markdown(f"**{t('admin.promotions.create')}**")
        st.text_input(t("admin.promotions.name"), key=promotion.field("name"))
        st.date_input(t("admin.promotions.start"), today_local(), format="DD/MM/YYYY",
                      key=promotion.field("start_date"))
        st.number_input(t("admin.promotions.months"), 1, 36, 10, key=promotion.field("months"))
        ui.save_button(t("admin.create"), promotion,
                       lambda: ui.typed(PromotionIn, promotion.key, ["name", "start_date", "months"]),
                       lambda data: users.create_promotion(actor, data),
                       lambda data, _: t("admin.promotions.created", name=md(data.name)),
                       {"name": t("admin.promotions.name"), "start_date": t("admin.promotions.start"),
                        "months": t("admin.promotions.months")})
    with right:
        promotions = cached(portfolio.promotions_for)(actor)
        if promotions:
            promotion_by_id = {p.id: p for p in promotions}
            defi = ui.new("create_defi")
            with st.form(defi.key):
                st.markdown(f"**{t('admin.defis.create')}**")
                st.selectbox(t("app.sidebar.promotion"), list(promotion_by_id),
                             format_func=lambda i: promotion_by_id[i].name,
                             key=defi.field("promotion_id"), placeholder=t("widget.choose"))
                st.text_input(t("admin.defis.name"), key=defi.field("name"))
                st.text_input(t("admin.defis.administration"), key=defi.field("administration"))
                st.text_area(t("admin.defis.description"), key=defi.field("description"))
                ui.save_button(t("admin.create"), defi,
                               lambda: ui.typed(DefiIn, defi.key,
                                                ["promotion_id", "name", "administration", "description"]),
                               lambda data: users.create_defi(actor, data),
                               lambda data, _: t("admin.defis.created", name=md(data.name)),
                               {"name": t("admin.defis.name"), "administration": t("admin.defis.administration"),
                                "description": t("admin.defis.description")})
    if is_admin and ctx.promotion is not None:
        bulletin_links_setting()

def bulletin_links_setting() -> None:
    """Whether the reminders of the promotion picked in the sidebar carry each EIG's personal
    link to the bulletin (admins; lib.invitations)."""
    promotion = ctx.promotion
    on = cached(invitations.bulletin_links_on)(actor, promotion.id)
    wanted = st.toggle(t("admin.bulletin_links.toggle", promotion=md(promotion.name)), on,
                       key=f"bulletin_links_{promotion.id}_{on}", help=t("admin.bulletin_links.help"))
    if wanted != on and submit(lambda: wanted, lambda value: invitations.set_bulletin_links(actor, promotion.id,
                                                                                            value)):
        done(t("admin.bulletin_links.turned_on" if wanted else "admin.bulletin_links.turned_off",
               promotion=md(promotion.name)))


def recap_preview(recap: digest.RecapPreview) -> None:
    """The week's recap as it will be mailed, and the form that sends it."""
    week = formats.iso_week(recap.iso_year, recap.iso_week)
    st.header(t("digest.preview.title", week=week))
    st.caption(t("digest.preview.caption"))
    st.markdown(f"**{md(recap.subject)}**  \n{t('digest.preview.recipients', n=recap.recipients)}")
    with st.container(border=True, height=500):
        st.html(recap.html)  # built by lib.digest, every value escaped (the mail as sent)
    sending = ui.new("send_recap", f"{recap.promotion_id}_{recap.iso_year}_{recap.iso_week}")
    with st.form(sending.key):
        st.checkbox(t("digest.preview.confirm", n=recap.recipients), key=sending.field("confirm"))
        ui.save_button(t("digest.preview.send"), sending,
                       lambda: ui.confirmed(sending, recap.promotion_id, t("digest.preview.unconfirmed")),
                       lambda promotion_id: digest.send_recap(actor, promotion_id, recap.iso_year, recap.iso_week),
                       t("digest.preview.sent", week=week, n=recap.recipients), type="primary")


def recap_tab() -> None:
    if ctx.promotion is None:
        st.info(t("home.coach.empty"))
    else:  # the preview's refusal (no week published yet) reads as a form's would
        submit(lambda: ctx.promotion.id, lambda promotion_id: cached(digest.preview_recap)(actor, promotion_id,
                                                                                           ui.now()),
               after=recap_preview)

def privacy_tab() -> None:
    st.caption(t("admin.privacy.intro"))
    people = cached(users.list_users)(actor)
    person = st.selectbox(t("admin.privacy.person"), people.to_dict("records"), index=None, key="privacy_pick",
                          placeholder=t("widget.choose"),
                          format_func=lambda u: f"{u['display_name']} ({u['login']})")
    if person:
        if st.button(t("admin.privacy.prepare"), key=f"privacy_export_{person['id']}"):
            submit(lambda: person["id"], lambda uid: privacy.export_person(actor, uid),
                   after=lambda archive: st.session_state.update(privacy_export=(person["id"], archive)))
        ready = st.session_state.get("privacy_export")
        if ready and ready[0] == person["id"]:
            file_name, data = ready[1]
            ui.download(t("admin.privacy.download"), data, file_name, f"privacy_download_{person['id']}",
                        "application/zip")
        st.markdown(f"**{t('admin.privacy.anonymise_title')}**")
        st.caption(t("admin.privacy.anonymise_help"))
        confirm = t("admin.privacy.confirm", name=md(person["display_name"]), login=md(person["login"]))
        confirmed = st.checkbox(confirm, key=f"privacy_confirm_{person['id']}")
        if st.button(t("admin.privacy.anonymise"), disabled=not confirmed, key=f"privacy_anonymise_{person['id']}"):
            submit(lambda: person["id"], lambda uid: privacy.anonymise_person(actor, uid),
                   t("admin.privacy.anonymised", login=privacy.FORMER_LOGIN.format(id=person["id"])))


def feeds_tab() -> None:
    """Every person's calendar feeds; an admin revokes any of them."""
    st.caption(t("feeds.admin.caption"))
    feeds = calendar_feeds.all_feeds(actor, ui.now())  # uncached: fetches do not bump the data version
    if feeds.empty:
        st.info(t("feeds.none"))
        return
    moment = {"format": "DD/MM/YYYY HH:mm"}
    ui.table(feeds[["owner", "login", "scope_label", "kinds_label", "created_at", "expires_at", "last_fetched_at",
                    "state_label"]], width="stretch", column_config={
        "owner": t("feeds.col.owner"), "login": t("admin.users.login"), "scope_label": t("feeds.col.scope"),
        "kinds_label": t("feeds.col.kinds"),
        "created_at": st.column_config.DatetimeColumn(t("feeds.col.created_at"), **moment),
        "expires_at": st.column_config.DatetimeColumn(t("feeds.col.expires_at"), **moment),
        "last_fetched_at": st.column_config.DatetimeColumn(t("feeds.col.last_fetched_at"), **moment),
        "state_label": t("feeds.col.state")})
    gone = st.selectbox(t("feeds.admin.pick"), feeds.to_dict("records"), index=None, key="revoke_feed_pick",
                        placeholder=t("widget.choose"),
                        format_func=lambda f: f"{f['owner']} ({f['login']}) · {f['scope_label']} · {f['state_label']}")
    if gone and st.button(t("feeds.revoke"), key=f"admin_revoke_feed_{gone['id']}") and submit(
            lambda: gone["id"], lambda feed_id: calendar_feeds.revoke(actor, feed_id)):
        done(t("feeds.revoked"))


ui.sections("admin_tabs", {t("admin.tab.users"): users_tab, t("admin.tab.memberships"): teams_tab,
                           t("admin.tab.promotions"): promotions_tab, t("admin.tab.recap"): recap_tab,
                           **({t("admin.tab.privacy"): privacy_tab, t("admin.tab.feeds"): feeds_tab}
                              if is_admin else {})})
