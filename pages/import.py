"""Imports (coaches and admins): the legacy journal (carnet historique) or the promotion's
roster (annuaire). Upload, review the preview (problems by line), then confirm: one transaction."""

from collections.abc import Callable

import streamlit as st

from lib import formats, importers, portfolio, roster, ui
from lib.errors import ServiceError
from lib.i18n import t
from lib.ui import cached, done, md

ctx = ui.page("page.import")
actor = ctx.actor
kind = st.radio(t("import.kind"), ["journal", "roster"], format_func=lambda k: t(f"import.kind.{k}"),
                horizontal=True, key="import_kind")
st.subheader(t("roster.title") if kind == "roster" else t("import.title"))
st.markdown(t("roster.intro") if kind == "roster" else t("import.intro"))

promotions = cached(portfolio.promotions_for)(actor)
if not promotions:
    st.info(t("import.need_promotion"))
    st.stop()
ids = [p.id for p in promotions]
default = ids.index(ctx.promotion.id) if ctx.promotion and ctx.promotion.id in ids else 0
promotion = st.selectbox(t("import.promotion"), promotions, index=default, format_func=lambda p: p.name,
                         key="import_promotion", placeholder=t("widget.choose"))


def problems_section(preview: importers.Analysis, severity: str, report: Callable[[], str], file_name: str) -> None:
    """The file's problems by line; past the first ones shown, the whole report to download
    (built on click)."""
    st.subheader(t("import.problems"))
    if not preview.problems:
        st.caption(t("import.no_problem"))
        return
    st.dataframe([{"line": p.line, "severity": t(f"{severity}.{p.severity}"), "message": p.message}
                  for p in preview.problems], hide_index=True, width="stretch", column_config={
        "line": t("import.col.line"), "severity": t("import.col.severity"), "message": t("import.col.message")})
    if preview.problem_count > len(preview.problems):
        st.caption(t("import.problems.more", shown=len(preview.problems), n=preview.problem_count))
        st.download_button(t("import.report.download"), report, file_name=file_name, mime="text/plain")


def roster_import() -> None:
    """The roster's flow: analyse, show what would change, confirm."""
    upload = st.file_uploader(t("roster.upload"), type=["csv", "xlsx"], key="roster_file",
                              max_upload_size=importers.UPLOAD_MAX_MB)
    if upload is not None and st.button(t("roster.analyse"), type="primary", key="roster_analyse"):
        previous = st.session_state.pop("roster_preview", None)
        if previous is not None:
            importers.discard(previous)
        try:
            st.session_state["roster_preview"] = roster.preview_roster(actor, upload, promotion.id, upload.name)
        except ServiceError as exc:
            st.error(str(exc))
    preview: roster.RosterPreview | None = st.session_state.get("roster_preview")
    if preview is None or preview.promotion_id != promotion.id:
        return
    changes = preview.changes
    c1, c2, c3 = st.columns(3)
    c1.metric(t("import.metric.records"), preview.records)
    c2.metric(t("import.metric.valid"), preview.valid)
    c3.metric(t("import.metric.errors"), preview.errors)
    problems_section(preview, "roster.severity", lambda: roster.format_report(preview), "rapport-annuaire.txt")
    if preview.errors:
        st.error(t("roster.has_errors", n=preview.errors))
        return
    if changes.empty:
        st.info(t("roster.nothing_to_change"))
        return
    st.subheader(t("roster.changes"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("roster.metric.defis"), len(changes.defis))
    c2.metric(t("roster.metric.accounts"), len(changes.accounts))
    c3.metric(t("roster.metric.added"), changes.added)
    c4.metric(t("roster.metric.changed"), len(changes.role_changes))
    st.markdown("\n".join(f"- {line}" for line in [t("roster.report.new_defi", name=n) for n in changes.defis]
                          + [t("roster.report.new_account", account=a) for a in changes.accounts]
                          + changes.role_changes))
    if st.button(t("roster.confirm"), type="primary", key="roster_confirm"):
        bar = st.progress(0.0, text=t("roster.progress", done=0, total=preview.valid))

        def progress(done_rows: int, total: int) -> None:
            bar.progress(done_rows / max(total, 1), text=t("roster.progress", done=done_rows, total=total))

        try:
            result = roster.confirm_roster(actor, preview, progress=progress)
        except ServiceError as exc:
            st.error(str(exc))
        else:
            importers.discard(st.session_state.pop("roster_preview"))
            changes = result.changes
            done(t("roster.report.done", defis=len(changes.defis), accounts=len(changes.accounts),
                   added=changes.added, changed=len(changes.role_changes), unchanged=changes.unchanged))


if kind == "roster":
    roster_import()
    st.stop()

upload = st.file_uploader(t("import.upload"), type=["csv", "txt"], key="import_file",
                          max_upload_size=importers.UPLOAD_MAX_MB)
if upload is not None and st.button(t("import.analyse"), type="primary", key="import_analyse"):
    previous = st.session_state.pop("import_preview", None)
    if previous is not None:
        importers.discard(previous)
    if upload.size > importers.UPLOAD_MAX_MB * 1024 * 1024:
        megabytes = formats.integer(round(upload.size / 1024 / 1024))
        st.error(t("import.too_big", size=megabytes, max=importers.UPLOAD_MAX_MB))
    else:
        try:
            # Only the counts, the first problems and the groups stay in the session; the
            # rows wait in a temporary file until the confirmation.
            st.session_state["import_preview"] = importers.preview_journal(actor, upload, promotion.id, upload.name)
        except ServiceError as exc:
            st.error(md(str(exc)))

preview: importers.Preview | None = st.session_state.get("import_preview")
if preview is None or preview.promotion_id != promotion.id:
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("import.metric.records"), preview.records)
c2.metric(t("import.metric.valid"), preview.valid)
c3.metric(t("import.metric.errors"), preview.errors)
c4.metric(t("import.metric.warnings"), preview.warnings)

problems_section(preview, "import.severity", lambda: importers.format_report(preview, importers.plan(preview)),
                 "rapport-import.txt")

st.subheader(t("import.groups"))
st.caption(t("import.groups.help"))
split: set[str] = set()
names: dict[str, str] = {}
for group in preview.groups:
    with st.container(border=True):
        st.markdown(f"**{md(group.name)}** · {group.rows}")
        variants = ", ".join(f"« {v} » ({n})" for v, n in group.variants.items())
        st.caption(t("import.group.variants", variants=md(variants)))
        if len(group.variants) > 1 and st.checkbox(t("import.group.split"), key=f"import_split_{group.key}"):
            split.add(group.key)
            for variant in group.variants:
                names[variant] = st.text_input(t("import.group.split_name", variant=md(variant)), variant,
                                               key=f"import_variant_{group.key}_{variant}")
        elif group.defi_id:
            st.markdown(t("import.group.existing", name=md(preview.defis[group.defi_id])))
        else:
            names[group.key] = st.text_input(t("import.group.new"), group.name, key=f"import_name_{group.key}")

targets = importers.plan(preview, split, names)
administration = ""
if any(target.defi_id is None for target in targets.values()):
    administration = st.text_input(t("import.administration"), t("import.default_administration"),
                                   key="import_administration")

if not preview.valid:
    st.info(t("import.nothing"))
elif st.button(t("import.confirm"), type="primary", key="import_confirm"):
    bar = st.progress(0.0, text=t("import.progress", done=0, total=preview.valid))

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=t("import.progress", done=done, total=total))

    try:
        result = importers.confirm_import(actor, preview, targets, administration or None, progress=progress)
    except ServiceError as exc:
        st.error(md(str(exc)))
    else:
        importers.discard(st.session_state.pop("import_preview"))
        done(t("import.done", inserted=result.inserted, duplicates=result.duplicates,
               created=len(result.created_defis)))
