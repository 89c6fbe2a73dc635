import pytest

from core.images import check_photo, content_hash, sniff_image
from core.incidents import FieldError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def test_sniff_by_content_not_name():
    assert sniff_image(PNG) == "image/png"
    assert sniff_image(JPEG) == "image/jpeg"
    assert sniff_image(b"GIF89a....") == "image/gif"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_image(b"%PDF-1.7") is None
    assert sniff_image(b"") is None


def test_check_photo_limits_and_hash():
    sha, mime = check_photo(PNG, 100)
    assert sha == content_hash(PNG) and len(sha) == 64 and mime == "image/png"
    with pytest.raises(FieldError, match=r"^photo: 28 bytes is over the limit of 10"):
        check_photo(PNG, 10)
    with pytest.raises(FieldError, match="not an image"):
        check_photo(b"hello world", 100)
