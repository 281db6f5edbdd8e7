"""The form kit: forms opened on a versioned record (`edit`) or creating something (`new`), the
buttons that validate and write once (`save_button`, `send_button`, `submit`, `save_or_delete`),
and the message of a write shown on the next run (`done`)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

import streamlit as st
from pydantic import ValidationError

from lib.errors import ServiceError
from lib.i18n import t
from lib.schemas import errors_by_field
from lib.ui.text import md

R = TypeVar("R")
M = TypeVar("M")


# --- After a write ---------------------------------------------------------------------------


def done(message: str) -> NoReturn:
    """Rerun the page after a successful write and say so on the next run (a message shown
    now would vanish with the rerun); the page's forms reopen on what was written."""
    _forms().wrote(message)
    st.rerun()


def show_done() -> None:
    """The message of the write that caused this run, once."""
    forms = _forms()
    if message := forms.done:
        forms.done = None
        st.success(message, icon=":material/check_circle:")


# --- Forms: editing a versioned record, creating something -------------------------------------


class _Forms:
    """The session's forms: the openings of records, the generations of creating forms, the
    writes under way and their messages. Changed in place, never through st.session_state: a
    click callback is stopped at its next access to session state when a newer click arrives
    (Streamlit starts another script runner at once), and a write must not be left recorded
    by halves."""

    def __init__(self) -> None:
        self.openings: dict[str, dict] = {}  # name -> {"key", "seen"}
        self.generations: dict[str, int] = {}
        self.writing: dict[str, threading.Event] = {}  # form key -> set once its write is over
        self.written: dict[str, str] = {}  # form key -> the message of the write that used it
        self.errors: dict[str, list[str]] = {}
        self.done: str | None = None  # the message the next run shows

    def wrote(self, message: str) -> None:
        """After the person's own write: every form opened on a record reopens, on its next
        drawing, on the version it then reads, without saying that someone saved meanwhile (the
        committee's schedule, notes and report share its version: a save in one must not flag
        the others). A form whose record did not change keeps its key, and what is typed in it."""
        self.openings.clear()
        self.done = message


_FORMS = "ui_forms"
# Claims of forms are checked and taken under one lock: two clicks' callbacks may run at once.
_CLAIMS = threading.Lock()


def _forms() -> _Forms:
    return st.session_state.setdefault(_FORMS, _Forms())


@dataclass(frozen=True)
class Form:
    """A form as drawn: `key` names the form and its fields."""

    key: str
    name: str  # its entry in the session's forms
    forms: _Forms = dataclasses.field(repr=False, compare=False)

    def field(self, name: str) -> str:
        """The widget key of one of the form's fields."""
        return f"{self.key}_{name}"

    def value(self, name: str) -> object:
        """What the person has in a field (read by a save button's callback)."""
        return st.session_state.get(self.field(name))

    def current(self) -> bool:
        """Whether this is still the form the page draws, and no write of it is under way: a
        click on a form that a save has replaced (a double click's second) writes nothing."""
        raise NotImplementedError

    def claim(self) -> None:
        """Take the form for the write about to be made (under `_CLAIMS`)."""
        raise NotImplementedError

    def release(self) -> None:
        """Give the form back after a refused write, the person's input in it."""
        raise NotImplementedError


@dataclass(frozen=True)
class Edit(Form):
    """A form as its person opened it on a record. `key` stays the same until they save or
    start again, so what they type survives reruns and other people's saves; `newer` says
    someone else saved another version since they last saw it."""

    newer: bool = False
    opening: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def expected(self) -> int | None:
        """The version the person saw last, which their save claims to replace; read by the
        save button's callback, before the run that will show any newer version."""
        return self.opening["seen"]

    def current(self) -> bool:
        return self.forms.openings.get(self.name) is self.opening and self.key not in self.forms.writing

    def claim(self) -> None:
        self.forms.openings.pop(self.name, None)

    def release(self) -> None:
        self.forms.openings.setdefault(self.name, self.opening)

    def close(self) -> None:
        """Forget the opening (to start again from the saved version)."""
        self.forms.openings.pop(self.name, None)


def edit(form: str, record: object, version: int | None) -> Edit:
    """Open (or keep open) the form `form` on `record` at `version` (None: not written yet).
    A save refused as stale keeps the person's text; the page shows the other version with
    `newer_version`, and since they have now seen it, their next save may replace it."""
    forms, name = _forms(), f"{form}_{record}"
    opened = forms.openings.setdefault(name, {"key": f"{form}_{record}_{version}", "seen": version})
    newer, opened["seen"] = opened["seen"] != version, version
    return Edit(key=opened["key"], name=name, forms=forms, newer=newer, opening=opened)


@dataclass(frozen=True)
class New(Form):
    """A form that creates something (an entry, a measurement, an account, a sent recap)."""

    def current(self) -> bool:
        return _new_key(self.forms, self.name) == self.key and self.key not in self.forms.writing

    def claim(self) -> None:
        self.forms.generations[self.name] = self.forms.generations.get(self.name, 0) + 1

    def release(self) -> None:
        self.forms.generations[self.name] -= 1


def _new_key(forms: _Forms, name: str) -> str:
    return f"{name}_{forms.generations.get(name, 0)}"


def new(form: str, owner: object = None) -> New:
    """The form `form` that creates something (under `owner`: a défi, an indicator, a
    promotion): after each save its key changes, so an empty form is drawn. Emptying the fields'
    session keys is not enough: the browser keeps showing what it drew in the same widgets,
    and sends it again with the next click (one more entry, the whole promotion mailed again)."""
    forms, name = _forms(), form if owner is None else f"{form}_{owner}"
    return New(key=_new_key(forms, name), name=name, forms=forms)


def newer_version(opened: Edit, show: Callable[[], None]) -> None:
    """When someone else (another person, another tab) saved another version since this
    person opened the form: say so, show that version, and offer to start again from it. Their
    own text stays in the form. Their own saves never say so (`_Forms.wrote`)."""
    if not opened.newer:
        return
    with st.container(border=True):
        st.warning(t("edit.newer_version"), icon=":material/sync_problem:")
        show()
        st.button(t("edit.start_again"), key=f"{opened.key}_start_again", on_click=opened.close)


# --- Writes --------------------------------------------------------------------------------


def _validated(build: Callable[[], M], labels: dict[str, str] | None) -> tuple[M | None, list[str]]:
    """The input built and validated with pydantic, or each field's French error with its label."""
    try:
        return build(), []
    except ValidationError as exc:
        return None, [message if field == "__root__" else f"{(labels or {}).get(field, field)} : {message}"
                      for field, message in errors_by_field(exc).items()]
    except (ServiceError, ValueError) as exc:
        return None, [md(str(exc))]


def _performed(action: Callable[[M], R], data: M) -> tuple[R | None, list[str]]:
    """The write service's result, or its refusal as it said it."""
    try:
        return action(data), []
    except (ServiceError, ValueError) as exc:
        return None, [md(str(exc))]


# How long a click on a form being written waits for that write, to say what it did.
_WAIT_S = 60


def _writer(form: Form, build: Callable[[], M], action: Callable[[M], R], success: str | Callable[[M, R], str],
            labels: dict[str, str] | None, after: Callable[[R], None] | None) -> Callable[[], None]:
    """The click callback of a button that writes, run before the page's script run: the
    input validated, the form claimed, the write, then what the run shows (the message, or the
    errors under the form), and the form anew (`New`, `_Forms.wrote`). A click on a form a
    save has claimed writes nothing; the page says what that save did: a double click creates,
    sends or saves once."""
    forms = form.forms

    def said_again() -> None:
        if running := forms.writing.get(form.key):
            running.wait(_WAIT_S)
        forms.done = forms.written.get(form.key, forms.done)

    def write() -> None:
        if not form.current():
            return said_again()
        data, errors = _validated(build, labels)
        if errors:
            forms.errors[form.key] = errors
            return None
        with _CLAIMS:
            claimed = form.current()
            if claimed:
                form.claim()
                forms.writing[form.key] = threading.Event()
        if not claimed:
            return said_again()
        # From here to the end of the write, nothing touches st.session_state (see _Forms).
        try:
            result, errors = _performed(action, data)
            if errors:
                forms.errors[form.key] = errors
                form.release()
                return None
            message = success(data, result) if callable(success) else success
            forms.written[form.key] = message
            forms.wrote(message)
        finally:
            forms.writing.pop(form.key).set()
        if after:
            after(result)
        return None

    return write


def _errors(form: Form) -> None:
    """Under the button: why the form's last write was refused."""
    for message in form.forms.errors.pop(form.key, []):
        st.error(message)


def save_button(label: str, form: Form, build: Callable[[], M], action: Callable[[M], R],
                success: str | Callable[[M, R], str], labels: dict[str, str] | None = None,
                after: Callable[[R], None] | None = None, **button: object) -> None:
    """A form's submit button whose write runs in its click callback, before the page's
    script run: a save costs one run, which draws the saved data with `success` (a message,
    or one made from the input and the service's result) at the top of the page, and the
    page's forms anew (a `new` form empty), or the refusal under the button with the person's
    input kept. `build` reads the fields from session state (`typed`, `Form.value`); `action`
    reads nothing more from it (`Edit.expected` is not read from it); `after` runs once saved."""
    st.form_submit_button(label, on_click=_writer(form, build, action, success, labels, after), **button)
    _errors(form)


def send_button(label: str, form: New, build: Callable[[], M], action: Callable[[M], R],
                success: str | Callable[[M, R], str], **button: object) -> None:
    """A button outside any form that creates or sends something (an invitation): written
    like `save_button`, keyed by `form`, so that a double click sends once."""
    st.button(label, key=form.key, on_click=_writer(form, build, action, success, None, None), **button)
    _errors(form)


def typed(schema: type[M], key: str, names: list[str]) -> M:
    """A form's fields under `key`, named as the schema's, validated by it (in a save
    button's callback, where widgets have not returned their values)."""
    return schema(**{name: st.session_state.get(f"{key}_{name}") for name in names})


def confirmed(form: Form, value: M, refusal: str) -> M:
    """What a form's action receives (the record it deletes, the mail it sends), once the
    form's `confirm` box is ticked; else the refusal."""
    if not form.value("confirm"):
        raise ValueError(refusal)
    return value


def submit(build: Callable[[], M], action: Callable[[M], R], success: str | None = None,
           labels: dict[str, str] | None = None, after: Callable[[R], None] | None = None) -> bool:
    """Validate a form with pydantic, run the write service, and show the outcome: each
    field's French error (with its label), the service's refusal, or `success`. Whether the
    write went through; `after` receives what the service returned (an id, a count, a file).
    Nothing that creates or sends goes through here, where a double click would do it twice
    (`save_button`, `send_button`); a write that goes on with `done` reopens the page's forms."""
    data, errors = _validated(build, labels)
    if not errors:
        result, errors = _performed(action, data)
    for message in errors:
        st.error(message)
    if errors:
        return False
    if success:
        st.success(success)
    if after:
        after(result)
    return True


def save_or_delete(opened: Edit, build: Callable[[], M], save: Callable[[M, int | None], object],
                   delete: Callable[[int | None], object], words: dict[str, str],
                   labels: dict[str, str] | None = None) -> None:
    """The foot of a form editing a record: a box to confirm the deletion, then the save and
    delete buttons side by side; `save` and `delete` receive the version the person saw
    (`Edit.expected`). `words` are the texts:
    `confirm`, `save`, `saved`, `delete`, `deleted` and `unconfirmed` (the deletion refused
    while the box is not ticked)."""
    st.checkbox(words["confirm"], key=opened.field("confirm"))
    save_col, delete_col = st.columns(2)
    with save_col:
        save_button(words["save"], opened, build, lambda data: save(data, opened.expected), words["saved"],
                    labels=labels, type="primary")
    with delete_col:
        save_button(words["delete"], opened, lambda: confirmed(opened, opened.expected, words["unconfirmed"]),
                    delete, words["deleted"])
