"""A regency's count of complaints by status is answered from an index (models/complaint.py, migration 0007).

Without it the count read every complaint of the regency from the table (``Bitmap Heap Scan``
on ``regency_id``, then a filter on ``status``): 8.9 ms per count on the benchmark's data.
"""
from __future__ import annotations

from tortoise import connections
from tortoise.transactions import in_transaction

from models import User
from models.enums import ComplaintStatus
from permissions.access import access_for
from permissions.rows import visible
from tests.conftest import registry_for_tests


async def _indexes_of_complaint(conn) -> list[tuple[str, ...]]:
    """The column lists of the complaint table's indexes."""
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT array_agg(a.attname ORDER BY k.n) AS columns FROM pg_index i "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = 'complaint'::regclass GROUP BY i.indexrelid"
        )
        return [tuple(row["columns"]) for row in rows]
    names = await conn.execute_query_dict("SELECT name FROM pragma_index_list('complaint')")
    found = []
    for row in names:
        columns = await conn.execute_query_dict(f"SELECT name FROM pragma_index_info('{row['name']}') ORDER BY seqno")
        found.append(tuple(c["name"] for c in columns))
    return found


async def test_the_complaint_table_has_the_desk_index():
    assert ("regency_id", "status", "created_at") in await _indexes_of_complaint(connections.get("default"))


async def test_a_desks_count_by_status_reads_the_index_not_the_table(world):
    # Given the count a desk shows (complaints(filter: {status: {eq: RECEIVED}}) { totalCount }), as the
    # interpreted path builds it: the caller's rows, then the filter
    staff = await User.get(username="staff.karawang")
    rows = visible(registry_for_tests()["Complaint"], await access_for(staff), "read").filter(status=ComplaintStatus.RECEIVED)
    assert await rows.count() == 3
    sql = rows.count().sql(params_inline=True)
    # When the database plans it (PostgreSQL told to avoid the table, as it does once it holds many rows)
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        async with in_transaction() as tx:
            await tx.execute_script("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
            plan = " ".join(row["QUERY PLAN"] for row in await tx.execute_query_dict("EXPLAIN " + sql))
        # Then the complaints are counted from the desk index alone
        assert "Index Only Scan using idx_complaint_regency_" in plan, plan
    else:
        plan = " ".join(str(row["detail"]) for row in await conn.execute_query_dict("EXPLAIN QUERY PLAN " + sql))
        assert "COVERING INDEX" in plan and "regency_id=? AND status=?" in plan, plan
