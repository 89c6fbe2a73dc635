"""One module per subcommand, each with add_arguments(parser) and run(args) -> int."""

# The order db.config.resolve_db_url follows, said once for every subcommand's --db.
DB_DEFAULT = "$GRIDCOMMAND_DB, then [database] url in settings.toml, then the local SQLite file"
DB_HELP = f"database URL (default: {DB_DEFAULT})"
