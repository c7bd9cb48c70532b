"""Every line of SQL: the connection, migrations and one repository per feature."""
