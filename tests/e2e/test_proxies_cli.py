"""`fund proxies list|search|add`, run for real against a copy of the shared test database,
whose proxy library holds the 674 GMCA unit costs that migration 0006 loads."""

from __future__ import annotations

import shutil

import pytest

from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund

ADD = (
    "proxies add --description 'Hour of volunteering' --unit 'Per hour' --value 12.50"
    " --price-year 2019-20 --licence 'Open Government Licence v3.0'"
    " --reason 'our own evaluation'"
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A copy of the test database that the reading tests share (and never write to)."""
    path = tmp_path_factory.mktemp("proxies") / "fund.duckdb"
    shutil.copyfile(conftest.template().path, path)
    return path


@pytest.fixture
def path(tmp_path):
    copied = tmp_path / "fund.duckdb"
    shutil.copyfile(conftest.template().path, copied)
    return copied


def test_the_list_as_json_gives_every_proxy_with_money_as_decimal_strings(shared):
    document = as_json(fund(shared, "proxies list --json", user="board"))
    assert document["price_year"] == "2024/25"
    assert document["count"] == len(document["proxies"]) == 674
    first = document["proxies"][0]
    # 500.00 × 112.375 (2024/25) / 63.875 (2002/03) = 879.6477… → 879.65
    assert first == {
        "code": "CR1.0",
        "category": "Crime",
        "description": "Anti-social behaviour further action necessary (cost of dealing with incident)",
        "unit": "Per incident",
        "value": "500.00",
        "agency": "Police (Local authority)",
        "price_year": "2002/03",
        "restated": "879.65",
        "source": "GMCA Unit Cost Database v1.4 (New Economy Manchester)",
        "licence": "Creative Commons (via GO Lab, Oxford University)",
    }


def test_the_list_restates_to_the_price_year_asked_for(shared):
    document = as_json(fund(shared, "proxies list --price-year 2013/14 --json", user="auditor"))
    # 500.00 × 82.175 (2013/14) / 63.875 (2002/03) = 643.2485… → 643.25
    assert (document["price_year"], document["proxies"][0]["restated"]) == ("2013/14", "643.25")


def test_a_search_shows_a_table_of_the_proxies_it_finds(shared):
    lines = fund(shared, "proxies search 'anti-social'").stdout.splitlines()
    header, _, *rows, footer = lines
    for heading in ("Code", "Description", "Unit", "Value", "Price year", "Restated"):
        assert heading in header
    assert [row.split()[0] for row in rows] == ["CR1.0", "CR1.1", "CR1.2"]
    assert rows[0].split()[-3:] == ["£500.00", "2002/03", "£879.65"]
    assert footer == "3 proxies; restated to 2024/25 prices with the ONS GDP deflator."


def test_a_search_that_finds_nothing_says_so(shared):
    assert fund(shared, "proxies search 'no such thing'").stdout == "(nothing to show)\n"


def test_a_fund_manager_adds_a_proxy_and_finds_it(path):
    said = fund(path, ADD + " --source 'Volunteer survey 2020' --key v-1").stdout
    assert said == "Proxy U1 added: Hour of volunteering (Per hour), £12.50 at 2019/20 prices.\n"
    (found,) = as_json(fund(path, "proxies search u1 --json"))["proxies"]
    assert (found["value"], found["price_year"], found["source"]) == (
        "12.50",
        "2019/20",
        "Volunteer survey 2020",
    )
    again = fund(path, ADD + " --source 'Volunteer survey 2020' --key v-1 --json")
    assert as_json(again)["replayed"] is True


def test_a_negative_value_is_a_disbenefit_and_is_taken(path):
    said = fund(path, ADD.replace("12.50", "-4.00") + " --source 'Survey' --code NB1").stdout
    assert said.startswith("Proxy NB1 added: Hour of volunteering (Per hour), -£4.00 at 2019/20")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", "error: source: is required: a proxy without a source cannot be checked"),
        (
            " --source 'HACT Social Value Bank'",
            "error: source: HACT Social Value Bank values may not be stored: their licence forbids it",
        ),
        (
            " --source 'Survey' --code CR1.0",
            "error: code: CR1.0 is already in the proxy library; choose another",
        ),
    ],
    ids=["no-source", "hact", "taken-code"],
)
def test_a_proxy_that_cannot_be_checked_is_refused_in_one_line(shared, extra, message):
    before = counts(shared)
    refused = fund(shared, ADD + extra, expect=1)
    assert refused.stderr.splitlines() == [message]
    assert refused.stdout == ""
    assert counts(shared) == before


def test_an_auditor_may_not_add_a_proxy(shared):
    refused = fund(shared, ADD + " --source 'Survey'", user="auditor", expect=1)
    assert refused.stderr == (
        "error: user: auditor is not permitted to edit impact maps and the proxy library\n"
    )


def test_a_price_year_the_deflator_does_not_cover_is_refused(shared):
    refused = fund(shared, "proxies list --price-year 2031/32", expect=1)
    assert refused.stderr.startswith("error: price year: 2031/32 is not covered: ")
