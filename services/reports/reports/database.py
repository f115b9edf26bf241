from sqlmodel import SQLModel

from qingling.db import service_registry
from qingling.tables import PlatformTables


class ReportsModel(SQLModel, registry=service_registry()):
    """Base of every table in the reports database (and of no other service's)."""


tables = PlatformTables.declare(ReportsModel)
