#!/bin/sh
# One role and one database per service, which no other role may connect to: services never
# read each other's tables.
set -eu
for service in identity hazards reports notify; do
  password=$(printenv "QL_DB_PASSWORD_$(echo "$service" | tr a-z A-Z)")
  psql -v ON_ERROR_STOP=1 -U postgres <<SQL
CREATE ROLE $service LOGIN PASSWORD '$password';
CREATE DATABASE $service OWNER $service;
REVOKE ALL ON DATABASE $service FROM PUBLIC;
SQL
done
