from hazards.database import HazardsModel
from qingling.holidays import HolidayArrangementBase


class HolidayArrangement(HolidayArrangementBase, HazardsModel, table=True):
    """One year's official holiday arrangement, as the national-level administrator loaded it. The
    service's working-day calendar; the other services keep copies fed by events."""

    __tablename__ = "holiday_arrangement"
