PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER);
CREATE TABLE "todos__crsql_pks" (__crsql_key INTEGER PRIMARY KEY, "id" BLOB, __corro_pk BLOB NOT NULL);
CREATE UNIQUE INDEX "todos__crsql_pks_pks" ON "todos__crsql_pks" ("id");
CREATE TABLE "todos__crsql_clock" (key INTEGER NOT NULL, col_name TEXT NOT NULL, col_version INTEGER NOT NULL, db_version INTEGER NOT NULL, site_id INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, PRIMARY KEY (key, col_name)) WITHOUT ROWID, STRICT;
CREATE INDEX "todos__crsql_clock_dbv_idx" ON "todos__crsql_clock" (site_id, db_version);
.timer on
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 49999) INSERT INTO todos SELECT CAST(printf('%08d', i) AS BLOB), 'todo number ' || i, NULL FROM n;
INSERT INTO todos__crsql_pks (id, __corro_pk) SELECT id, id FROM todos;
-- A row's clock rows in the clock key's order, as the engine writes them: each one appends to the b-tree.
INSERT INTO todos__crsql_clock SELECT p.__crsql_key, c.column2, 1, 1, 0, p.__crsql_key*2+c.column1 FROM todos__crsql_pks p CROSS JOIN (VALUES (1, 'completed_at'), (0, 'title')) c;
COMMIT;
