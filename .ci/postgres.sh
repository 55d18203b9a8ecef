#!/usr/bin/env bash
# PostgreSQL for the history tests (issue 10): installs the distribution's `postgresql`, starts
# its cluster, creates the role and database the tests use, and prints their URL on stdout:
#   export FACEBENCH_TEST_POSTGRES_URL="$(bash .ci/postgres.sh start)"
#   ...
#   bash .ci/postgres.sh stop
# Each test makes its own schema in that database, so tests run in parallel.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action="${1:-start}"

cluster() {
    # Newest installed version and its first cluster: "VERSION NAME PORT".
    pg_lsclusters --no-header | sort -n | tail -1 | awk '{print $1, $2, $3}'
}

case "$action" in
start)
    bash "$here/apt-install.sh" postgresql >&2
    if [ -z "$(pg_lsclusters --no-header)" ]; then
        version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
        pg_createcluster "$version" main >&2
    fi
    read -r version name port <<<"$(cluster)"
    if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1 == v && $2 == n' | grep -q online; then
        # pg_ctlcluster waits until the server accepts connections.
        pg_ctlcluster "$version" "$name" start >&2
    fi
    su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'facebench') THEN
        CREATE ROLE facebench LOGIN PASSWORD 'facebench';
    END IF;
END $$;
SELECT 'CREATE DATABASE facebench_test OWNER facebench'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'facebench_test')\gexec
SQL
    echo "postgres://facebench:facebench@127.0.0.1:$port/facebench_test"
    ;;
stop)
    read -r version name _ <<<"$(cluster)"
    pg_ctlcluster "$version" "$name" stop >&2 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
