"""A careers URL to the board it names: ``(family, token)``.

The registry and ``jobmarket boards import`` take careers URLs as people
paste them (``https://job-boards.greenhouse.io/stripe``,
``https://acme.wd5.myworkdayjobs.com/External``) and need the family and the
board token the adapter requests with. Pure string work: no network.

Tokens keep the case the URL has, except where the ATS itself treats them as
case-insensitive host names (subdomain families), which are lower-cased.
Workday needs three parts to reach a board (tenant, data centre ``wdN`` and
career site), so its token is ``<tenant>.wdN.<site>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# Families a registry row may name: every family with an adapter, plus the
# families of the shared tenant lists whose adapters may not exist yet.
REGISTRY_FAMILIES = (
    "greenhouse", "lever", "ashby", "smartrecruiters", "workable", "recruitee",
    "workday", "teamtailor", "personio", "bamboohr", "pinpoint", "rippling", "eightfold",
)

_SLUG = r"([A-Za-z0-9][A-Za-z0-9._\-]*)"
_SUB = r"([a-z0-9][a-z0-9\-]*)"

# (family, host regex, path regex); the token is the first group that matched,
# in host then path order. Host patterns are anchored; paths match a prefix.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("greenhouse", r"(?:job-boards|boards)(?:\.eu)?\.greenhouse\.io", rf"/{_SLUG}"),
    ("greenhouse", r"boards-api\.greenhouse\.io", rf"/v1/boards/{_SLUG}"),
    ("lever", r"jobs(?:\.eu)?\.lever\.co", rf"/{_SLUG}"),
    ("lever", r"api(?:\.eu)?\.lever\.co", rf"/v0/postings/{_SLUG}"),
    ("ashby", r"jobs\.ashbyhq\.com", rf"/{_SLUG}"),
    ("ashby", r"api\.ashbyhq\.com", rf"/posting-api/job-board/{_SLUG}"),
    ("smartrecruiters", r"(?:jobs|careers)\.smartrecruiters\.com", rf"/{_SLUG}"),
    ("smartrecruiters", r"api\.smartrecruiters\.com", rf"/v1/companies/{_SLUG}"),
    ("workable", r"apply\.workable\.com", rf"/(?:api/v[0-9]+/(?:widget/)?accounts/)?{_SLUG}"),
    ("rippling", r"ats\.rippling\.com", rf"/{_SLUG}"),
    ("recruitee", rf"{_SUB}\.recruitee\.com", ""),
    ("teamtailor", rf"{_SUB}\.teamtailor\.com", ""),
    ("personio", rf"{_SUB}\.jobs\.personio\.(?:com|de)", ""),
    ("bamboohr", rf"{_SUB}\.bamboohr\.com", ""),
    ("pinpoint", rf"{_SUB}\.pinpointhq\.com", ""),
    ("eightfold", rf"{_SUB}\.eightfold\.ai", ""),
)
_COMPILED = tuple((f, re.compile(rf"^{h}$", re.I), re.compile(rf"^{p}(?:/|$)") if p else None)
                  for f, h, p in _PATTERNS)
_WORKDAY = re.compile(r"^([a-z0-9][a-z0-9\-]*)\.(wd[0-9]+)\.myworkdayjobs\.com$", re.I)
# Paths that name no board even though they sit where a slug would.
_NOT_A_BOARD = frozenset({"", "embed", "api", "v1", "jobs", "careers", "robots.txt", "favicon.ico"})


class UnresolvedURL(ValueError):
    """A URL of no known ATS pattern; the message says what was tried."""


@dataclass(frozen=True)
class BoardRef:
    family: str
    token: str
    careers_url: str


def resolve(url: str) -> BoardRef:
    """The board a careers URL names. Raises :class:`UnresolvedURL`."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    m = _WORKDAY.match(host)
    if m:
        # /<site>, or /<locale>/<site> (e.g. /en-US/External)
        segs = [s for s in path.split("/") if s]
        if segs and re.fullmatch(r"[a-z]{2}-[A-Z]{2}", segs[0]):
            segs = segs[1:]
        if not segs or segs[0] in ("robots.txt", "favicon.ico"):
            raise UnresolvedURL(f"{url}: a Workday host without a career site in the path")
        # The workday adapter's token format (sources/workday.py).
        token = f"{m.group(1).lower()}.{m.group(2).lower()}/{segs[0]}"
        return BoardRef("workday", token, f"https://{host}/{segs[0]}")
    for family, host_re, path_re in _COMPILED:
        hm = host_re.match(host)
        if not hm:
            continue
        if path_re is None:
            token = hm.group(1).lower()
            if token in ("www", "api", "jobs", "app"):
                continue
            if family == "eightfold":
                # The apply API needs the company's domain too: the adapter's
                # token is <tenant>/<domain> (sources/eightfold.py).
                domain = parse_qs(parts.query).get("domain", [""])[0].lower()
                if "." not in domain:
                    raise UnresolvedURL(f"{url}: an Eightfold board needs its ?domain=<company domain>")
                return BoardRef(family, f"{token}/{domain}", f"https://{host}/careers?domain={domain}")
            return BoardRef(family, token, f"https://{host}")
        pm = path_re.match(path)
        if pm and pm.group(1).lower() not in _NOT_A_BOARD:
            token = pm.group(1)
            return BoardRef(family, token, _careers_url(family, token))
    raise UnresolvedURL(f"{url}: no known ATS URL pattern (host {host!r})")


def _careers_url(family: str, token: str) -> str:
    return {
        "greenhouse": f"https://job-boards.greenhouse.io/{token}",
        "lever": f"https://jobs.lever.co/{token}",
        "ashby": f"https://jobs.ashbyhq.com/{token}",
        "smartrecruiters": f"https://jobs.smartrecruiters.com/{token}",
        "workable": f"https://apply.workable.com/{token}",
        "rippling": f"https://ats.rippling.com/{token}/jobs",
    }.get(family, token)


def careers_url(family: str, token: str) -> str:
    """The public careers page of a board (for a registry row that lacks one)."""
    if family == "workday" and "/" in token:
        host, _, site = token.partition("/")
        return f"https://{host}.myworkdayjobs.com/{site}"
    if family == "eightfold" and "/" in token:
        return f"https://{token.partition('/')[0]}.eightfold.ai/careers"
    sub = {"recruitee": "recruitee.com", "teamtailor": "teamtailor.com", "personio": "jobs.personio.com",
           "bamboohr": "bamboohr.com/careers", "pinpoint": "pinpointhq.com", "eightfold": "eightfold.ai"}
    if family in sub:
        host, _, rest = sub[family].partition("/")
        return f"https://{token}.{host}" + (f"/{rest}" if rest else "")
    return _careers_url(family, token)
