-- PostgreSQL's V5 turns events.object into TEXT; in SQLite it already is. Kept so both schemas share versions.
SELECT 1;
