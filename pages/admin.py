"""Administration (coaches and admins): users, team memberships, promotions and défis; for admins,
a person's personal data (export, anonymisation)."""

import datetime as dt

import streamlit as st

from lib import invitations, portfolio, privacy, users
from lib.i18n import t
from lib.models import DefiRole, GlobalRole
from lib.schemas import DefiIn, MembershipIn, PasswordIn, PromotionIn, UserIn
from lib.ui import cached, context, done, md, submit

ctx = context()
actor = ctx.actor
st.title(t("page.admin"))
USER_LABELS = {f: t(f"admin.users.{f}") for f in ("login", "display_name", "email", "role", "password")}


def invitations_panel() -> None:
    """Who was invited and when, who never logged in; invite or invite again."""
    st.caption(t("admin.invitations.caption", days=invitations.VALIDITY["invitation"].days))
    people = invitations.overview(actor)  # not cached: logins do not bump the data version
    if st.toggle(t("admin.invitations.only_pending"), key="invitations_pending"):
        people = people[people["last_login"].isna()]
    st.dataframe(people[["display_name", "login", "email", "invited_at", "state_label", "last_login"]],
                 hide_index=True, width="stretch", column_config={
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
    if st.button(t("admin.invitations.resend" if again else "admin.invitations.send"),
                 key=f"invite_{person['id']}"):
        email = submit(lambda: person["id"], lambda user_id: invitations.invite(actor, user_id))
        if email:
            done(t("admin.invitations.sent", email=email))


is_admin = actor.role is GlobalRole.ADMIN
tabs = st.tabs([t("admin.tab.users"), t("admin.tab.memberships"), t("admin.tab.promotions")]
               + ([t("admin.tab.privacy")] if is_admin else []))
tab_users, tab_teams, tab_promotions = tabs[:3]
roles = list(GlobalRole)

with tab_users:
    people = cached(users.list_users)(actor)
    shown = people.drop(columns=["id", "version"]).assign(role=people["role"].map(lambda r: t(f"role.{r}")))
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "login": t("admin.users.login"), "display_name": t("admin.users.display_name"),
        "email": t("admin.users.email"), "role": t("admin.users.role"), "active": t("admin.users.active")})
    with st.expander(t("admin.users.create")), st.form("create_user", clear_on_submit=False):
        login = st.text_input(t("admin.users.login"), key="new_login")
        name = st.text_input(t("admin.users.display_name"), key="new_name")
        email = st.text_input(t("admin.users.email"), key="new_email")
        role = st.selectbox(t("admin.users.role"), roles, index=roles.index(GlobalRole.MEMBER),
                            format_func=lambda r: t(f"role.{r}"), key="new_role", placeholder=t("widget.choose"))
        password = st.text_input(t("admin.users.password_optional"), type="password", key="new_password")
        if st.form_submit_button(t("admin.create")):
            submit(lambda: UserIn(login=login, display_name=name, email=email, role=role, password=password or None),
                   lambda data: users.create_user(actor, data), t("admin.users.created", login=login), USER_LABELS)
    with st.expander(t("admin.invitations.title")):
        invitations_panel()
    if not people.empty:
        with st.expander(t("admin.users.edit")):
            pick = st.selectbox(t("admin.memberships.user"), people.to_dict("records"),
                                format_func=lambda u: f"{u['display_name']} ({u['login']})", key="edit_pick",
                                placeholder=t("widget.choose"))
            with st.form(f"edit_user_{pick['id']}_{pick['version']}"):
                login = st.text_input(t("admin.users.login"), pick["login"])
                name = st.text_input(t("admin.users.display_name"), pick["display_name"])
                email = st.text_input(t("admin.users.email"), pick["email"])
                role = st.selectbox(t("admin.users.role"), roles, index=roles.index(GlobalRole(pick["role"])),
                                    format_func=lambda r: t(f"role.{r}"), placeholder=t("widget.choose"))
                active = st.checkbox(t("admin.users.active"), value=bool(pick["active"]))
                if st.form_submit_button(t("admin.save")):
                    submit(lambda: UserIn(login=login, display_name=name, email=email, role=role),
                           lambda data: users.update_user(actor, pick["id"], data, active, pick["version"]),
                           t("admin.users.updated", login=login), USER_LABELS)
            with st.form(f"reset_{pick['id']}"):
                new_password = st.text_input(t("admin.users.new_password"), type="password")
                if st.form_submit_button(t("admin.users.reset_password")):
                    submit(lambda: PasswordIn(password=new_password),
                           lambda data: users.reset_password(actor, pick["id"], data),
                           t("admin.users.password_reset", login=pick["login"]))

with tab_teams:
    if ctx.promotion is None:
        st.info(t("home.coach.empty"))
    else:
        defis = cached(portfolio.defis_for)(actor, ctx.promotion.id)
        people = cached(users.list_users)(actor)
        if defis and not people.empty:
            with st.form("add_membership"):
                person = st.selectbox(t("admin.memberships.user"), people.to_dict("records"),
                                      format_func=lambda u: f"{u['display_name']} ({u['login']})",
                                      placeholder=t("widget.choose"))
                defi = st.selectbox(t("admin.memberships.defi"), defis, format_func=lambda d: d.name,
                                    placeholder=t("widget.choose"))
                role = st.selectbox(t("admin.memberships.role"), list(DefiRole),
                                    format_func=lambda r: t(f"defi_role.{r}"), placeholder=t("widget.choose"))
                if st.form_submit_button(t("admin.memberships.add")):
                    submit(lambda: MembershipIn(user_id=person["id"], defi_id=defi.id, role=role),
                           lambda data: users.add_membership(actor, data),
                           t("admin.memberships.added", user=person["display_name"], defi=defi.name))
        teams = cached(users.list_memberships)(actor, ctx.promotion.id)
        if teams.empty:
            st.info(t("admin.memberships.empty"))
        else:
            st.dataframe(teams.drop(columns=["id"]), hide_index=True, width="stretch", column_config={
                "user": t("admin.memberships.user"), "login": t("admin.users.login"),
                "defi": t("admin.memberships.defi"), "role": t("admin.memberships.role")})
            gone = st.selectbox(t("admin.memberships.remove"), teams.to_dict("records"), index=None,
                                placeholder=t("widget.choose"),
                                format_func=lambda m: f"{m['user']} · {m['defi']} · {m['role']}")
            if gone and st.button(t("admin.memberships.remove")):
                submit(lambda: gone["id"], lambda mid: users.remove_membership(actor, mid),
                       t("admin.memberships.removed"))

with tab_promotions:
    left, right = st.columns(2)
    with left, st.form("create_promotion"):
        st.markdown(f"**{t('admin.promotions.create')}**")
        name = st.text_input(t("admin.promotions.name"))
        start = st.date_input(t("admin.promotions.start"), dt.date.today(), format="DD/MM/YYYY")
        months = st.number_input(t("admin.promotions.months"), 1, 36, 10)
        if st.form_submit_button(t("admin.create")):
            submit(lambda: PromotionIn(name=name, start_date=start, months=int(months)),
                   lambda data: users.create_promotion(actor, data), t("admin.promotions.created", name=name))
    with right:
        promotions = cached(portfolio.promotions_for)(actor)
        if promotions:
            with st.form("create_defi"):
                st.markdown(f"**{t('admin.defis.create')}**")
                promotion = st.selectbox(t("app.sidebar.promotion"), promotions, format_func=lambda p: p.name,
                                         placeholder=t("widget.choose"))
                defi_name = st.text_input(t("admin.defis.name"))
                administration = st.text_input(t("admin.defis.administration"))
                description = st.text_area(t("admin.defis.description"))
                if st.form_submit_button(t("admin.create")):
                    submit(lambda: DefiIn(promotion_id=promotion.id, name=defi_name, administration=administration,
                                          description=description),
                           lambda data: users.create_defi(actor, data), t("admin.defis.created", name=defi_name))

if is_admin:
    with tabs[3]:
        st.caption(t("admin.privacy.intro"))
        people = cached(users.list_users)(actor)
        person = st.selectbox(t("admin.privacy.person"), people.to_dict("records"), index=None, key="privacy_pick",
                              placeholder=t("widget.choose"),
                              format_func=lambda u: f"{u['display_name']} ({u['login']})")
        if person:
            if st.button(t("admin.privacy.prepare"), key=f"privacy_export_{person['id']}"):
                archive = submit(lambda: person["id"], lambda uid: privacy.export_person(actor, uid))
                if archive:
                    st.session_state["privacy_export"] = (person["id"], archive)
            ready = st.session_state.get("privacy_export")
            if ready and ready[0] == person["id"]:
                file_name, data = ready[1]
                st.download_button(t("admin.privacy.download"), data, file_name=file_name, mime="application/zip",
                                   key=f"privacy_download_{person['id']}")
            st.markdown(f"**{t('admin.privacy.anonymise_title')}**")
            st.caption(t("admin.privacy.anonymise_help"))
            confirm = t("admin.privacy.confirm", name=md(person["display_name"]), login=md(person["login"]))
            confirmed = st.checkbox(confirm, key=f"privacy_confirm_{person['id']}")
            if st.button(t("admin.privacy.anonymise"), disabled=not confirmed, key=f"privacy_anonymise_{person['id']}"):
                submit(lambda: person["id"], lambda uid: privacy.anonymise_person(actor, uid),
                       t("admin.privacy.anonymised", login=privacy.FORMER_LOGIN.format(id=person["id"])))
