from typing import Literal

from pydantic import Field

from qingling.schemas import Schema, Timestamp

Side = Literal["enterprise", "regulator"]


class EvidenceRead(Schema):
    id: int
    hazard_id: int
    sha256: str = Field(description="原始文件的 SHA-256（十六进制）")
    media_type: str = Field(description="按文件内容识别的类型，如 image/jpeg")
    size: int = Field(description="字节数")
    received_at: Timestamp = Field(description="服务器收到文件的时间")
    uploaded_by: str
    uploader_side: Side = Field(description="enterprise 企业一方；regulator 监管一方")
    filename: str = Field(description="上传时的文件名（仅供显示，不据此判断类型）")
    note: str | None
    gps_latitude: float | None = Field(description="照片 EXIF 中的拍摄位置纬度（WGS-84）")
    gps_longitude: float | None = Field(description="照片 EXIF 中的拍摄位置经度（WGS-84）")
    distance_m: float | None = Field(description="拍摄位置与企业登记位置的距离（米）")
