from alembic import context

from qingling.migrations import run_migrations

run_migrations(context.config.attributes["service"])
