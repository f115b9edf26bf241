from sqlmodel import SQLModel

from qingling.db import service_registry
from qingling.tables import PlatformTables


class NotifyModel(SQLModel, registry=service_registry()):
    """Base of every table in the notify database (and of no other service's)."""


tables = PlatformTables.declare(NotifyModel)
