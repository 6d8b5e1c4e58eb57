-- The quick start's table: every node accepts writes and conflicts merge per column.
CREATE TABLE todos (
id BLOB NOT NULL PRIMARY KEY,
title TEXT NOT NULL DEFAULT '',
completed_at INTEGER
);
