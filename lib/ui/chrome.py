"""Streamlit's own interface in French: what the framework draws around the app's words.

Streamlit 1.67 has no interface language. Its date and time fields (react-aria) take the
browser's language, everything else is English fixed in its frontend. `draw()`, called once at
the top of every script run, adds to the page one fixed script (no user text in it) that:
- says the document is French (`lang="fr"`), so screen readers read it with French rules;
- makes the frontend see a French browser (`navigator.language`), so every date field, its
  calendar and its screen-reader names are drawn in French whatever the reader's browser says;
- gives the sectioned page menu list markup that screen readers can follow;
- gives a widget the screen-reader name its label shows, not the label's Markdown source;
- watches the page and gives Streamlit's own texts their French: screen-reader names
  (`aria-label`), tooltips (`title`), placeholders, `alt`, and a few visible texts (the skip
  link, the uploader's button, limit and file sizes, the table toolbar's tooltips).

Only Streamlit's texts change, never the app's or a person's: a visible text changes only inside
the few elements that are Streamlit's own (skip link, uploader, calendar, status, element toolbar,
tooltips) and only when it is the whole text of its node; screen-reader names and tooltips
change when they are one of Streamlit's texts, never inside an option list; sizes change only
in the uploader, never in a file's name. The French comes from the catalogue
(`chrome.*`). The every-page tour (tests/e2e/test_every_page.py) checks that no text of the list
read from Streamlit's bundle (tests/e2e/streamlit_english.py) is left on any page.
"""

from __future__ import annotations

import functools
import json

import streamlit as st

from lib.i18n import LANGUAGE, t

# Streamlit's texts, whole (screen-reader names, tooltips, placeholders and the few visible
# ones), and the catalogue key of their French.
_EXACT = {
    "Skip to main content": "chrome.skip_to_main",
    "Sidebar": "chrome.sidebar",
    "Collapse sidebar": "chrome.collapse_sidebar",
    "Expand sidebar": "chrome.expand_sidebar",
    "App pages": "chrome.app_pages",
    "Main menu": "chrome.main_menu",
    "Open": "chrome.open_options",
    "Link to heading": "chrome.link_to_heading",
    "Show/hide columns": "chrome.columns",
    "Download as CSV": "chrome.download_csv",
    "Search": "chrome.search",
    "Close Search": "chrome.close_search",
    "Type to search": "chrome.type_to_search",
    "Fullscreen": "chrome.fullscreen",
    "Close fullscreen": "chrome.close_fullscreen",
    "Increment": "chrome.increment",
    "Decrement": "chrome.decrement",
    "Choose date": "chrome.choose_date",
    "Choose date range": "chrome.choose_date",
    "Clear all": "chrome.clear_all",
    "Clear value": "chrome.clear_value",
    "Clear date": "chrome.clear_value",
    "Clear selection": "chrome.clear_value",
    "Show password": "chrome.show_password",
    "Hide password": "chrome.hide_password",
    "Upload": "chrome.upload",
    "Add files": "chrome.add_file",
    "file upload": "chrome.add_file",
    "Browse files": "chrome.upload",
    "Drag and drop file here": "chrome.drop_file",
    "Drag and drop a file here": "chrome.drop_file",
    "Drag and drop files here": "chrome.drop_files",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "chrome.calendar_keys",
    "Previous month": "chrome.previous_month",
    "Next month": "chrome.next_month",
    "Select...": "widget.choose",
    "Choose an option": "widget.choose",
    "Choose options": "widget.choose_many",
    "No options to select.": "chrome.no_options",
    "No results": "chrome.no_results",
    "Select all": "chrome.select_all",
    "Show suggestions": "chrome.show_suggestions",
    "Multiselect options": "chrome.options",
    "Selectbox options": "chrome.options",
    "Running...": "chrome.running",
    "View less": "chrome.view_less",
    "Copy to clipboard": "chrome.copy",
    "Scrollable table": "chrome.scrollable_table",
    "Sort ascending": "chrome.sort_ascending",
    "Sort descending": "chrome.sort_descending",
    "Hide column": "chrome.hide_column",
    "Pin column": "chrome.pin_column",
    "Unpin column": "chrome.unpin_column",
    "Copy column name": "chrome.copy_column_name",
    "Dataframe column menu": "chrome.column_menu",
    "Previous page": "chrome.previous_page",
    "Next page": "chrome.next_page",
    "Page not found": "chrome.page_not_found",
    "Connection timed out.": "chrome.connection_lost",
    "Connection closed": "chrome.connection_lost",
}
# Streamlit's texts with the app's words inside: (pattern of the whole text, key, name of the part).
_SHAPED = [
    (r"^Help for (.+)$", "chrome.help_for", "label"),
    (r"^Remove (.+)$", "chrome.remove", "label"),
    (r"^View (\d+) more$", "chrome.view_more", "count"),
    # The parts of a date field, drawn in en-US whatever the browser's language.
    (r"^day, (.+)$", "chrome.day_of", "label"),
    (r"^month, (.+)$", "chrome.month_of", "label"),
    (r"^year, (.+)$", "chrome.year_of", "label"),
    (r"^hour, (.+)$", "chrome.hour_of", "label"),
]
# Placeholders of the date field's parts (visible while a part is empty).
_DATE_PARTS = {"dd": "chrome.day_placeholder", "mm": "chrome.month_placeholder",
               "yyyy": "chrome.year_placeholder"}

_SCRIPT = """<script>
(() => {
  const chrome = %(chrome)s;
  document.documentElement.lang = chrome.lang;
  if (window.suiviChrome) { window.suiviChrome(document.body); return; }
  for (const name of ['language', 'languages']) {
    Object.defineProperty(Navigator.prototype, name, {configurable: true,
      get: () => name === 'language' ? chrome.locale : [chrome.locale, chrome.lang]});
  }
  const shaped = chrome.shaped.map(([source, french, part]) => [new RegExp(source), french, part]);
  const french = (text) => {
    const whole = text.trim();
    if (Object.hasOwn(chrome.exact, whole)) return chrome.exact[whole];
    for (const [pattern, template, part] of shaped) {
      const found = whole.match(pattern);
      if (found) return template.replace('{' + part + '}', found[1]);
    }
    return null;
  };
  // A month part's spoken value, « 12 – December »: the month named in French.
  const months = Array.from({length: 12}, (_, i) => [
    new Intl.DateTimeFormat('en-US', {month: 'long'}).format(new Date(2000, i, 1)),
    new Intl.DateTimeFormat(chrome.locale, {month: 'long'}).format(new Date(2000, i, 1))]);
  const spoken = (value) => {
    if (value === 'Empty') return chrome.empty;
    const found = value.match(/^(\\d+) – ([A-Z][a-z]+)$/);
    const month = found && months.find(([english]) => english === found[2]);
    return month ? found[1] + ' – ' + month[1] : null;
  };
  const units = {B: 'o', KB: 'ko', MB: 'Mo', GB: 'Go'};
  const sizes = (text) => text
    .replace(/(\\d+(?:\\.\\d+)?)\\s?(B|KB|MB|GB)\\b/g, (all, n, unit) => n.replace('.', ',') + '\\u00a0' + units[unit])
    .replace(/ per file\\b/, ' ' + chrome.perFile);
  const ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt', 'aria-valuetext'];
  // Where people's words are drawn as options: their names stay as typed.
  const PEOPLES = '[role="option"], [role="listbox"]';
  // The only places whose visible text is Streamlit's own.
  const OWN_TEXT = '[data-testid="stSkipToContent"], [data-testid="stFileUploaderDropzone"] button, ' +
                   '[data-testid="stDateInputCalendar"], ' +
                   '[data-testid="stFileUploaderDropzoneInstructions"], [data-testid="stStatusWidget"], ' +
                   '[data-testid="stElementToolbar"], [role="tooltip"]';
  const SIZES = '[data-testid="stFileUploaderDropzoneInstructions"], [data-testid="stFileChip"]';
  const element = (el) => {
    if (el.closest(PEOPLES)) return;
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      if (!value) continue;
      let translated = name === 'aria-valuetext' ? spoken(value) : french(value);
      // A chosen file's name, then its size: only the size is Streamlit's.
      if (translated === null && name === 'aria-label' && el.matches('[data-testid="stFileChip"]')) {
        const cut = value.lastIndexOf(', ');
        translated = cut < 0 ? null : value.slice(0, cut + 2) + sizes(value.slice(cut + 2));
      }
      // A widget's screen-reader name is its label's Markdown source: read it as shown, without
      // the escapes that keep people's words inert (lib/ui md).
      if (translated === null && name === 'aria-label' && /\\\\|:color\\[/.test(value)) {
        translated = value.replace(/:color\\[([^\\]]*)\\]\\{\\}/g, '$1').replace(/\\\\(.)/g, '$1');
      }
      if (translated !== null && translated !== value) el.setAttribute(name, translated);
    }
  };
  const textNode = (node) => {
    const parent = node.parentElement;
    const value = node.nodeValue;
    if (!parent || !value || !value.trim()) return;
    let translated = null;
    if (parent.closest('[role="spinbutton"]')) translated = chrome.dateParts[value] ?? null;
    else if (parent.closest(OWN_TEXT)) translated = french(value);
    if (translated === null && parent.closest(SIZES) && !parent.closest('[data-testid="stFileChipName"]')) {
      translated = sizes(value);
    }
    if (translated !== null && translated !== value) node.nodeValue = translated;
  };
  // The sectioned menu puts each section in a div inside its ul, which is not a list: the
  // ul becomes a frame and each section the list of its pages, named by its heading.
  const menu = () => {
    for (const items of document.querySelectorAll('ul[data-testid="stSidebarNavItems"]')) {
      if (items.getAttribute('role') !== 'none') items.setAttribute('role', 'none');
      for (const section of items.querySelectorAll(':scope > div')) {
        if (section.getAttribute('role') === 'list') continue;
        section.setAttribute('role', 'list');
        const heading = section.querySelector('[data-testid="stNavSectionHeader"]');
        if (heading) section.setAttribute('aria-label', heading.innerText.trim());
      }
    }
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { textNode(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    menu();
    element(root);
    for (const el of root.querySelectorAll('*')) element(el);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) textNode(texts.currentNode);
  };
  window.suiviChrome = walk;
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'attributes') element(change.target);
      else if (change.type === 'characterData') textNode(change.target);
      else for (const node of change.addedNodes) walk(node);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ATTRIBUTES});
  walk(document.body);
})();
</script>"""


def _chrome() -> dict[str, object]:
    """What the script needs, in French from the catalogue."""
    return {
        "lang": LANGUAGE,
        "locale": t("chrome.locale"),
        "exact": {english: t(key) for english, key in _EXACT.items()},
        "shaped": [[pattern, t(key, **{part: "{" + part + "}"}), part] for pattern, key, part in _SHAPED],
        "perFile": t("chrome.per_file"),
        "empty": t("chrome.empty"),
        "dateParts": {english: t(key) for english, key in _DATE_PARTS.items()},
    }


@functools.cache
def script() -> str:
    """The French interface script, as a <script> element: built once per process (the
    catalogue does not change under it), drawn on every run."""
    # No "<" inside the script: Streamlit empties an html element whose script holds markup.
    return _SCRIPT % {"chrome": json.dumps(_chrome(), ensure_ascii=False).replace("<", "\\u003c")}


def draw() -> None:
    """Put the French interface script on the page (it installs itself once per browser tab
    and translates again what each run draws)."""
    st.html(script(), unsafe_allow_javascript=True)
