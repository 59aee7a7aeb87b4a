"""Sending an uploaded file to the one person a view has checked may see it."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file_response(
    field_file: FieldFile, *, filename: str, content_type: str, as_attachment: bool
) -> FileResponse:
    """A file response that no shared cache keeps and no browser sniffs into another type.

    The caller has done the permission check; a file gone from storage is a
    404, not a server error.
    """
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("File missing") from None
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
