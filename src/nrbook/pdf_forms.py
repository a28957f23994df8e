"""Form fields as PDF readers expect them: each radio group one field, its buttons its widgets."""

from __future__ import annotations

import pydyf


def _number(reference: object) -> int:
    text = reference.decode() if isinstance(reference, bytes) else str(reference)
    return int(text.split()[0])


def tidy_radio_groups(pdf: pydyf.PDF) -> None:
    """Make each radio button a plain widget of its group's field.

    WeasyPrint 70 gives every radio button a name of its own and lists it among the form's
    top-level fields, next to its group: readers then see a field "a-1-etat.a-1-etat" per
    button beside the group "a-1-etat". A button that has a parent keeps its appearance and
    its description (/TU), loses its name, and is reached through its group only.
    """
    form = pdf.catalog.get("AcroForm")
    if not isinstance(form, pydyf.Dictionary) or "Fields" not in form:
        return
    objects = {obj.number: obj for obj in pdf.objects
               if isinstance(obj, pydyf.Dictionary) and getattr(obj, "number", None) is not None}
    fields = pydyf.Array()
    for reference in form["Fields"]:
        field = objects.get(_number(reference))
        if field is not None and "Parent" in field:
            field.pop("T", None)
            continue
        fields.append(reference)
    form["Fields"] = fields
