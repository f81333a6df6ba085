"""PostgreSQL helpers shared by the suites (a plain module, imported by name)."""
import psycopg2


def empty_schema(url):
    """Drop every table of the database at `url` (cheaper than a new database)."""
    conn = psycopg2.connect(url)
    conn.autocommit = True      # not `with conn`: psycopg2 2.9 opens a transaction there
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.close()
