"""Every line of SQL: the database handle and its guards (db, sqlite_guard), the schema and
its Alembic migrations, and one repository per feature (store, family, tracking)."""
