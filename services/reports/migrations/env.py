from reports.main import service
from qingling.migrations import run_migrations

run_migrations(service)
