"""Loads an XLSForm (.xlsx, .xls or pyxform .md) into a checked FormDef, with ODK's rules."""

from __future__ import annotations

import hashlib
import json
import re
import warnings as py_warnings
from pathlib import Path
from typing import Any

from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.utils import default_is_dynamic
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData

from fieldsafe.forms.compiler import compile_form
from fieldsafe.forms.errors import FormLoadError, FormProblem
from fieldsafe.forms.keys import assign_answer_keys
from fieldsafe.forms.model import ROLES, Choice, FormDef, FormElement, Translations
from fieldsafe.forms.types import classify
from fieldsafe.forms.workbook import locate_error, read_definition, survey_rows_by_path
from fieldsafe.i18n import _

_YES = {"yes", "true", "true()", "1"}
_NO = {"", "no", "false", "false()", "0"}
_LEARN_MORE_RE = re.compile(r"\s*Learn more:\s*\S+")


def load_form(path: str | Path, *, xform: bool = True) -> FormDef:
    """Read, convert and check the form at ``path``.

    With ``xform=False`` pyxform's XForm XML is not made (``form.xform`` stays empty), and
    with it the checks and warnings only that step gives: for a form already loaded in full
    when it was imported (a stored version), where the XML is most of the loading time.
    Raises :class:`FormLoadError` naming the sheet and row of each problem, or
    :class:`UnreadableFormError` when the file is not a form workbook at all.
    """
    path = Path(path)
    try:
        return _load(path, xform)
    except RecursionError:  # thousands of groups one inside another, say
        raise FormLoadError(str(path), [FormProblem(_(
            "its groups and repeats nest too deeply to be read (hundreds of levels)"),
            "survey")]) from None


def _load(path: Path, xform: bool) -> FormDef:
    data = read_definition(path)
    pyxform_warnings: list[str] = []
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")
            js = workbook_to_json(workbook_dict=data, fallback_form_name=data.fallback_form_name,
                                  warnings=pyxform_warnings)
            survey = create_survey_element_from_dict(js)
            xml = survey.to_xml(validate=False, pretty_print=True,
                                warnings=pyxform_warnings) if xform else ""
    except PyXFormError as err:
        raise FormLoadError(str(path), [locate_error(err, data, path)]) from None
    form = build_form(js, data, path)
    form.xform = xml
    form.warnings = [_tidy_warning(w) for w in pyxform_warnings] + form.warnings
    problems = compile_form(form)
    if problems:
        raise FormLoadError(str(path), problems)
    return form


def _tidy_warning(text: str) -> str:
    return " ".join(_LEARN_MORE_RE.sub("", text).split())


def build_form(js: dict[str, Any], data: DefinitionData, path: Path) -> FormDef:
    """The FormDef for pyxform's JSON form description."""
    rows = survey_rows_by_path(data)
    settings = {str(k): str(v) for row in (data.settings or [])[:1] for k, v in row.items()}
    root = FormElement(kind="group", name=js.get("name", "data"), path=(js.get("name", "data"),))
    warnings: list[str] = []
    attachments: list[str] = []
    languages: set[str] = set()
    for child in js.get("children", []):
        _add(root, child, rows, warnings, attachments, languages)
    assign_answer_keys(root)
    choice_lists = {name: [_choice(c, languages) for c in items]
                    for name, items in (js.get("choices") or {}).items()}
    for element in root.walk():
        if element.list_name and not element.choices and element.list_name in choice_lists:
            element.choices = choice_lists[element.list_name]
    for match in re.finditer(r"pulldata\(\s*['\"]([^'\"]+)['\"]", json.dumps(js)):
        _need(match.group(1) + ".csv", attachments)
    for name in attachments:
        if not (path.parent / name).is_file() and not (
                path.parent / f"{path.stem}-media" / name).is_file():
            warnings.append(_("the form needs the attachment '{name}', which is not next to "
                              "it; questions that use it will have no choices or data")
                            .format(name=name))
    default_language = js.get("default_language") or "default"
    return FormDef(
        form_id=str(js.get("id_string") or js.get("name") or path.stem),
        version=str(js.get("version") or ""),
        title=str(js.get("title") or path.stem),
        root=root,
        default_language=default_language,
        languages=sorted(languages - {"default"}) or [default_language],
        instance_name=str(js.get("instance_name") or ""),
        settings=settings,
        choice_lists=choice_lists,
        warnings=warnings,
        attachments=attachments,
        source=str(path),
        content_hash=hashlib.sha256(json.dumps(js, sort_keys=True).encode()).hexdigest(),
    )


def _need(name: str, attachments: list[str]) -> None:
    if name not in attachments:
        attachments.append(name)


def _texts(value: Any, languages: set[str]) -> Translations:
    if isinstance(value, dict):
        out = {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}
        languages.update(out)
        return out
    if value in (None, ""):
        return {}
    return {"default": str(value)}


def _choice(item: dict[str, Any], languages: set[str]) -> Choice:
    extra = {str(k): str(v) for k, v in item.items()
             if k not in ("name", "label", "media") and isinstance(v, str | int | float)}
    return Choice(name=str(item.get("name", "")), labels=_texts(item.get("label"), languages),
                  extra=extra)


def _add(parent: FormElement, js: dict[str, Any], rows: dict[tuple[str, ...], int],
         warnings: list[str], attachments: list[str], languages: set[str]) -> None:
    xtype = str(js.get("type", ""))
    name = str(js.get("name", ""))
    kind = "repeat" if xtype in ("repeat", "loop") else "group" if xtype == "group" else \
        "question"
    bind: dict[str, Any] = dict(js.get("bind") or {})
    control: dict[str, Any] = dict(js.get("control") or {})
    rel_path = (*tuple(p for p in parent.path[1:]), name)
    element = FormElement(kind=kind, name=name, path=(*parent.path, name), xlsform_type=xtype,
                          parent=parent, row=rows.get(rel_path) or rows.get((name,)))
    element.labels = _texts(js.get("label"), languages)
    element.hints = _texts(js.get("hint"), languages)
    element.relevant = str(bind.get("relevant", ""))
    element.constraint = str(bind.get("constraint", ""))
    element.calculation = str(bind.get("calculate", ""))
    element.readonly = _flag(bind.get("readonly", ""))
    element.required = _flag(bind.get("required", ""))
    element.required_messages = _texts(bind.get("jr:requiredMsg"), languages)
    element.constraint_messages = _texts(bind.get("jr:constraintMsg"), languages)
    element.appearance = str(control.get("appearance", ""))
    element.repeat_count = str(control.get("jr:count", ""))
    trigger = js.get("trigger") or ""  # pyxform gives the names: ("b",) for ${b}
    element.trigger = ", ".join(f"${{{name}}}" for name in trigger) if isinstance(
        trigger, list | tuple) else str(trigger)
    element.choice_filter = str(js.get("choice_filter", ""))
    element.role = str(js.get("role", "")).strip().lower()
    params = js.get("parameters") or {}
    element.parameters = {str(k): str(v) for k, v in params.items()} if isinstance(
        params, dict) else _parse_parameters(str(params))
    where = _("row {row}").format(row=element.row) if element.row else name
    sensitive = str(js.get("sensitive", "")).strip().lower()
    if sensitive not in _YES | _NO:
        warnings.append(_("sheet 'survey' {where}: sensitive should be yes or no, not '{value}'")
                        .format(where=where, value=sensitive))
    element.sensitive = sensitive in _YES
    if element.role and element.role not in ROLES:
        warnings.append(_("sheet 'survey' {where}: unknown role '{role}' (known roles: {roles})")
                        .format(where=where, role=element.role, roles=", ".join(sorted(ROLES))))
    if kind == "question":
        info = classify(xtype, bind, control)
        element.qtype, element.datatype, element.metadata = info.qtype, info.datatype, \
            info.metadata
        if xtype == "range" and bind.get("type"):
            element.datatype = str(bind["type"])
        if name == "instanceID" and bind.get("jr:preload") == "uid":
            element.qtype, element.metadata = "metadata", "instanceID"
        element.list_name = str(js.get("list_name") or js.get("itemset") or "")
        itemset = str(js.get("itemset", ""))
        if itemset and "." in itemset and not js.get("choices"):
            element.external_file = itemset
            _need(itemset, attachments)
        element.choices = [_choice(c, languages) for c in js.get("choices") or []]
        default = js.get("default")
        element.default = "" if default is None else str(default)
        if element.default and default_is_dynamic(element.default, element.datatype):
            element.default = "=" + element.default  # marks an expression
    else:
        element.qtype = kind
    _inherit_sensitive(parent, element)
    parent.children.append(element)
    for child in js.get("children", []) or []:
        _add(element, child, rows, warnings, attachments, languages)


def _inherit_sensitive(parent: FormElement, element: FormElement) -> None:
    """Whatever sits in a sensitive group or repeat is sensitive (every reader of
    ``sensitive`` can then look at the element alone). And the "specify other" question
    pyxform adds after an ``or_other`` select has no row of its own, so no ``sensitive``
    column: it is as sensitive as its select (what is typed there is the same answer)."""
    if parent.sensitive:
        element.sensitive = True
    if element.kind != "question" or element.row is not None or element.sensitive or \
            not element.name.endswith("_other"):
        return
    select = next((c for c in parent.children if c.name == element.name[:-len("_other")]),
                  None)
    if select is not None and select.sensitive:
        element.sensitive = True


def _flag(value: Any) -> str:
    text = str(value).strip()
    if text.lower() in _YES:
        return "true()"
    if text.lower() in _NO:
        return ""
    return text


def _parse_parameters(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in re.split(r"[\s;,]+", text.strip()):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip()] = value.strip()
    return out


__all__ = ["FormLoadError", "FormProblem", "build_form", "load_form"]
