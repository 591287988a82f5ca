"""full-text search of the archive, and the index its pages sort by

Revision ID: 0003
Revises: 0002

SQLite: an FTS5 table kept by triggers (unicode61, accents folded). It is
contentless: the items table already holds the text, an index need not hold
it twice. PostgreSQL: a tsvector per item in items_fts (GIN), kept by a
trigger; accents are folded by veille_fold(), a plain IMMUTABLE translate(),
because the unaccent extension needs a superuser to install and is not
IMMUTABLE, so it could not be used in an index anyway.

Stemming is not done in the index on either side: store/search.py expands each
query word into its French and English Snowball stems as prefixes, so the two
databases answer the same query with the same items.

Both objects are named items_fts* / ix_search_*: store.search.include_name
hides them from Alembic's autogenerate, which does not know FTS tables.

Careful: a SQLite migration that rebuilds `items` (batch_alter_table) drops its
triggers; such a migration must recreate them (SQLITE_TRIGGERS below). A test
checks the triggers exist at head.
"""
import unicodedata

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# What the index holds: the staff's rewritten title and summary too, so a
# search finds an item by the words the public sees.
_COLUMNS = {
    "title": "coalesce({r}.editor_title, '') || ' ' || {r}.title",
    "summary": "coalesce({r}.editor_summary, '') || ' ' || {r}.summary",
    "text": "{r}.text",
}


def _sqlite_values(row: str) -> str:
    # unicode61 folds accents but not the œ/æ ligatures, which French uses.
    return ", ".join(
        f"replace(replace(replace(replace({expr.format(r=row)}, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')"
        for expr in _COLUMNS.values()
    )


SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "title, summary, text, content='', tokenize='unicode61 remove_diacritics 2')"
)
_INSERT_NEW = f"INSERT INTO items_fts(rowid, title, summary, text) VALUES (new.id, {_sqlite_values('new')});"
# A contentless table forgets a row only when given the very values it indexed.
_DELETE_OLD = (
    f"INSERT INTO items_fts(items_fts, rowid, title, summary, text) VALUES ('delete', old.id, {_sqlite_values('old')});"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN {_DELETE_OLD} END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, text, editor_title, editor_summary "
    f"ON items BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
)


def _fold_map() -> tuple[str, str]:
    """Every accented Latin letter (both cases: lower() ignores them under the C locale) → its base."""
    src, dst = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if char != base and base.isascii() and base.isalpha():
            src.append(char)
            dst.append(base)
    return "".join(src), "".join(dst)


def _postgres_statements() -> list[str]:
    src, dst = _fold_map()
    fields = {name: expr.format(r="NEW") for name, expr in _COLUMNS.items()}
    return [
        f"""CREATE FUNCTION veille_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT replace(replace(replace(replace(lower(translate(coalesce(t, ''), '{src}', '{dst}')),
                   'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae')
        $$""",
        # tsvector has a 1 MB ceiling: very long pages are indexed on their first 200,000 characters.
        """CREATE FUNCTION veille_document(title text, summary text, body text) RETURNS tsvector
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT setweight(to_tsvector('simple', veille_fold(title)), 'A')
                || setweight(to_tsvector('simple', veille_fold(summary)), 'B')
                || setweight(to_tsvector('simple', veille_fold(left(body, 200000))), 'C')
        $$""",
        "CREATE TABLE items_fts (item_id integer PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, "
        "document tsvector NOT NULL)",
        f"""CREATE FUNCTION veille_items_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO items_fts(item_id, document)
              VALUES (NEW.id, veille_document({fields['title']}, {fields['summary']}, {fields['text']}))
              ON CONFLICT (item_id) DO UPDATE SET document = EXCLUDED.document;
              RETURN NULL;
            END
        $$""",
        "CREATE TRIGGER items_fts_sync AFTER INSERT OR UPDATE OF title, summary, text, editor_title, "
        "editor_summary ON items FOR EACH ROW EXECUTE FUNCTION veille_items_fts_sync()",
        "INSERT INTO items_fts(item_id, document) SELECT id, veille_document("
        + ", ".join(expr.format(r="items") for expr in _COLUMNS.values()) + ") FROM items",
        "CREATE INDEX items_fts_document ON items_fts USING gin (document)",
    ]


# The public archive lists accepted items newest first: this index walks them in order.
_DATE_INDEX = "CREATE INDEX ix_search_items_status_date ON items (status, coalesce(published, collected), id)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute(
            f"INSERT INTO items_fts(rowid, title, summary, text) SELECT id, {_sqlite_values('items')} FROM items"
        )
    else:
        for statement in _postgres_statements():
            op.execute(statement)
    op.execute(_DATE_INDEX)


def downgrade() -> None:
    op.execute("DROP INDEX ix_search_items_status_date")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("items_fts_insert", "items_fts_delete", "items_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE items_fts")
    else:
        op.execute("DROP TRIGGER items_fts_sync ON items")
        op.execute("DROP FUNCTION veille_items_fts_sync()")
        op.execute("DROP TABLE items_fts")
        op.execute("DROP FUNCTION veille_document(text, text, text)")
        op.execute("DROP FUNCTION veille_fold(text)")
