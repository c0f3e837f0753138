"""Maps XLSForm question types to the kinds of question FieldSafe knows how to fill."""

from __future__ import annotations

from dataclasses import dataclass

from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

# Types that fill themselves in, by preload parameter.
METADATA = frozenset({
    "start", "end", "today", "deviceid", "username", "phonenumber", "email", "audit",
    "start-geopoint", "simserial", "subscriberid", "background-audio", "background-geopoint",
    "instanceID", "uri:deviceid", "uri:username", "uri:email", "uri:phonenumber",
    "uri:subscriberid", "uri:simserial",
})

# What each kind of question looks like on a desktop: the phone-only types become a text
# entry (barcode) or an attached file (file, audio, video, osm).
DESKTOP_EQUIVALENT = {"barcode": "text", "file": "file", "audio": "file", "video": "file",
                      "osm": "file"}

_UPLOAD_KINDS = {"image/*": "image", "audio/*": "audio", "video/*": "video", "osm/*": "osm"}


@dataclass(frozen=True, slots=True)
class TypeInfo:
    qtype: str  # text, integer, decimal, select_one, select_multiple, rank, range, note, ...
    datatype: str  # XForms bind type
    metadata: str = ""  # the preload parameter for metadata types


def classify(xlsform_type: str, bind: dict[str, str], control: dict[str, object]) -> TypeInfo:
    """The normalised type of a question as pyxform's JSON describes it."""
    base = QUESTION_TYPE_DICT.get(xlsform_type, {})
    base_bind: dict[str, str] = dict(base.get("bind", {}))
    base_control: dict[str, object] = dict(base.get("control", {}))
    datatype = bind.get("type") or base_bind.get("type", "string")
    preload = base_bind.get("jr:preloadParams", "")
    if xlsform_type in ("audit", "start-geopoint", "background-audio", "background-geopoint"):
        return TypeInfo("metadata", datatype, xlsform_type)
    if preload:
        return TypeInfo("metadata", datatype, preload.removeprefix("uri:"))
    if xlsform_type == "note":
        return TypeInfo("note", "string")
    if xlsform_type in ("calculate", "hidden"):
        return TypeInfo(xlsform_type, datatype)
    tag = control.get("tag") or base_control.get("tag", "")
    if xlsform_type in ("select one", "select one external") or tag == "select1":
        return TypeInfo("select_one", "string")
    if xlsform_type == "select all that apply" or tag == "select":
        return TypeInfo("select_multiple", "string")
    if tag == "odk:rank":
        return TypeInfo("rank", "odk:rank")
    if tag == "range":
        return TypeInfo("range", datatype)
    if tag == "trigger":
        return TypeInfo("acknowledge" if xlsform_type == "acknowledge" else "trigger", "string")
    if tag == "upload":
        media = str(control.get("mediatype") or base_control.get("mediatype", ""))
        return TypeInfo(_UPLOAD_KINDS.get(media, "file"), "binary")
    if datatype == "barcode":
        return TypeInfo("barcode", "string")
    by_datatype = {"int": "integer", "decimal": "decimal", "date": "date", "time": "time",
                   "dateTime": "datetime", "geopoint": "geopoint", "geotrace": "geotrace",
                   "geoshape": "geoshape"}
    return TypeInfo(by_datatype.get(datatype, "text"), datatype)
