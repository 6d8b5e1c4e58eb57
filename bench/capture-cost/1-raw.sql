PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER);
.timer on
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 49999) INSERT INTO todos SELECT CAST(printf('%08d', i) AS BLOB), 'todo number ' || i, NULL FROM n;
