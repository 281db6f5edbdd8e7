"""Imports (coaches and admins): the legacy journal (carnet historique) or the promotion's
roster (annuaire). Upload, review the preview (problems by line), then confirm: one transaction."""

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from lib import formats, importers, portfolio, roster, staging, ui
from lib.i18n import t
from lib.ui import cached, done, md, submit

R = TypeVar("R")
A = TypeVar("A", bound=staging.Analysis)

ctx = ui.page("page.import")
actor = ctx.actor
kind = st.radio(t("import.kind"), ["journal", "roster"], format_func=lambda k: t(f"import.kind.{k}"),
                horizontal=True, key="import_kind")
st.header(t("roster.title") if kind == "roster" else t("import.title"))
st.markdown(t("roster.intro") if kind == "roster" else t("import.intro"))

promotions = cached(portfolio.promotions_for)(actor)
if not promotions:
    st.info(t("import.need_promotion"))
    st.stop()
ids = [p.id for p in promotions]
default = ids.index(ctx.promotion.id) if ctx.promotion and ctx.promotion.id in ids else 0
promotion = st.selectbox(t("import.promotion"), promotions, index=default, format_func=lambda p: p.name,
                         key="import_promotion", placeholder=t("widget.choose"))


def analysed(kind: str, labels: tuple[str, str], types: list[str], preview: Callable[..., A]) -> A | None:
    """The file to upload and its analysis for the chosen promotion, kept in the session under
    `{kind}_preview`; `labels` name the uploader and the button that analyses a new file in
    place of the previous one. Only the counts, the first problems and the groups stay in the
    session; the rows wait in a temporary file until the confirmation."""
    state = f"{kind}_preview"
    upload = st.file_uploader(labels[0], type=types, key=f"{kind}_file", max_upload_size=staging.UPLOAD_MAX_MB)
    if upload is not None and st.button(labels[1], type="primary", key=f"{kind}_analyse"):
        previous = st.session_state.pop(state, None)
        if previous is not None:
            staging.discard(previous)
        if upload.size > staging.UPLOAD_MAX_MB * 1024 * 1024:
            megabytes = formats.integer(round(upload.size / 1024 / 1024))
            st.error(t("import.too_big", size=megabytes, max=staging.UPLOAD_MAX_MB))
        else:
            submit(lambda: upload, lambda file: preview(actor, file, promotion.id, file.name),
                   after=lambda analysis: st.session_state.update({state: analysis}))
    analysis = st.session_state.get(state)
    return analysis if analysis is not None and analysis.promotion_id == promotion.id else None


def counts(preview: staging.Analysis, *more: tuple[str, int]) -> None:
    """The file's rows: read, valid, in error (and `more`)."""
    figures = [(t("import.metric.records"), preview.records), (t("import.metric.valid"), preview.valid),
               (t("import.metric.errors"), preview.errors), *more]
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value)


def problems_section(preview: staging.Analysis, severity: str, report: Callable[[], str] | None = None,
                     file_name: str = "") -> None:
    """The file's problems by line; past the first ones shown, the whole `report` to download
    (built on click), unless the page offers its own."""
    st.subheader(t("import.problems"))
    if not preview.problems:
        st.caption(t("import.no_problem"))
        return
    ui.table([{"line": p.line, "severity": t(f"{severity}.{p.severity}"), "message": p.message}
              for p in preview.problems], width="stretch", column_config={
        "line": t("import.col.line"), "severity": t("import.col.severity"), "message": t("import.col.message")})
    if preview.problem_count > len(preview.problems):
        st.caption(t("import.problems.more", shown=len(preview.problems), n=preview.problem_count))
    if report is not None and preview.problem_count > len(preview.problems):
        ui.download(t("import.report.download"), report, file_name, "import_report", "text/plain")


def confirm(state: str, label: str, total: int, write: Callable[[Callable[[int, int], None]], R],
            message: Callable[[R], str]) -> None:
    """Write the analysed file in one transaction, a bar counting the rows done; then forget
    the file and say what was written."""
    bar = st.progress(0.0, text=t(label, done=0, total=total))

    def progress(done_rows: int, total: int) -> None:
        bar.progress(done_rows / max(total, 1), text=t(label, done=done_rows, total=total))

    def written(result: R) -> None:
        staging.discard(st.session_state.pop(state))
        done(message(result))

    submit(lambda: progress, write, after=written)


def roster_import() -> None:
    """The roster's flow: analyse, show what would change, confirm."""
    preview = analysed("roster", (t("roster.upload"), t("roster.analyse")), ["csv", "xlsx"],
                       roster.preview_roster)
    if preview is None:
        ui.invite_promotion(actor, promotion.id)  # after the import, or for people imported earlier
        return
    changes = preview.changes
    counts(preview)
    problems_section(preview, "roster.severity")
    ui.download(t("roster.report.download"), lambda: roster.report_csv(preview), "rapport-annuaire.csv",
                "roster_report", "text/csv")
    if preview.errors:
        st.error(t("roster.has_errors", n=preview.errors))
        return
    if changes.empty:
        st.info(t("roster.nothing_to_change"))
        return
    st.subheader(t("roster.changes"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("roster.metric.defis"), changes.defis)
    c2.metric(t("roster.metric.accounts"), changes.accounts)
    c3.metric(t("roster.metric.added"), changes.added)
    c4.metric(t("roster.metric.changed"), changes.role_changes)
    if preview.first_changes:  # names as the file writes them: user text, made inert
        st.markdown("\n".join(f"- {md(change.text)}" for change in preview.first_changes))
    if changes.listed > len(preview.first_changes):
        st.caption(t("roster.changes.more", shown=len(preview.first_changes), n=changes.listed))
    if st.button(t("roster.confirm"), type="primary", key="roster_confirm"):
        confirm("roster_preview", "roster.progress", preview.valid,
                lambda progress: roster.confirm_roster(actor, preview, progress=progress),
                lambda result: t("roster.report.done", defis=result.changes.defis, accounts=result.changes.accounts,
                                 added=result.changes.added, changed=result.changes.role_changes,
                                 unchanged=result.changes.unchanged))


def journal_import() -> None:
    """The legacy journal's flow: analyse, map its défi names to défis, confirm."""
    preview = analysed("import", (t("import.upload"), t("import.analyse")), ["csv", "txt"],
                       importers.preview_journal)
    if preview is None:
        return
    counts(preview, (t("import.metric.warnings"), preview.warnings))
    problems_section(preview, "import.severity", lambda: importers.format_report(preview, importers.plan(preview)),
                     "rapport-import.txt")
    targets = importers.plan(preview, *groups_section(preview))
    administration = ""
    if any(target.defi_id is None for target in targets.values()):
        administration = st.text_input(t("import.administration"), t("import.default_administration"),
                                       key="import_administration")
    if not preview.valid:
        st.info(t("import.nothing"))
    elif st.button(t("import.confirm"), type="primary", key="import_confirm"):
        confirm("import_preview", "import.progress", preview.valid,
                lambda progress: importers.confirm_import(actor, preview, targets, administration or None,
                                                          progress=progress),
                lambda result: t("import.done", inserted=result.inserted, duplicates=result.duplicates,
                                 created=len(result.created_defis)))


def groups_section(preview: importers.Preview) -> tuple[set[str], dict[str, str]]:
    """The file's défi names, grouped: each goes to an existing défi or a new one, and a group
    of variants may be split. Returns the groups split and the names chosen."""
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
    return split, names


if kind == "roster":
    roster_import()
else:
    journal_import()
