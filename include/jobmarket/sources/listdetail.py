"""Families that list postings, then fetch one detail per posting for its text
(Workday, BambooHR, SmartRecruiters).

A detail is an *optional* response: when it fails (404 because the posting
closed between the two requests, a 500, a timeout), the board still lands and
the posting keeps its list row, without the detail's text. Nothing is
dropped silently:

* the failed detail stays in the manifest's ``files`` (status, error) and its
  error in the board's ``error`` (hence in ``source_health``), and
* every list page's ``meta.without_detail`` names the postings whose detail
  did not land; the list page yields records for exactly those postings, the
  details for the others (so no posting is counted twice).

Parsed outside a scrape (``jobmarket parse --source FAMILY list.json``), a
list page has no ``meta`` and yields every listed posting.

After ``options.max_detail_failures`` (default 5) failed details in a row the
remaining details are not requested (a host in trouble is not hammered with
thousands of requests); those postings keep their list rows too and the list
page's ``meta.details_skipped`` counts them.
"""

from __future__ import annotations

from jobmarket.sources.base import Adapter, BoardContext, FetchPlan, positive_option

DEFAULT_MAX_DETAIL_FAILURES = 5


def wanted(ctx: BoardContext, posting_key: str) -> bool:
    """Whether a list page yields a record for the posting ``posting_key``."""
    if ctx.meta is None or "without_detail" not in ctx.meta:
        return True
    return posting_key in set(ctx.meta["without_detail"])


class ListDetailAdapter(Adapter):
    """Subclasses implement ``list_pages`` and ``detail_url``."""

    def list_pages(self, client, source, board) -> tuple[list[FetchPlan], list[str]]:
        """The list pages (kind ``list``) and the posting keys they list, in
        order. A failed page ends the listing (its failed result fails the board)."""
        raise NotImplementedError

    def detail_url(self, source, board, posting_key: str) -> str:
        raise NotImplementedError

    def detail_name(self, posting_key: str, n: int) -> str:
        """The raw file name of the ``n``-th detail (keys may hold ``/``: numbered)."""
        return f"detail-{n:05d}"

    def parse_kind(self, kind: str) -> bool:
        return kind in ("list", "detail")

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        conditional = conditional or {}
        pages, keys = self.list_pages(client, source, board)
        if not pages or any(not p.result.ok for p in pages) or source.options.get("details") is False:
            return pages
        max_failures = positive_option(source, "max_detail_failures", DEFAULT_MAX_DETAIL_FAILURES)
        plans = list(pages)
        without: list[str] = []
        skipped = 0
        in_a_row = 0
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                continue
            seen.add(key)
            if max_failures is not None and in_a_row >= max_failures:
                without.append(key)
                skipped += 1
                continue
            url = self.detail_url(source, board, key)
            etag, last_modified, _ = conditional.get(url, (None, None, None))
            result = client.get(url, source=source, etag=etag, last_modified=last_modified)
            plans.append(FetchPlan(name=self.detail_name(key, len(plans) - len(pages) + 1), result=result, kind="detail",
                                   meta={"posting": key, "optional": True}))
            if result.ok or result.not_modified:
                in_a_row = 0
            else:
                without.append(key)
                in_a_row += 1
        for page in pages:
            page.meta["without_detail"] = without
            if skipped:
                page.meta["details_skipped"] = skipped
        if skipped:
            plans.append(FetchPlan(name="details-skipped", kind="other", meta={"optional": True}, result=_note(
                pages[-1].result.url,
                f"{skipped} detail(s) not requested after {max_failures} failures in a row; their list rows kept")))
        return plans


def _note(url: str, error: str):
    from jobmarket.sources.http import FetchResult

    return FetchResult(url=url, error=error)
