"""A nested list's arguments are turned into a condition once per field and request, not once per parent row
(schema/types.py), and each field keeps its own arguments."""
from __future__ import annotations

import schema.types

NESTED = """query Desk($status: ComplaintStatus!) {
  regencies(first: 10, orderBy: [{code: ASC}]) { nodes { code
    open: complaints(filter: {status: {ne: CLOSED}}, orderBy: [{trackingCode: DESC}], first: 2) { trackingCode }
    received: complaints(filter: {status: {eq: $status}}, first: 5) { trackingCode }
    ...Newest
  } }
}
fragment Newest on Regency { complaints(first: 1, orderBy: [{trackingCode: DESC}]) { trackingCode } }
"""


async def test_each_nested_field_builds_its_condition_once(off, world, monkeypatch):
    # Given a spy on the real filter conversion
    built: list[object] = []
    real_filter_to_q = schema.types.filter_to_q

    def counting_filter_to_q(*args):
        built.append(args[1])
        return real_filter_to_q(*args)

    monkeypatch.setattr(schema.types, "filter_to_q", counting_filter_to_q)
    # When three regencies' complaints are read through two filtered fields and one without a filter
    body = await off("kominfo")(NESTED, {"status": "RECEIVED"})
    # Then each filtered field built its condition once, whatever the number of regencies
    assert "errors" not in body, body
    regencies = body["data"]["regencies"]["nodes"]
    assert len(regencies) == 3
    assert len(built) == 2
    # And every field answered with its own arguments
    for regency in regencies:
        codes = sorted((c.tracking_code for c in world.complaints.get(regency["code"], [])), reverse=True)
        assert [c["trackingCode"] for c in regency["open"]] == codes[:2]
        assert sorted(c["trackingCode"] for c in regency["received"]) == sorted(codes)
        assert [c["trackingCode"] for c in regency["complaints"]] == codes[:1]
