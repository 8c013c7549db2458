# A throwaway PostgreSQL server for the storage tests, sourced by .ci/run.
#
# start_postgres starts one on 127.0.0.1 (a free port, trust authentication, data in a temp
# folder) and exports STREAMBOT_TEST_POSTGRES_URL; stop_postgres stops it and deletes the folder.
# Where PostgreSQL is missing and cannot be installed, or does not start, start_postgres says so
# in one line and returns 0: the PostgreSQL tests are then skipped, the rest still run.

PG_DATABASE=streambot_test
PG_INSTALL_TIMEOUT=300
PG_SKIPPED="the PostgreSQL storage tests will be skipped"
pg_bin=""
pg_user=""
pg_tmp=""

# The folder holding initdb, pg_ctl and createdb: found on PATH, in /usr/local/bin, or in
# Debian's newest /usr/lib/postgresql/<version>/bin.
find_postgres() {
    local on_path candidate
    on_path=$(command -v pg_ctl || true)
    for candidate in ${on_path:+"$(dirname "$on_path")"} /usr/local/bin \
        $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
            # /usr/local/bin may hold links to a few of them only: use the folder they are in.
            pg_bin=$(dirname "$(readlink -f "$candidate/pg_ctl")")
            return 0
        fi
    done
    return 1
}

install_postgres() {
    [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
    echo "Installing PostgreSQL with apt-get (at most ${PG_INSTALL_TIMEOUT}s)..."
    export DEBIAN_FRONTEND=noninteractive
    timeout "$PG_INSTALL_TIMEOUT" apt-get install -y -q postgresql >/dev/null 2>&1 ||
        { timeout "$PG_INSTALL_TIMEOUT" apt-get update -q >/dev/null 2>&1 &&
            timeout "$PG_INSTALL_TIMEOUT" apt-get install -y -q postgresql >/dev/null 2>&1; }
}

# PostgreSQL refuses to run as root: as root, run its commands as the postgres user (created
# if missing).
as_pg_user() {
    if [[ -z $pg_user ]]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u "$pg_user" -- "$@"
    else
        su -s /bin/sh "$pg_user" -c '"$0" "$@"' -- "$@"
    fi
}

# A port nothing listens on, as the kernel picks one.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_postgres() {
    if [[ -n ${STREAMBOT_TEST_POSTGRES_URL:-} ]]; then
        echo "The storage tests use the PostgreSQL server in STREAMBOT_TEST_POSTGRES_URL"
        return 0
    fi
    if ! find_postgres && ! { install_postgres && find_postgres; }; then
        echo "PostgreSQL is not available on this machine: $PG_SKIPPED"
        return 0
    fi
    if [[ $(id -u) == 0 ]]; then
        pg_user=postgres
        id -u "$pg_user" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
    fi
    local port
    port=$(free_port)
    pg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/streambot-postgres.XXXXXX")
    [[ -z $pg_user ]] || chown "$pg_user" "$pg_tmp"
    # fsync=off: nothing here must survive a crash, and the tests run faster.
    if as_pg_user "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres --auth=trust --encoding=UTF8 \
        --no-sync >"$pg_tmp/initdb.log" 2>&1 &&
        as_pg_user "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg_tmp -c fsync=off" \
            >/dev/null &&
        as_pg_user "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$PG_DATABASE"; then
        export STREAMBOT_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/$PG_DATABASE"
        echo "PostgreSQL $("$pg_bin/pg_ctl" --version | awk '{print $3}') is running on" \
            "127.0.0.1:$port for the storage tests"
    else
        echo "PostgreSQL did not start ($pg_bin): $PG_SKIPPED. Its log:"
        tail -n 20 "$pg_tmp"/*.log 2>/dev/null || true
        stop_postgres || true
    fi
    return 0
}

# Keeps the exit status it was called with, so a failing `make test` still fails CI.
stop_postgres() {
    local status=$?
    if [[ -n $pg_tmp ]]; then
        if [[ -f $pg_tmp/data/postmaster.pid ]]; then
            as_pg_user "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
        fi
        rm -rf "$pg_tmp"
        pg_tmp=""
    fi
    return "$status"
}
