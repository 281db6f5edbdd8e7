"""The journal's exports are built when the button is clicked (a long journal's file takes
seconds, the page must not wait for it): the browser still receives the whole file."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from lib.auth import DEMO_PASSWORD
from lib.journal import EXPORT_HEADER
from tests.e2e.conftest import login, rerun, settle

pytestmark = pytest.mark.browser


def test_sponsor_downloads_the_whole_journal_as_csv_and_excel(live_app, new_page):
    page = new_page()
    login(page, live_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Carnet de bord"))
    counted = page.get_by_text(re.compile(r"^\d+ entrées? · page 1"))
    counted.wait_for()
    total = int(counted.inner_text().split()[0])
    settle(page)
    runs = page.script_runs.requested

    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter en CSV").click()
    # The click does not rerun the page: a rerun would race the file's request and may win.
    assert page.script_runs.requested == runs
    rows = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert rows[0] == EXPORT_HEADER
    assert len(rows) == total + 1

    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter en Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.max_row == total + 1
    assert page.script_runs.requested == runs
