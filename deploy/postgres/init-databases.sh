#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# one role and one database per service, each owned by its role. A service's role cannot
# connect to another service's database (CONNECT is revoked from PUBLIC).
# Passwords: POSTGRES_<SERVICE>_PASSWORD (compose.yaml). THIDUA_DATABASES overrides the list.
set -eu

for svc in ${THIDUA_DATABASES:-registration review awards notifier portal}; do
    var="POSTGRES_$(echo "$svc" | tr '[:lower:]' '[:upper:]')_PASSWORD"
    password=$(printenv "$var" || true)
    if [ -z "$password" ]; then
        echo "init-databases: $var is not set" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v svc="$svc" -v pw="$password" <<'SQL'
CREATE ROLE :"svc" LOGIN PASSWORD :'pw';
CREATE DATABASE :"svc" OWNER :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
    echo "init-databases: database $svc owned by role $svc"
done
