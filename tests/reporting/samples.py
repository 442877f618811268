"""Evidence files of every accepted kind, made here (Pillow, ffmpeg, exiftool, zips written by
hand), each carrying a canary name, phone number and GPS position where its format can hold them.
No binary fixture comes from outside."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

from PIL import Image, PngImagePlugin

NAME = "CANARY王某"
PHONE = "13912345678"
LAT, LON = 31.2304, 121.4737
CANARIES = (b"CANARY", PHONE.encode(), "王某".encode())
ISO6709 = f"+{LAT:.4f}+{LON:.4f}/"
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/">'
       f"<dc:creator><rdf:Seq><rdf:li>{NAME}</rdf:li></rdf:Seq></dc:creator>"
       f"<exif:GPSLatitude>31,13.82N</exif:GPSLatitude><dc:rights>{PHONE}</dc:rights>"
       f"</rdf:Description></rdf:RDF></x:xmpmeta>")


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhone"  # Make
    exif[0x0110] = "CANARY-X1"  # Model
    exif[0x013B] = NAME  # Artist
    exif[0x010E] = PHONE  # ImageDescription
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 13.0, 49.44)
    gps[3], gps[4] = "E", (121.0, 28.0, 25.32)
    exif.get_ifd(0x8769)[0x9003] = "2026:05:01 10:00:00"  # DateTimeOriginal
    return exif


def jpeg(orientation: int = 6, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, format="JPEG", exif=_exif(orientation), quality=90)
    data = out.getvalue()
    # A comment segment and an XMP segment right after SOI, as phones and editors write them.
    com = f"taken by {NAME} {PHONE}".encode()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00" + XMP.encode()
    segments = (b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com
                + b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp)
    return data[:2] + segments + data[2:] + b"trailer " + PHONE.encode()


def png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", PHONE)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(out, format="PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def gif(frames: int = 5) -> bytes:
    images = [Image.new("L", (8, 8), i % 256) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=40, loop=0,
                   comment=f"{NAME} {PHONE}".encode())
    data = out.getvalue()
    # An XMP application block before the trailer, as editors write it.
    payload = XMP.encode()
    blocks = b"".join(bytes([len(payload[i:i + 255])]) + payload[i:i + 255] for i in range(0, len(payload), 255))
    return data[:-1] + b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00\x3b"


def webp(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (16, 16), (i * 60, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="WEBP", save_all=True, append_images=images[1:], duration=50, lossless=True,
                   exif=_exif().tobytes(), xmp=XMP.encode())
    return out.getvalue()


def _ffmpeg(args: list[str], suffix: str, gps_atoms: bool = False) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"sample{suffix}"
        meta = ["-metadata", f"artist={NAME}", "-metadata", f"comment={PHONE}", "-metadata", f"title={NAME}",
                "-metadata", f"location={ISO6709}", "-metadata", "com.apple.quicktime.make=CanaryPhone",
                "-metadata", "com.apple.quicktime.model=CANARY-X1"]
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args, *meta, str(path)], check=True)
        if gps_atoms:
            # QuickTime user data as a phone writes it: ©xyz position, make, author.
            subprocess.run(["exiftool", "-q", "-overwrite_original", f"-UserData:GPSCoordinates={LAT}, {LON}",
                            "-UserData:Make=CanaryPhone", f"-UserData:Author={NAME}", str(path)], check=True)
        return path.read_bytes()


VIDEO_IN = ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "1"]
AUDIO_IN = ["-f", "lavfi", "-i", "sine=frequency=440", "-t", "1"]


@functools.cache
def media(kind: str) -> bytes:
    """One second of audio or video of ``kind`` (mp4, mov, 3gp, webm, m4a, mp3, ogg, wav) with tags."""
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
    recipes: dict[str, tuple[list[str], str, bool]] = {
        "mp4": ([*VIDEO_IN, *h264, "-movflags", "use_metadata_tags"], ".mp4", True),
        "mov": ([*VIDEO_IN, *h264, "-movflags", "use_metadata_tags"], ".mov", True),
        "3gp": ([*VIDEO_IN, "-c:v", "h263", "-s", "128x96", "-c:a", "aac", "-ar", "8000", "-ac", "1"], ".3gp", False),
        "webm": ([*VIDEO_IN, "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"], ".webm", False),
        "m4a": ([*AUDIO_IN, "-c:a", "aac"], ".m4a", True),
        "mp3": ([*AUDIO_IN, "-c:a", "libmp3lame"], ".mp3", False),
        "ogg": ([*AUDIO_IN, "-c:a", "libvorbis"], ".ogg", False),
        "wav": ([*AUDIO_IN], ".wav", False),
    }
    args, suffix, atoms = recipes[kind]
    return _ffmpeg(args, suffix, atoms)


def pdf() -> bytes:
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page(page_size=(200, 200))
    document.docinfo["/Author"] = NAME
    document.docinfo["/Subject"] = PHONE
    document.docinfo["/Keywords"] = ISO6709
    document.Root.Metadata = document.make_stream(XMP.encode())
    # A sticky-note comment: its /T is the name of whoever wrote it.
    note = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                                                     Rect=[10, 10, 30, 30], T=NAME, Contents="见附件"))
    document.pages[0].Annots = document.make_indirect(pikepdf.Array([note]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp='
         '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc='
         '"http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi='
         f'"http://www.w3.org/2001/XMLSchema-instance"><dc:creator>{NAME}</dc:creator><cp:lastModifiedBy>{NAME}'
         f'</cp:lastModifiedBy><dc:description>{PHONE}</dc:description><dcterms:created xsi:type="dcterms:W3CDTF">'
         '2026-05-01T02:00:00Z</dcterms:created></cp:coreProperties>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/extended-properties"><Company>CANARY Co {PHONE}</Company><Application>Microsoft Office'
        '</Application></Properties>')
_CUSTOM = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/'
           'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
           'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="GPS">'
           f'<vt:lpwstr>{ISO6709} {PHONE}</vt:lpwstr></property></Properties>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/'
         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
         '2006/relationships/officeDocument" Target="{main}"/><Relationship Id="rId2" Type="http://schemas.'
         'openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
         '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.'
         'openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
         '</Relationships>')
_OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p '
             'w:rsidR="00AB12CD"><w:ins w:id="1" w:author="{name}" w:date="2026-05-01T10:00:00Z"><w:r><w:t>'
             '村里有人强占土地</w:t></w:r></w:ins></w:p></w:body></w:document>',
             {"word/comments.xml": '<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                                   'main"><w:comment w:id="0" w:author="{name}" w:initials="CW"><w:p><w:r><w:t>'
                                   '见附件</w:t></w:r></w:p></w:comment></w:comments>',
              "word/people.xml": '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
                                 '<w15:person w15:author="{name}"><w15:presenceInfo w15:providerId="None" '
                                 'w15:userId="{phone}"/></w15:person></w15:people>'}),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="a" '
             'sheetId="1"/></sheets></workbook>',
             {"xl/comments1.xml": '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                  '<authors><author>{name}</author></authors><commentList/></comments>'}),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation."
             "main+xml", '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
             {"ppt/commentAuthors.xml": '<p:cmAuthorLst xmlns:p="http://schemas.openxmlformats.org/presentationml/'
                                        '2006/main"><p:cmAuthor id="0" name="{name}" initials="CW" lastIdx="1" '
                                        'clrIdx="0"/></p:cmAuthorLst>'}),
}


def ooxml(kind: str) -> bytes:
    """A Word, Excel or PowerPoint file with properties, comment and revision authors, and a photo."""
    main, content_type, body, extra = _OOXML[kind]
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
             'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
             'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default '
             f'Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/{main}" ContentType="{content_type}"/>'
             '</Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", _RELS.replace("{main}", main))
        archive.writestr("docProps/core.xml", _CORE)
        archive.writestr("docProps/app.xml", _APP)
        archive.writestr("docProps/custom.xml", _CUSTOM)
        archive.writestr(main, body.replace("{name}", NAME))
        for part, text in extra.items():
            archive.writestr(part, text.replace("{name}", NAME).replace("{phone}", PHONE))
        archive.writestr(f"{main.split('/')[0]}/media/image1.jpeg", jpeg(orientation=1))
        archive.writestr(f"{main.split('/')[0]}/media/image2.png", png())
    return out.getvalue()


_ODF_TYPES = {"odt": "application/vnd.oasis.opendocument.text",
              "ods": "application/vnd.oasis.opendocument.spreadsheet",
              "odp": "application/vnd.oasis.opendocument.presentation"}


def odf(kind: str) -> bytes:
    """An OpenDocument file with meta.xml, an annotation and a tracked change by the canary."""
    mime = _ODF_TYPES[kind]
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ns} office:version="1.3"><office:meta>'
            f"<meta:initial-creator>{NAME}</meta:initial-creator><dc:creator>{NAME}</dc:creator>"
            f'<meta:user-defined meta:name="phone">{PHONE}</meta:user-defined>'
            "<meta:creation-date>2026-05-01T10:00:00</meta:creation-date></office:meta></office:document-meta>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3">'
               "<office:body><office:text><text:tracked-changes><text:changed-region text:id='c1'><text:insertion>"
               f"<office:change-info><dc:creator>{NAME}</dc:creator><dc:date>2026-05-01T10:00:00</dc:date>"
               "</office:change-info></text:insertion></text:changed-region></text:tracked-changes><text:p>"
               f"<office:annotation><dc:creator>{NAME}</dc:creator><text:p>见附件</text:p></office:annotation>"
               "村里有人强占土地</text:p></office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                f'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
                f'manifest:media-type="{mime}"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("Pictures/photo.jpg", jpeg(orientation=1))
    return out.getvalue()


# Every accepted kind but plain text (which has no metadata) and AMR (no encoder in Debian's ffmpeg;
# its container has no tags): (file name, sniffed type, maker).
SAMPLES: dict[str, tuple[str, object]] = {
    "jpeg": ("image/jpeg", jpeg), "png": ("image/png", png), "gif": ("image/gif", gif),
    "webp": ("image/webp", webp),
    "mp4": ("video/mp4", lambda: media("mp4")), "mov": ("video/quicktime", lambda: media("mov")),
    "3gp": ("video/3gpp", lambda: media("3gp")), "webm": ("video/webm", lambda: media("webm")),
    "m4a": ("audio/mp4", lambda: media("m4a")), "mp3": ("audio/mpeg", lambda: media("mp3")),
    "ogg": ("audio/ogg", lambda: media("ogg")), "wav": ("audio/x-wav", lambda: media("wav")),
    "pdf": ("application/pdf", pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda: ooxml("docx")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda: ooxml("xlsx")),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", lambda: ooxml("pptx")),
    "odt": (_ODF_TYPES["odt"], lambda: odf("odt")), "ods": (_ODF_TYPES["ods"], lambda: odf("ods")),
    "odp": (_ODF_TYPES["odp"], lambda: odf("odp")),
}


@functools.cache
def sample(kind: str) -> bytes:
    maker = SAMPLES[kind][1]
    return maker()  # type: ignore[operator]


def exiftool(data: bytes) -> str:
    """Everything exiftool reads in a file, embedded documents included."""
    done = subprocess.run(["exiftool", "-a", "-G1", "-ee", "-u", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8", "replace")


def inflated(data: bytes) -> bytes:
    """A zip's parts inflated one after another, or a PDF's objects decoded (a canary in a deflated
    part, an object stream or a UTF-16 string is not in the file's bytes)."""
    if data[:5] == b"%PDF-":
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as document:
            parts = [repr(obj).encode() for obj in document.objects]
            parts += [obj.read_bytes() for obj in document.objects if isinstance(obj, pikepdf.Stream)]
        return b"\n".join(parts)
    if data[:2] != b"PK":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist())


def encrypted_pdf() -> bytes:
    """A PDF that opens only with a password: its metadata cannot be checked."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    return out.getvalue()
