"""The zip layer of sync bundles: round trips, atomic writing, and hostile zips built here."""

from __future__ import annotations

import hashlib
import io
import pickle
import random
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldsafe.sync.archive import (
    DEFAULT_LIMITS,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    BundleReader,
    BundleWriter,
    Entry,
    Limits,
)
from fieldsafe.sync.errors import BundleError, is_safe_name, shown

MANIFEST = b'{"format": 1}'


def entry(data: bytes) -> Entry:
    return Entry(hashlib.sha256(data).hexdigest(), len(data))


def make_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], *,
             manifest: bool = True, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip written by zipfile itself, with manifest.json last (unless told not to)."""
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        if manifest:
            archive.writestr(MANIFEST_NAME, MANIFEST)
    return path


def refused(path: Path, match: str, limits: Limits = DEFAULT_LIMITS) -> BundleError:
    """Opening ``path`` fails with a one-line BundleError that starts with its file name."""
    with pytest.raises(BundleError, match=match) as caught:
        BundleReader(path, limits)
    return one_line(caught.value, path)


def one_line(error: BundleError, path: Path) -> BundleError:
    message = str(error)
    assert message.startswith(f"{path.name}: ")
    assert "\n" not in message and "\r" not in message
    assert error.path == path and message == f"{path.name}: {error.reason}"
    return error


def patch_record(path: Path, name: str, offset: int, fmt: str, value: int, *,
                 local: bool = False) -> None:
    """Overwrite a field of ``name``'s central directory record (or of its local header)."""
    data = bytearray(path.read_bytes())
    signature, name_at = (b"PK\x03\x04", 30) if local else (b"PK\x01\x02", 46)
    start = 0
    while True:
        start = data.index(signature, start)
        if data[start + name_at:start + name_at + len(name)] == name.encode():
            break
        start += 1
    struct.pack_into(fmt, data, start + offset, value)
    path.write_bytes(bytes(data))


def noisy(size: int, seed: int = 0) -> bytes:
    """Bytes that deflate poorly (about 2:1), so the zip-bomb check leaves them alone."""
    return random.Random(seed).randbytes(size // 2).hex().encode()


# --- writing and reading back ---------------------------------------------------------------


def write_sample(path: Path, photo: Path, long_line: bytes = b"x") -> dict[str, Entry]:
    lines = [b'{"id": 1}', long_line, b'{"id": 3}']
    with BundleWriter(path) as writer:
        writer.add_bytes("records/forms.json", b"[]")
        writer.add_lines("records/audits.jsonl", iter(lines))
        writer.add_file(f"media/{hashlib.sha256(photo.read_bytes()).hexdigest()}", photo)
        entries = writer.entries
        assert writer.finish(MANIFEST, b"signature") == path
    return entries


def test_round_trip_of_bytes_lines_and_a_file(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(noisy(2_500_000, seed=1))  # more than one 1 MiB chunk
    long_line = noisy(3_000_000)
    bundle = tmp_path / "a.fieldsafe"
    entries = write_sample(bundle, photo, long_line)
    media = f"media/{hashlib.sha256(photo.read_bytes()).hexdigest()}"
    audits = b'{"id": 1}\n' + long_line + b'\n{"id": 3}\n'
    assert entries == {"records/forms.json": entry(b"[]"),
                       "records/audits.jsonl": entry(audits),
                       media: entry(photo.read_bytes())}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.fieldsafe", "photo.jpg"]

    with zipfile.ZipFile(bundle) as archive:  # manifest last; media stored, records deflated
        infos = archive.infolist()
        assert [i.filename for i in infos][-2:] == [MANIFEST_NAME, SIGNATURE_NAME]
        assert archive.getinfo(media).compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("records/audits.jsonl").compress_type == zipfile.ZIP_DEFLATED

    with BundleReader(bundle) as reader:
        assert reader.manifest_bytes == MANIFEST and reader.signature == b"signature"
        assert reader.names() == list(entries)
        assert reader.size(media) == photo.stat().st_size
        assert list(reader.read_lines("records/audits.jsonl", entries["records/audits.jsonl"])
                    ) == [b'{"id": 1}', long_line, b'{"id": 3}']
        with reader.open_checked("records/forms.json", entries["records/forms.json"]) as stream:
            assert stream.read() == b"[]"
        out = io.BytesIO()
        reader.copy_to(media, entries[media], out)
        assert out.getvalue() == photo.read_bytes()
        reader.verify_all(entries)


def test_a_line_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"jpeg")
    bundle = tmp_path / "a.fieldsafe"
    entries = write_sample(bundle, photo, noisy(3_000_000))
    with BundleReader(bundle, Limits(max_line_bytes=2 * 1024 * 1024)) as reader:
        lines = reader.read_lines("records/audits.jsonl", entries["records/audits.jsonl"])
        assert next(lines) == b'{"id": 1}'
        with pytest.raises(BundleError, match=r"entry 'records/audits.jsonl' line 2 is longer "
                                              r"than 2 MB") as caught:
            next(lines)
    one_line(caught.value, bundle)


def test_read_lines_skips_blank_lines_and_takes_a_last_line_without_newline(
        tmp_path: Path) -> None:
    data = b'{"a": 1}\n\n   \n{"b": 2}\r\n{"c": 3}'
    bundle = make_zip(tmp_path / "b.fieldsafe", [("records/x.jsonl", data)])
    with BundleReader(bundle, Limits(max_line_bytes=9)) as reader:  # '{"b": 2}\r' is 9 bytes
        assert list(reader.read_lines("records/x.jsonl", entry(data))) == [
            b'{"a": 1}', b'{"b": 2}\r', b'{"c": 3}']


def test_without_a_signature_and_with_an_empty_entry(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "e.fieldsafe") as writer:
        empty = writer.add_bytes("records/empty.jsonl", b"")
        assert writer.add_lines("records/none.jsonl", []) == empty == entry(b"")
        bundle = writer.finish(MANIFEST)
    with BundleReader(bundle) as reader:
        assert reader.signature is None
        assert list(reader.read_lines("records/empty.jsonl", empty)) == []
        reader.verify_all({"records/empty.jsonl": empty, "records/none.jsonl": empty})


# --- atomic writing -------------------------------------------------------------------------


def test_an_exception_inside_the_writer_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="stop"), BundleWriter(tmp_path / "a.fieldsafe") as w:
        w.add_bytes("records/a.jsonl", b"{}")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_leaving_without_finish_or_with_abort_leaves_no_file(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "a.fieldsafe") as writer:
        writer.add_bytes("records/a.jsonl", b"{}")
    assert list(tmp_path.iterdir()) == []
    writer = BundleWriter(tmp_path / "b.fieldsafe")
    writer.add_lines("records/a.jsonl", [b"{}"])
    writer.abort()
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="closed"):
        writer.add_bytes("records/b.jsonl", b"")


def test_a_failing_line_source_aborts_the_bundle(tmp_path: Path) -> None:
    def lines() -> Iterator[bytes]:
        yield b"{}"
        raise OSError(28, "No space left on device")

    writer = BundleWriter(tmp_path / "a.fieldsafe")
    with pytest.raises(BundleError, match=r"could not be written in \S+ \(No space left on device\)"):
        writer.add_lines("records/a.jsonl", lines())
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"holds a newline"), BundleWriter(tmp_path / "b") as w:
        w.add_lines("records/a.jsonl", [b"{}\n{}"])
    assert list(tmp_path.iterdir()) == []


def test_finish_replaces_the_old_bundle_only_at_the_end(tmp_path: Path) -> None:
    bundle = tmp_path / "a.fieldsafe"
    bundle.write_bytes(b"old bundle")
    with BundleWriter(bundle) as writer:
        writer.add_bytes("records/a.jsonl", b"{}")
        assert bundle.read_bytes() == b"old bundle"
        assert len(list(tmp_path.iterdir())) == 2  # the old bundle and the hidden temporary file
        writer.finish(MANIFEST)
    assert list(tmp_path.iterdir()) == [bundle]
    with BundleReader(bundle) as reader:
        assert reader.names() == ["records/a.jsonl"]
    with BundleWriter(bundle) as writer:  # an aborted rewrite keeps the previous bundle
        writer.add_bytes("records/b.jsonl", b"{}")
    with BundleReader(bundle) as reader:
        assert reader.names() == ["records/a.jsonl"]


def test_an_unwritable_folder_or_missing_source_is_a_bundle_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "a.fieldsafe"
    with pytest.raises(BundleError, match=r"cannot be written in .*missing \(No such file"):
        BundleWriter(target)
    with BundleWriter(tmp_path / "a.fieldsafe") as writer:
        with pytest.raises(BundleError, match=r"a.fieldsafe: cannot add .*gone.jpg \(No such"):
            writer.add_file("media/abc", tmp_path / "gone.jpg")
        writer.add_bytes("records/a.jsonl", b"{}")  # nothing was written: the bundle goes on
        writer.finish(MANIFEST)


@pytest.mark.parametrize("name", ["../evil", "/etc/x", "C:evil", "a\\b", "a/./b", "a//b", "",
                                  "media/", "a\x00b", "a\nb", MANIFEST_NAME, SIGNATURE_NAME,
                                  "x" * 256])
def test_the_writer_refuses_bad_names(tmp_path: Path, name: str) -> None:
    with BundleWriter(tmp_path / "a.fieldsafe") as writer, pytest.raises(ValueError):
        writer.add_bytes(name, b"")


def test_the_writer_refuses_a_name_twice(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "a.fieldsafe") as writer:
        writer.add_bytes("records/a.jsonl", b"")
        with pytest.raises(ValueError, match="twice"):
            writer.add_file("records/a.jsonl", tmp_path / "a.fieldsafe")


# --- hostile zips ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "shown_as"), [
    ("../evil", "../evil"), ("records/../../evil", "records/../../evil"),
    ("/etc/x", "/etc/x"), ("C:evil", "C:evil"), ("C:/evil", "C:/evil"),
    ("a\\b", "a\\\\b"), ("..\\evil", "..\\\\evil"), ("a//b", "a//b"), ("./a", "./a"),
    ("red\x1b[31m", "red\\x1b[31m"), ("bell\x07", "bell\\x07"), ("rtl\u202egpj.exe", "rtl\\u202e"),
])
def test_unsafe_entry_names_are_refused(tmp_path: Path, name: str, shown_as: str) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [(name, b"x")])
    error = refused(bundle, r"^h\.fieldsafe: unsafe entry name '.*' \(path outside the bundle\)$")
    assert shown_as in str(error)
    assert "\x1b" not in str(error) and "\x07" not in str(error) and "\u202e" not in str(error)


def test_a_name_with_a_nul_is_refused_although_zipfile_cuts_it(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("evil.txt")
    info.filename = "evil\x00.txt"  # zipfile writes the name as set; reading, it keeps "evil"
    bundle = make_zip(tmp_path / "h.fieldsafe", [(info, b"x")])
    assert "evil\\x00.txt" in str(refused(bundle, "unsafe entry name"))


def test_a_long_name_is_cut_in_the_message(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("\x01" + "a" * 400, b"x")])
    message = str(refused(bundle, "unsafe entry name"))
    assert "\\x01" + "a" * 76 + "…'" in message and len(message) < 160
    assert shown("ab\\c\x00") == "ab\\\\c\\x00" and shown("é✓") == "é✓"
    assert is_safe_name("media/" + "a" * 64) and not is_safe_name("a" * 256)


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("media/link")
    link.external_attr = 0o120777 << 16
    bundle = make_zip(tmp_path / "h.fieldsafe", [(link, b"/etc/passwd")])
    refused(bundle, r"entry 'media/link' is a symbolic link")


def test_a_folder_entry_is_refused(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/", b"")])
    refused(bundle, r"unexpected folder entry 'media/'")
    folder = zipfile.ZipInfo("media")
    folder.external_attr = 0o40755 << 16
    refused(make_zip(tmp_path / "i.fieldsafe", [(folder, b"")]), r"unexpected folder entry")


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        bundle = make_zip(tmp_path / "h.fieldsafe", [("records/a.jsonl", b"1"),
                                                     ("records/a.jsonl", b"2")])
    refused(bundle, r"entry 'records/a.jsonl' appears twice")
    with pytest.warns(UserWarning, match="Duplicate name"):
        bundle = make_zip(tmp_path / "i.fieldsafe", [(MANIFEST_NAME, b"{}")])
    refused(bundle, r"entry 'manifest.json' appears twice")


def test_too_many_entries(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [(f"media/{i}", b"") for i in range(10)])
    refused(bundle, r"holds 11 entries, more than the 5 a bundle may have", Limits(max_entries=5))
    with BundleReader(bundle, Limits(max_entries=11)) as reader:
        assert len(reader.names()) == 10


def test_an_entry_too_big_and_a_bundle_too_big(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [(f"media/{i}", b"z" * 100) for i in range(3)])
    refused(bundle, r"entry 'media/0' is 100 bytes, more than the 99 bytes one entry may be",
            Limits(max_entry_bytes=99))
    refused(bundle, r"entries add up to more than the 250 bytes a bundle may hold \(at "
                    r"'media/2'\)", Limits(max_total_bytes=250))


def test_a_zip_bomb_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/zeros", bytes(20 * 1024 * 1024))])
    assert bundle.stat().st_size < 100_000
    refused(bundle, r"entry 'media/zeros' expands \d+ times: refused as a zip bomb")


def test_a_stored_entry_claiming_nothing_compressed_is_a_bomb(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"")], method=zipfile.ZIP_STORED)
    patch_record(bundle, "media/a", 24, "<L", 2 * 1024 * 1024)  # file_size; compress_size 0
    refused(bundle, r"entry 'media/a' expands 2097152 times: refused as a zip bomb")


def test_an_encrypted_entry_is_refused(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/secret", b"x")],
                      method=zipfile.ZIP_STORED)
    patch_record(bundle, "media/secret", 8, "<H", 0x1)  # general purpose flags: encrypted
    refused(bundle, r"entry 'media/secret' is encrypted")


def test_another_compression_method_is_refused(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"x")], method=zipfile.ZIP_BZIP2)
    refused(bundle, r"entry 'media/a' uses a compression method FieldSafe does not read")


@pytest.mark.parametrize("cut", ["end", "half"])
def test_a_truncated_bundle(tmp_path: Path, cut: str) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(noisy(20_000))
    bundle = tmp_path / "a.fieldsafe"
    write_sample(bundle, photo)
    data = bundle.read_bytes()
    bundle.write_bytes(data[:-100] if cut == "end" else data[: len(data) // 2])
    refused(bundle, r"^a\.fieldsafe: not a complete FieldSafe bundle \(the file is truncated or "
                    r"damaged\)$")


def test_a_damaged_directory(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"x"), ("media/b", b"y")])
    data = bytearray(bundle.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<2H", data, end + 8, 1, 1)  # says one entry; the directory holds three
    bundle.write_bytes(bytes(data))
    refused(bundle, r"truncated or damaged")
    struct.pack_into("<2HL", data, end + 8, 3, 3, 10_000_000)  # a directory far too big
    bundle.write_bytes(bytes(data))
    refused(bundle, r"truncated or damaged")


def test_not_a_zip_an_empty_file_a_folder_and_no_file(tmp_path: Path) -> None:
    noise = tmp_path / "noise.fieldsafe"
    noise.write_bytes(random.Random(3).randbytes(5000))
    refused(noise, r"^noise\.fieldsafe: not a FieldSafe bundle \(not a zip file\)$")
    empty = tmp_path / "empty.fieldsafe"
    empty.write_bytes(b"")
    refused(empty, r"^empty\.fieldsafe: the file is empty, not a FieldSafe bundle$")
    refused(tmp_path, r"cannot be read \(Is a directory\)")
    refused(tmp_path / "gone.fieldsafe", r"^gone\.fieldsafe: cannot be read \(No such file")


def test_a_zip_without_manifest(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"x")], manifest=False)
    refused(bundle, r"^h\.fieldsafe: no manifest.json: not a FieldSafe bundle$")


def test_a_manifest_too_big(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [])
    refused(bundle, r"manifest.json is 13 bytes, more than the 12 bytes allowed",
            Limits(max_manifest_bytes=12))


# --- reading entries against the manifest ---------------------------------------------------


def test_content_that_does_not_match_its_sha256(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"altered")])
    wrong = Entry(hashlib.sha256(b"original").hexdigest(), len(b"altered"))
    with BundleReader(bundle) as reader:
        with pytest.raises(BundleError, match=r"entry 'media/a' does not match its SHA-256 in "
                                              r"the manifest \(damaged or altered\)") as caught:
            reader.copy_to("media/a", wrong, io.BytesIO())
        one_line(caught.value, bundle)
        with pytest.raises(BundleError, match="does not match its SHA-256"):
            reader.verify_all({"media/a": wrong})
        with pytest.raises(BundleError, match="does not match its SHA-256"):
            list(reader.read_lines("media/a", wrong))


def test_a_size_that_does_not_match_the_manifest(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"12345")])
    with BundleReader(bundle) as reader:
        for size in (4, 6):
            with pytest.raises(BundleError, match=rf"entry 'media/a' holds 5 bytes, but the "
                                                  rf"manifest says {size}"):
                reader.open_checked("media/a", Entry(entry(b"12345").sha256, size))


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_declared_size_that_lies(tmp_path: Path, method: int) -> None:
    data = noisy(4000)
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", data)], method=method)
    patch_record(bundle, "media/a", 24, "<L", 100)  # central directory: uncompressed size
    patch_record(bundle, "media/a", 22, "<L", 100, local=True)
    out = io.BytesIO()
    with BundleReader(bundle) as reader:
        assert reader.size("media/a") == 100
        with pytest.raises(BundleError, match=r"entry 'media/a' is damaged and cannot be read"):
            reader.copy_to("media/a", entry(data[:100]), out)
    assert len(out.getvalue()) <= 100  # never more than the manifest's size


def test_the_stream_stops_at_the_expected_size(tmp_path: Path) -> None:
    data = b"0123456789" * 1000
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", data)])
    with BundleReader(bundle) as reader, reader.open_checked("media/a", entry(data)) as stream:
        assert stream.read(3) == b"012"
        assert len(stream.read(1 << 30)) == len(data) - 3  # verified on this read
        assert stream.read(10) == b""
        buffer = bytearray(4)
        assert stream.readinto(buffer) == 0


def test_verify_all_with_a_missing_and_an_extra_entry(tmp_path: Path) -> None:
    bundle = make_zip(tmp_path / "h.fieldsafe", [("media/a", b"a"), ("media/b", b"b")])
    with BundleReader(bundle) as reader:
        reader.verify_all({"media/a": entry(b"a"), "media/b": entry(b"b")})
        with pytest.raises(BundleError, match=r"entry 'media/c' listed in the manifest is "
                                              r"missing") as caught:
            reader.verify_all({"media/a": entry(b"a"), "media/b": entry(b"b"),
                               "media/c": entry(b"c")})
        one_line(caught.value, bundle)
        with pytest.raises(BundleError, match=r"entry 'media/b' is in the bundle but not in its "
                                              r"manifest"):
            reader.verify_all({"media/a": entry(b"a")})
        with pytest.raises(BundleError, match="listed in the manifest is missing"):
            reader.open_checked("media/zzz", entry(b""))


def test_the_error_pickles_and_keeps_path_and_reason(tmp_path: Path) -> None:
    error = BundleError(tmp_path / "a.fieldsafe", "why")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.path, again.reason) == ("a.fieldsafe: why", error.path, "why")

