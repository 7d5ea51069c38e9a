"""Personio career sites (``https://<company>.jobs.personio.de``).

Endpoint: ``GET https://{company}.jobs.personio.de/xml`` returns the
company's public XML feed, every published position in one response::

    <workzag-jobs>
      <position>
        <id/> <subcompany/> <office/> <additionalOffices><office/>...</additionalOffices>
        <department/> <recruitingCategory/> <name/>
        <jobDescriptions><jobDescription><name/><value>HTML</value></jobDescription>...</jobDescriptions>
        <employmentType/> <seniority/> <schedule/> <yearsOfExperience/> <createdAt/>
      </position>
    </workzag-jobs>

``company`` is the position's ``subcompany`` (the legal entity hiring, e.g.
"Clark Germany GmbH") when given, else the board's display name. The
posting's ``url`` is its public page ``https://{company}.jobs.personio.de/job/{id}``
(where the apply form is: ``apply_url`` null). An office named "Remote" makes
the posting remote. Parsed with entity resolution and network access off.

``base_url`` is a template like Recruitee's: ``https://{board}.jobs.personio.de``,
or a path prefix without ``{board}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    Parsed,
    ParseError,
    RecordRejected,
    clean,
    posting,
    schema_changed,
    to_utc,
)
from jobmarket.text import html_to_text

_TYPES = {"permanent": "Permanent", "intern": "Internship", "trainee": "Trainee", "freelance": "Freelance",
          "temporary": "Temporary", "working_student": "Working student"}


def _text(el) -> str:
    """All the text in an element: ``.text`` alone stops at the first comment,
    processing instruction, entity or child ("Senior <!-- x --> Data Engineer").
    Those nodes' own content is left out (entities are never expanded), the
    text after them is kept."""
    return "" if el is None else _inner_text(el).strip()


def _inner_text(el) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):  # an element; comments, PIs and entities have callables as tags
            parts.append(_inner_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _markup(el) -> str:
    """What an element holds, as text: its CDATA (the feeds' usual form) or
    its text and child elements serialized, when a feed sends the description
    as markup instead."""
    from lxml import etree

    if el is None:
        return ""
    return (el.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in el)


def _position(el) -> dict[str, Any]:
    """One <position> as a plain dict (the form quarantined when it is rejected)."""
    out: dict[str, Any] = {}
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag == "additionalOffices":
            out[tag] = [_text(o) for o in child if isinstance(o.tag, str)]
        elif tag == "jobDescriptions":
            out[tag] = [{"name": _text(d.find("name")), "value": _markup(d.find("value"))}
                        for d in child if isinstance(d.tag, str)]
        elif tag:
            out[tag] = _text(child)
    return out


class PersonioAdapter(Adapter):
    family = "personio"
    default_base_url = "https://{board}.jobs.personio.de"

    def board_url(self, source, board) -> str:
        base = source.base_url
        base = base.replace("{board}", board.token) if "{board}" in base else f"{base}/{quote(board.token)}"
        return f"{base}/xml"

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
        try:
            root = etree.fromstring(body.encode() if isinstance(body, str) else body, parser)
        except etree.XMLSyntaxError as exc:
            raise ParseError(f"{ctx.family}/{ctx.board}: response is not valid XML: {exc}") from exc
        if root.tag != "workzag-jobs":
            raise ParseError(f"{ctx.family}/{ctx.board}: root element is <{root.tag}>, expected <workzag-jobs>")
        positions = [_position(el) for el in root if el.tag == "position"]
        out = Parsed()
        for p in positions:
            out.extend(self.one(p, ctx))
        schema_changed(out, len(positions), ctx)
        return out

    def _one(self, p: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = clean(p.get("id"))
        if not native_id:
            raise RecordRejected("id:missing", {"keys": sorted(p)[:20]})
        title = clean(p.get("name"))
        if not title:
            raise RecordRejected("name:missing", {"id": native_id})
        offices = [clean(p.get("office")), *map(clean, p.get("additionalOffices") or [])]
        offices = list(dict.fromkeys(o for o in offices if o))
        remote = True if any(o.lower() == "remote" for o in offices) else None
        parts = [f"<h3>{clean(d['name']) or ''}</h3>{d['value']}" for d in p.get("jobDescriptions") or []
                 if d.get("value", "").strip()]
        kind = [_TYPES.get(k, k) for k in (clean(p.get("employmentType")), clean(p.get("schedule"))) if k]
        return posting(
            ctx,
            native_id,
            title=title,
            url=f"https://{ctx.board}.jobs.personio.de/job/{quote(native_id)}",
            company=clean(p.get("subcompany")) or ctx.company,
            location="; ".join(offices) or None,
            remote=remote,
            workplace_type="remote" if remote else None,
            department=clean(p.get("department")),
            employment_type=", ".join(kind) or None,
            posted_at=to_utc(p.get("createdAt")),
            description=html_to_text("\n".join(parts)) if parts else None,
        )
