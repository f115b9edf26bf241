from qingling.migrations import run_migrations
from reports.main import service

run_migrations(service)
