"""Saved HTML pages of a "Who is hiring?" thread (news.ycombinator.com/item?id=...),
read into the same comment hits the Algolia API gives, so one parser serves
both. The scrape reads Algolia; this is for ``jobmarket parse --source hn
page.html`` on archived threads (the 2012 and 2015 layouts are covered).

A comment row carries its depth as the width of the indent spacer image
(``<img src="s.gif" width="0">`` top level, 40 per level below); its id is the
``item?id=`` link in its header; its text is ``span.comment`` (the 2015 layout
wraps it in ``span.c00`` and appends a ``reply`` link, dropped here). Dates are
relative ("293 days ago") and left out.
"""

from __future__ import annotations

import re
from typing import Any

_ITEM = re.compile(r"item\?id=(\d+)")


def looks_like_html(body: bytes | str) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith(b"<" if isinstance(head, bytes) else "<")


def html_hits(body: bytes | str) -> list[dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "lxml")
    story_id = None
    for sel in ("span.score", "td.subtext a[href^='item?id=']", "td.title a[href^='item?id=']"):
        el = soup.select_one(sel)
        m = _ITEM.search(el.get("href") or "") if el is not None and el.name == "a" else None
        if el is not None and el.name == "span" and (el.get("id") or "").startswith("score_"):
            story_id = el["id"].split("_", 1)[1]
        elif m:
            story_id = m.group(1)
        if story_id:
            break
    hits: list[dict[str, Any]] = []
    parents: list[str] = []  # the comment open at each depth, for replies' parent ids
    for text in soup.select("span.comment"):
        row = text.find_parent("tr")
        head = row.select_one("span.comhead") if row else None
        link = head.find("a", href=_ITEM) if head else None
        if link is None:
            continue
        comment_id = _ITEM.search(link["href"]).group(1)
        spacer = row.find("img", src=re.compile(r"s\.gif$"))
        try:
            depth = int(spacer.get("width") or 0) // 40 if spacer else 0
        except ValueError:
            depth = 0
        del parents[depth:]
        parent = parents[-1] if parents else story_id
        parents.append(comment_id)
        inner = text.find("span", class_=re.compile(r"^c[0-9a-f]{2}$|^commtext")) or text.find("font") or text
        for junk in inner.select("div.reply, span.reply"):
            junk.decompose()
        html = inner.decode_contents().strip()
        hits.append({"objectID": comment_id, "parent_id": parent, "story_id": story_id,
                     "comment_text": html, "author": head.find("a").get_text() if head.find("a") else None})
    return hits
