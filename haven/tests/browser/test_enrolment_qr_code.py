"""The enrolment page as a phone sees it: the QR code scans to the user's own TOTP URI."""

import struct
import zlib
from urllib.parse import parse_qs, urlsplit

import zxingcpp

from haven.accounts.actions import create_user
from haven.accounts.models import Authenticator, Role


def grey_pixels(png: bytes) -> tuple[bytes, int, int]:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG, as Chromium writes them, to grey.

    Written out because zxing-cpp reads raw pixels, and Pillow or numpy would be a
    dependency for these few lines only.
    """
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and not interlace, header
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(chunks))
    previous, grey = bytearray(stride), bytearray()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                da, db, dc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                nearest = left if da <= db and da <= dc else up if db <= dc else upper_left
                line[i] = (line[i] + nearest) & 0xFF
        grey.extend(
            (line[x] * 299 + line[x + 1] * 587 + line[x + 2] * 114) // 1000
            for x in range(0, stride, channels)
        )
        previous = line
    return bytes(grey), width, height


def decode_qr(png: bytes) -> list[str]:
    grey, width, height = grey_pixels(png)
    found = zxingcpp.read_barcodes(memoryview(grey).cast("B", (height, width)))
    return [barcode.text for barcode in found if barcode.format == zxingcpp.BarcodeFormat.QRCode]


def reach_enrolment(page, email):
    user, one_time = create_user(email=email, role=Role.CASEWORKER)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(one_time)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/enroll/")
    return user


def test_the_enrolment_qr_code_scans_to_the_users_totp_uri(page, shoot, transactional_db):
    user = reach_enrolment(page, "amina@example.org")
    device = Authenticator.objects.get(user=user, confirmed=False)
    shown_secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, f"enrol-{width}")
        element = shoot.folder / f"enrolment-qr-code-{width}.png"
        decoded = decode_qr(page.locator(".qr-image").screenshot(path=str(element)))
        assert decoded == [device.config_url], f"at {width} px, decoded: {decoded}"
        uri = urlsplit(decoded[0])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert parse_qs(uri.query)["secret"] == [shown_secret]
