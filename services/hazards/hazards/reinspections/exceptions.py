"""The problems a 回头看 can answer (each with its stable code; ``qingling.errors``)."""

from qingling.errors import Conflict, NotFound, ValidationFailed


class HazardNotClosed(Conflict):
    code, title = "reinspection-hazard-not-closed", "只能对已销号的隐患进行回头看"


class HazardNotMajor(Conflict):
    code, title = "reinspection-hazard-not-major", "回头看只针对已销号的重大事故隐患"


class ReinspectionNotFound(NotFound):
    code, title = "reinspection-not-found", "回头看记录不存在或不在您的管辖范围内"


class BatchRejected(ValidationFailed):
    code, title = "reinspection-batch-rejected", "回头看批量记录中有错误，未保存任何一条；请按提示修改后整批重新提交"
