PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER);
CREATE TABLE "todos__crsql_pks" (__crsql_key INTEGER PRIMARY KEY, "id" BLOB, __corro_pk BLOB NOT NULL);
CREATE UNIQUE INDEX "todos__crsql_pks_pks" ON "todos__crsql_pks" ("id");
CREATE TABLE "todos__crsql_clock" (key INTEGER NOT NULL, col_name TEXT NOT NULL, col_version INTEGER NOT NULL, db_version INTEGER NOT NULL, site_id INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, PRIMARY KEY (key, col_name)) WITHOUT ROWID, STRICT;
CREATE INDEX "todos__crsql_clock_dbv_idx" ON "todos__crsql_clock" (site_id, db_version);
CREATE TRIGGER "todos__crsql_itrig" AFTER INSERT ON "todos" BEGIN
  INSERT INTO "todos__crsql_pks" ("id", __corro_pk) SELECT NEW."id", NEW."id" WHERE 1 ON CONFLICT DO NOTHING;
  UPDATE "todos__crsql_clock" SET col_version = col_version + 1, db_version = 1, site_id = 0, seq = 0 WHERE key = (SELECT __crsql_key FROM "todos__crsql_pks" WHERE "id" = NEW."id") AND col_name = '-1' AND 1;
  INSERT INTO "todos__crsql_clock" (key, col_name, col_version, db_version, site_id, seq) SELECT __crsql_key, 'title', 1, 1, 0, 0 FROM "todos__crsql_pks" WHERE "id" = NEW."id" AND 1 ON CONFLICT DO UPDATE SET col_version = col_version + 1, db_version = excluded.db_version, site_id = 0, seq = excluded.seq;
  INSERT INTO "todos__crsql_clock" (key, col_name, col_version, db_version, site_id, seq) SELECT __crsql_key, 'completed_at', 1, 1, 0, 1 FROM "todos__crsql_pks" WHERE "id" = NEW."id" AND 1 ON CONFLICT DO UPDATE SET col_version = col_version + 1, db_version = excluded.db_version, site_id = 0, seq = excluded.seq;
END;
.timer on
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 49999) INSERT INTO todos SELECT CAST(printf('%08d', i) AS BLOB), 'todo number ' || i, NULL FROM n;
