"""On SQLite, an index holding what the search counts of every incident it finds.

PostgreSQL has had one since 0004. On SQLite its planner reads a list of ids from the
table by rowid whatever indexes there are, so ``haven.search.facets.facet_rows`` names
this index in its statement (``INDEXED BY``). With a narrative in every row, an incident's
row fills a sixth of a page; this index's entries a hundredth. Reading the columns of
2,243 incidents of 1,000,000 on a new connection (as a request finds its page cache
emptied by other connections' writes) took a median 8.6 ms instead of 10.3 (p90 9.4
instead of 13.6).
"""

from django.db import migrations

from haven.lib.postgresql_only import only_on

CREATE = (
    "CREATE INDEX IF NOT EXISTS incident_facet_columns ON incidents_incident "
    "(id, team_id, deleted_at, start_earliest, location_id)"
)
DROP = "DROP INDEX IF EXISTS incident_facet_columns"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_facet_columns_index_on_postgresql")]
    operations = [only_on("sqlite", CREATE, DROP)]
