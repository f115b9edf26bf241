"""Uploads checked by their content: the type comes from the bytes (never the name), no more than a
type's limit is read, an image is decoded in full and its EXIF GPS position read, and the copy
for the other side carries none of the EXIF (device, time, place) but the same picture."""

import hashlib
import io
from fractions import Fraction

import pikepdf
import pytest
from media_samples import GPS, frames, mov_naming, mp4_naming, pdf_naming
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from qingling.errors import catalogue_for
from qingling.media import (
    MB,
    MEDIA_TYPES,
    MediaTooLarge,
    UnsupportedMedia,
    copy_without_metadata,
    display_name,
    distance_m,
    examine,
    receive,
    without_metadata,
)

# The first bytes of a Windows executable (DOS header and stub), as an .exe starts.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(47) + b"PE\x00\x00" + bytes(400)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Upload:
    """An upload's ``read``, as ``UploadFile.read``: at most ``size`` bytes a call, counting what it served.
    ``length`` longer than ``content`` pads with zeros, made only as far as they are read."""

    def __init__(self, content: bytes, length: int | None = None) -> None:
        self.content, self.length, self.served = content, length or len(content), 0

    async def read(self, size: int) -> bytes:
        end = min(self.served + size, self.length)
        chunk = self.content[self.served : end] + bytes(max(0, end - max(self.served, len(self.content))))
        self.served = end
        return chunk


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return Fraction(degrees), Fraction(minutes), seconds


def _photo(position: tuple[float, float] | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG as a phone takes it: camera make and model, a comment, and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QinglingCam"
    exif[ExifTags.Base.Model] = "Tip-off 1"
    if position is not None:
        latitude, longitude = position
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if latitude >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(abs(latitude))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if longitude >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(abs(longitude))
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(buffer, "JPEG", exif=exif, comment=b"taken on site")
    return buffer.getvalue()


@pytest.mark.parametrize("position", [(30.5416, 119.9668), (-33.8568, 151.2153), (51.4779, -0.0015)])
async def test_a_jpeg_with_exif_gps_yields_its_position_and_digest(position):
    photo = _photo(position)

    kind, content = await receive(Upload(photo).read)
    examined = examine(kind, content)

    assert (kind, content) == (MEDIA_TYPES["image/jpeg"], photo)
    assert examined.sha256 == hashlib.sha256(photo).hexdigest()
    assert examined.position == pytest.approx(position, abs=1e-5)


async def test_a_photo_without_gps_and_a_pdf_have_no_position():
    for content in (_photo(), PDF):
        kind, received = await receive(Upload(content).read)

        assert examine(kind, received).position is None
    assert kind.media_type == "application/pdf"


def test_without_metadata_removes_the_exif_and_keeps_the_picture():
    photo = _photo((30.5416, 119.9668), size=(80, 50))
    assert Image.open(io.BytesIO(photo)).getexif()  # there is EXIF to remove

    copy = Image.open(io.BytesIO(without_metadata(photo, "JPEG")))

    assert (copy.format, copy.size) == ("JPEG", (80, 50))
    assert not copy.getexif()
    assert not {"exif", "comment", "xmp"} & set(copy.info)
    assert copy.getpixel((40, 25)) == pytest.approx((200, 60, 30), abs=3)


def test_without_metadata_drops_png_text_and_keeps_transparency():
    buffer = io.BytesIO()
    picture = Image.new("RGBA", (10, 6), (0, 128, 0, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Tip-off 1"
    picture.save(buffer, "PNG", exif=exif, pnginfo=_text("Location", "30.54,119.97"))

    copy = Image.open(io.BytesIO(without_metadata(buffer.getvalue(), "PNG")))

    assert (copy.format, copy.size, copy.mode) == ("PNG", (10, 6), "RGBA")
    assert not copy.getexif() and "Location" not in copy.info
    assert copy.getpixel((0, 0)) == (0, 128, 0, 100)


def test_a_pdf_copy_has_no_information_dictionary_xmp_or_earlier_revision_and_the_same_page():
    original = pdf_naming("LiXiuying 13912345678", "WPS 33052119900101123X", text="Hazard at gate 2")
    assert original.count(b"LiXiuying") == 3  # /Info, XMP, and the /Info of the revision before

    copy = copy_without_metadata(original, MEDIA_TYPES["application/pdf"])

    assert b"LiXiuying" not in copy and b"13912345678" not in copy and b"33052119900101123X" not in copy
    with pikepdf.open(io.BytesIO(copy)) as document:
        assert set(document.trailer.keys()) == {"/ID", "/Root", "/Size"}
        assert "/Metadata" not in document.Root
        assert document.pages[0].Contents.read_bytes().endswith(b"(Hazard at gate 2) Tj ET")
    assert copy_without_metadata(original, MEDIA_TYPES["application/pdf"]) == copy  # the same file twice: one copy


@pytest.mark.parametrize(("build", "media_type"), [(mp4_naming, "video/mp4"), (mov_naming, "video/quicktime")])
def test_a_video_copy_has_no_metadata_boxes_and_every_frame_in_place(build, media_type):
    original = build("LiXiuying 13912345678")
    assert b"LiXiuying" in original and GPS.encode() in original and b"\xa9xyz" in original

    copy = copy_without_metadata(original, MEDIA_TYPES[media_type])

    assert b"LiXiuying" not in copy and GPS.encode() not in copy and b"\xa9xyz" not in copy
    assert len(copy) == len(original)  # blanked in place: no offset moved
    assert frames(copy) == frames(original) == 5


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (PDF[:30] + b"garbage", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x10\x00moov", "video/mp4"),
    ],
)
def test_a_document_or_video_that_cannot_be_read_is_refused(content, media_type):
    with pytest.raises(UnsupportedMedia) as refused:
        copy_without_metadata(content, MEDIA_TYPES[media_type])
    assert refused.value.status == 415


def _text(key: str, value: str) -> PngInfo:
    info = PngInfo()
    info.add_text(key, value)
    return info


async def test_an_executable_renamed_photo_jpg_is_refused_by_its_content():
    # The name and the claimed type never reach ``receive``: only the bytes do.
    with pytest.raises(UnsupportedMedia) as refused:
        await receive(Upload(EXECUTABLE).read)

    assert (refused.value.status, refused.value.code) == (415, "unsupported-media-type")
    assert "application/x-msdownload" in refused.value.detail


async def test_a_file_that_only_starts_like_a_jpeg_is_refused_when_decoded():
    kind, content = await receive(Upload(b"\xff\xd8\xff" + EXECUTABLE).read)
    assert kind.media_type == "image/jpeg"  # by its first bytes

    with pytest.raises(UnsupportedMedia):
        examine(kind, content)


async def test_an_oversize_stream_is_refused_after_reading_at_most_the_limit_and_one_byte():
    limit = MEDIA_TYPES["image/jpeg"].max_bytes
    upload = Upload(_photo(), length=5 * limit)  # a 50 MB "photo"

    with pytest.raises(MediaTooLarge) as refused:
        await receive(upload.read)

    assert upload.served <= limit + 1
    assert (refused.value.status, refused.value.code) == (413, "media-too-large")
    assert "10 MB" in refused.value.detail


async def test_a_file_of_exactly_its_limit_is_taken():
    upload = Upload(PDF, length=20 * MB)

    kind, content = await receive(upload.read)

    assert (kind.media_type, len(content)) == ("application/pdf", 20 * MB)


def test_distance_is_great_circle_metres():
    assert distance_m(30.0, 120.0, 30.0, 120.0) == 0
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195, abs=1)  # a degree of latitude
    assert distance_m(0.0, 179.9, 0.0, -179.9) == pytest.approx(22_239, abs=1)  # across the antimeridian


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("现场.jpg", "现场.jpg"),
        ("C:\\Users\\张三\\Pictures\\现场.jpg", "现场.jpg"),
        ("../../etc/passwd", "passwd"),
        ("  ", "未命名"),
        (None, "未命名"),
        ("a" * 300 + ".jpg", "a" * 251 + ".jpg"),
    ],
)
def test_display_name_is_the_last_part_of_the_sent_name(sent, shown):
    assert display_name(sent) == shown


def test_the_problems_are_in_every_services_catalogue():
    codes = {error.code: error for error in catalogue_for([])}

    assert codes["media-too-large"] is MediaTooLarge
    assert codes["unsupported-media-type"].status == UnsupportedMedia.status == 415
    assert UnsupportedMedia.code == "unsupported-media-type"
