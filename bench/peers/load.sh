#!/usr/bin/env bash
# Put Simpul on the peers' data (adapted copy of the peers' peers/simpul/load.sh; see bench/peers/README.md).
# Database $SIMPUL_DB (default simpul_peer, owner role peer), Simpul's own migrations, then the rows of
# peer_data copied in with the same ids, codes, tracking codes, timestamps and order (enum values of the
# peer data that Simpul does not have are mapped, see below), sequences set, the declared policy synced and
# Simpul's demo accounts created with Simpul's own seed code.
#
# What changed from the peers' copy (the data mapping and the fingerprints are unchanged):
#   - migrations: `python -m server.manage migrate` (was core.manage; kept as a fallback for old checkouts);
#   - policy + accounts: permissions.defaults.sync_default_policy(assemble()) then seeds.users.seed_users()
#     (was permissions.management.load_default_policy_if_empty + seeds.cli.run_connected; kept as a fallback);
#   - a re-run forgets the seeded demo accounts in seed_record (the TRUNCATE empties user_account, and
#     seeds/sync.py does not recreate a seeded row that was deleted), so they are created again;
#   - FORCE_DROP=1 drops with (FORCE), in case a server of an earlier run still holds a connection.
#
# Needs: the peers' ./setup.sh done (peer_data loaded), a Simpul checkout with its venv ($SIMPUL_REPO/.venv).
set -euo pipefail
REPO=${SIMPUL_REPO:?set SIMPUL_REPO to a Simpul checkout with its .venv (python3.11 -m venv .venv && .venv/bin/pip install -e .)}
DB=${SIMPUL_DB:-simpul_peer}
export PGPASSWORD=peer
URL="postgres://peer:peer@127.0.0.1:5432/$DB"
SRC="psql -h 127.0.0.1 -U peer -d peer_data -v ON_ERROR_STOP=1 -Atq"
DST="psql -h 127.0.0.1 -U peer -d $DB -v ON_ERROR_STOP=1 -Atq"
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -Atq $*"; }

[ -x "$REPO/.venv/bin/python" ] || { echo "no venv at $REPO/.venv (python3.11 -m venv .venv && .venv/bin/pip install -e .)" >&2; exit 1; }
if [ "${FORCE_DROP:-0}" = 1 ]; then psql_su "-c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'"; fi
[ "$(psql_su "-c \"select 1 from pg_database where datname='$DB'\"")" = 1 ] || psql_su "-c 'CREATE DATABASE $DB OWNER peer'"

# 1. Simpul's schema, by Simpul's own migration command (Tortoise migrations in migrations/).
MANAGE=server.manage; [ -f "$REPO/server/manage.py" ] || MANAGE=core.manage
( cd "$REPO" && DATABASE_URL="$URL" PLATFORM_ENV=production SECRET_KEY=migrate-only .venv/bin/python -m $MANAGE migrate )

# 2. Copy the rows. Column mapping (peer_data -> Simpul):
#   regency  (id, code, name, kind, province)            + is_provider = (code = '36.71', Kota Tangerang)
#   app      (id, name, slug, category*, description, owner_unit, status, launched_on) + platform WEB, url NULL
#            *category: KESEHATAN->HEALTH PENDIDIKAN->EDUCATION PERIZINAN->PUBLIC_SERVICE
#                       KEPENDUDUKAN->E_GOVERNMENT KEUANGAN->ECONOMY TRANSPORTASI->TRANSPORT
#   agreement(id, number, kind, regency_id, parent_id, title, signed_on, status)  + provider_id = 36.71's id,
#            signatories '', valid_until NULL (statuses ACTIVE/EXPIRED/DRAFT exist in both)
#   agreement_app (agreement_id, app_id)
#   complaint(id, tracking_code, regency_id, app_id, title, body, category*, reporter_name, reporter_contact,
#            status, created_at, updated_at) + resolved_at NULL, due_at NULL
#            *category: AKSES->COMPLAINT DATA->INFORMATION_REQUEST KINERJA->COMPLAINT LAINNYA->ASPIRATION
$DST -c "TRUNCATE complaint, agreement_app, agreement, app, regency RESTART IDENTITY CASCADE"
# The demo accounts went with user_account (CASCADE): let the seeds create them again.
$DST -c "DO \$\$BEGIN IF to_regclass('seed_record') IS NOT NULL THEN DELETE FROM seed_record WHERE model = 'User'; END IF; END\$\$"
copy() {  # select-on-peer_data  target-table(columns)
  $SRC -c "\\copy ($1) TO STDOUT" | $DST -c "\\copy $2 FROM STDIN"
}
copy "SELECT id, code, name, kind, province, code = '36.71' FROM regency ORDER BY id" \
     "regency(id, code, name, kind, province, is_provider)"
copy "SELECT id, name, slug, CASE category WHEN 'KESEHATAN' THEN 'HEALTH' WHEN 'PENDIDIKAN' THEN 'EDUCATION'
        WHEN 'PERIZINAN' THEN 'PUBLIC_SERVICE' WHEN 'KEPENDUDUKAN' THEN 'E_GOVERNMENT' WHEN 'KEUANGAN' THEN 'ECONOMY'
        WHEN 'TRANSPORTASI' THEN 'TRANSPORT' END, description, owner_unit, 'WEB', status, NULL, launched_on
      FROM app ORDER BY id" \
     "app(id, name, slug, category, description, owner_unit, platform, status, url, launched_on)"
copy "SELECT a.id, a.number, a.kind, a.title, a.regency_id, (SELECT r.id FROM regency r WHERE r.code = '36.71'),
        a.parent_id, '', a.signed_on, NULL, a.status FROM agreement a ORDER BY a.id" \
     "agreement(id, number, kind, title, regency_id, provider_id, parent_id, signatories, signed_on, valid_until, status)"
copy "SELECT agreement_id, app_id FROM agreement_app ORDER BY agreement_id, app_id" \
     "agreement_app(agreement_id, app_id)"
copy "SELECT id, tracking_code, regency_id, app_id, title, body, CASE category WHEN 'AKSES' THEN 'COMPLAINT'
        WHEN 'DATA' THEN 'INFORMATION_REQUEST' WHEN 'KINERJA' THEN 'COMPLAINT' WHEN 'LAINNYA' THEN 'ASPIRATION' END,
        reporter_name, reporter_contact, status, created_at, updated_at, NULL, NULL FROM complaint ORDER BY id" \
     "complaint(id, tracking_code, regency_id, app_id, title, body, category, reporter_name, reporter_contact, status, created_at, updated_at, resolved_at, due_at)"
for t in regency app agreement complaint; do
  $DST -c "SELECT setval(pg_get_serial_sequence('$t', 'id'), (SELECT max(id) FROM $t))" >/dev/null
done
$DST -c "ANALYZE regency, app, agreement, agreement_app, complaint"

# 3. The declared policy + Simpul's demo accounts (kominfo = kominfo_admin in *, staff.karawang = regency_staff
#    in 32.15, staff.bekasi in 32.16; password demo-password), by Simpul's own seed functions: the same
#    two steps `python -m server.manage seed --demo` starts with (seeds/runner.py), without its demo world.
( cd "$REPO" && DATABASE_URL="$URL" PLATFORM_ENV=production SECRET_KEY=seed-only .venv/bin/python -c '
import asyncio, os
from core.database import connect, disconnect
try:  # the current tree: grants declared in the models, synced by permissions/defaults.py
    from server.assembly import assemble
    from permissions.defaults import sync_default_policy
    registry = assemble()
    async def policy():
        result = await sync_default_policy(registry)
        return f"{len(result.added)} added, {len(result.kept_removed)} kept removed"
except ImportError:  # checkouts before server/ (e.g. 8d21833)
    from permissions.management import load_default_policy_if_empty as policy
from seeds.users import seed_users
async def main():
    await connect(os.environ["DATABASE_URL"])
    try:
        print("policy rules:", await policy())
        print("demo accounts:", await seed_users())
    finally:
        await disconnect()
asyncio.run(main())' )

# 4. Fingerprints: the same md5 over the compared columns on both sides.
FP="SELECT md5(string_agg(concat_ws('|', c.id, c.tracking_code, c.title, c.status, c.created_at, c.updated_at,
      c.regency_id, c.app_id, c.body, c.reporter_name, c.reporter_contact), '#' ORDER BY c.id)) FROM complaint c"
fp_src=$($SRC -c "SET TimeZone='UTC'; $FP" | tail -1); fp_dst=$($DST -c "SET TimeZone='UTC'; $FP" | tail -1)
echo "complaint fingerprint peer_data: $fp_src"
echo "complaint fingerprint $DB: $fp_dst"
RFP="SELECT (SELECT md5(string_agg(concat_ws('|', id, code, name, kind, province), '#' ORDER BY id)) FROM regency) || ' ' ||
      (SELECT md5(string_agg(concat_ws('|', id, name, slug, description, owner_unit, status, launched_on), '#' ORDER BY id)) FROM app) || ' ' ||
      (SELECT md5(string_agg(concat_ws('|', id, number, kind, regency_id, parent_id, title, signed_on, status), '#' ORDER BY id)) FROM agreement) || ' ' ||
      (SELECT md5(string_agg(concat_ws('|', agreement_id, app_id), '#' ORDER BY agreement_id, app_id)) FROM agreement_app)"
rfp_src=$($SRC -c "$RFP"); rfp_dst=$($DST -c "$RFP")
echo "regency/app/agreement/agreement_app fingerprints peer_data: $rfp_src"
echo "regency/app/agreement/agreement_app fingerprints $DB: $rfp_dst"
$DST -c "select 'regency='||(select count(*) from regency)||' app='||(select count(*) from app)||' agreement='||(select count(*) from agreement)||' agreement_app='||(select count(*) from agreement_app)||' complaint='||(select count(*) from complaint)||' users='||(select count(*) from user_account)||' casbin_rule='||(select count(*) from casbin_rule)"
if [ "$fp_src" != "$fp_dst" ] || [ "$rfp_src" != "$rfp_dst" ]; then echo "FINGERPRINTS DIFFER: $DB is not a faithful copy of peer_data" >&2; exit 1; fi
echo "load done ($DB): fingerprints equal"
