"""One entry point per action, shared by the CLI and the window: export a session or the study
in a named format, and a text preview of what an export will contain."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from pathlib import Path

from focusdesk.exchange import subtitles, text_formats
from focusdesk.exchange.safe_write import write_text
from focusdesk.exchange.session_data import ExportOptions, load_session
from focusdesk.store import audit
from focusdesk.store.workspace import Workspace

SESSION_FORMATS = ("docx", "qdpx", "srt", "vtt", "txt", "md", "csv", "xlsx", "maxqda", "atlas", "rttm")
STUDY_FORMATS = ("qdpx", "csv", "xlsx")
SUFFIX = {"docx": ".docx", "qdpx": ".qdpx", "srt": ".srt", "vtt": ".vtt", "txt": ".txt", "md": ".md",
          "csv": ".csv", "xlsx": ".xlsx", "maxqda": ".txt", "atlas": ".txt", "rttm": ".rttm"}
LABELS = {
    "docx": "Word document with comments (.docx)",
    "qdpx": "REFI-QDA project for NVivo/ATLAS.ti/MAXQDA (.qdpx)",
    "srt": "Subtitles (.srt)", "vtt": "WebVTT subtitles with speakers (.vtt)",
    "txt": "Plain text (.txt)", "md": "Markdown (.md)",
    "csv": "Codings table (.csv)", "xlsx": "Codings and framework matrix (.xlsx)",
    "maxqda": "MAXQDA focus-group transcript (.txt)", "atlas": "ATLAS.ti transcript with #hh:mm:ss# (.txt)",
    "rttm": "Speaker turns for diarization tools (.rttm)",
}
RTTM_NAMES = "RTTM files always name speakers by pseudonym, never by real name."
_TEXT = {"srt": subtitles.to_srt, "vtt": subtitles.to_vtt, "txt": text_formats.to_txt,
         "md": text_formats.to_markdown, "maxqda": text_formats.to_maxqda, "atlas": text_formats.to_atlas}


def export_session(ws: Workspace, session_id: int, fmt: str, target: Path | str,
                   options: ExportOptions | None = None, include_media: bool = True) -> list[str]:
    """Write one session; returns warnings (empty when all went as asked). The audit log notes
    the format and the session, not the file's name (which may name a person)."""
    warnings = _export_session(ws, session_id, fmt, target, options, include_media)
    _audit(ws, _audit_detail(fmt, options), f"session {session_id}")
    return warnings


def _audit_detail(fmt: str, options: ExportOptions | None) -> str:
    return fmt + (", real names" if options is not None and options.names else "")


def _audit(ws: Workspace, detail: str, obj: str) -> None:
    """Note the export in the audit log; a study opened read-only cannot take the row, and the
    file written is not withheld for that (the log file says so, without names)."""
    try:
        audit.record(ws.db, audit.EXPORTED, detail, obj=obj)
    except sqlite3.OperationalError as exc:
        logging.getLogger(__name__).warning("export not in the audit log: %s", type(exc).__name__)


def _export_session(ws: Workspace, session_id: int, fmt: str, target: Path | str,
                    options: ExportOptions | None, include_media: bool) -> list[str]:
    from focusdesk.exchange import docx_export, refi_export, spreadsheets  # heavy: only when used

    options = options or ExportOptions()
    if fmt not in SESSION_FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(SESSION_FORMATS)}.")
    if fmt in _TEXT:
        write_text(target, _TEXT[fmt](load_session(ws.db, session_id, options)))
    elif fmt == "rttm":
        from focusdesk.exchange.rttm import to_rttm

        write_text(target, to_rttm(ws.db, session_id))
        return [RTTM_NAMES] if options.names else []
    elif fmt == "docx":
        docx_export.write_docx(load_session(ws.db, session_id, options), target)
    elif fmt == "qdpx":
        return refi_export.write_qdpx(ws, target, [session_id], options, include_media).warnings
    elif fmt == "csv":
        spreadsheets.write_codings_csv(ws.db, target, session_id, options)
    elif fmt == "xlsx":
        spreadsheets.write_xlsx(ws.db, target, session_id, options, matrix=False)
    return []


BINARY_FORMATS = ("docx", "qdpx", "xlsx")  # cannot go to standard output


def as_text(ws: Workspace, session_id: int | None, fmt: str, options: ExportOptions | None = None,
            table: str = "codings") -> str:
    """A text format's whole content, for ``-o -`` (standard output); ``session_id`` None: the
    study. Binary formats are refused with what to do instead."""
    from focusdesk.exchange import spreadsheets

    options = options or ExportOptions()
    if fmt in BINARY_FORMATS:
        raise ValueError(f"{fmt} is a binary format and cannot be written to standard output; "
                         "give a file name with -o.")
    if session_id is None:
        if fmt != "csv":
            raise ValueError(f"Unknown study format {fmt!r}; choose one of {', '.join(STUDY_FORMATS)}.")
        rows = (spreadsheets.framework_rows(ws.db, options) if table == "framework"
                else [spreadsheets.CODING_HEADERS] + spreadsheets.coding_rows(ws.db, None, options))
        return spreadsheets._csv(rows)
    if fmt in _TEXT:
        return _TEXT[fmt](load_session(ws.db, session_id, options))
    if fmt == "rttm":
        from focusdesk.exchange.rttm import to_rttm

        return to_rttm(ws.db, session_id)
    if fmt == "csv":
        return spreadsheets._csv([spreadsheets.CODING_HEADERS]
                                 + spreadsheets.coding_rows(ws.db, session_id, options))
    raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(SESSION_FORMATS)}.")


def export_study(ws: Workspace, fmt: str, target: Path | str, options: ExportOptions | None = None,
                 table: str = "codings", include_media: bool = True) -> list[str]:
    warnings = _export_study(ws, fmt, target, options, table, include_media)
    _audit(ws, _audit_detail(fmt, options), "study")
    return warnings


def _export_study(ws: Workspace, fmt: str, target: Path | str, options: ExportOptions | None,
                  table: str, include_media: bool) -> list[str]:
    from focusdesk.exchange import refi_export, spreadsheets

    options = options or ExportOptions()
    if fmt == "qdpx":
        return refi_export.write_qdpx(ws, target, None, options, include_media).warnings
    if fmt == "csv":
        if table == "framework":
            spreadsheets.write_framework_csv(ws.db, target, options)
        else:
            spreadsheets.write_codings_csv(ws.db, target, None, options)
        return []
    if fmt == "xlsx":
        spreadsheets.write_xlsx(ws.db, target, None, options, matrix=True)
        return []
    raise ValueError(f"Unknown study format {fmt!r}; choose one of {', '.join(STUDY_FORMATS)}.")


def preview(ws: Workspace, session_id: int, fmt: str, options: ExportOptions | None = None,
            limit: int = 6000) -> str:
    """What the export will say, as text (binary formats show their text content)."""
    from focusdesk.exchange import refi_export, spreadsheets

    options = options or ExportOptions()
    if fmt in _TEXT:
        text = _TEXT[fmt](load_session(ws.db, session_id, options))
    elif fmt == "rttm":
        from focusdesk.exchange.rttm import to_rttm

        text = to_rttm(ws.db, session_id)
    elif fmt == "docx":
        data = load_session(ws.db, session_id, options)
        lines = [text_formats.to_txt(data)]
        lines += ["", "Comments:"] + [f"- {cv.path}" + (f" — {cv.memo}" if cv.memo else "")
                                      + f": “{data.coded_text(cv.coding.start_ms, cv.coding.end_ms)}”"
                                      for cv in data.codings]
        text = "\n".join(lines)
    elif fmt == "qdpx":
        build = refi_export.build_project(ws, [session_id], options, include_media=False)
        body = next(iter(build.files.values()), b"").decode("utf-8")
        text = refi_export.project_xml(build).decode("utf-8")[:2000] + "\n…\n\nTranscript:\n" + body
    elif fmt in ("csv", "xlsx"):
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(spreadsheets.CODING_HEADERS)
        writer.writerows(spreadsheets.coding_rows(ws.db, session_id, options))
        text = buf.getvalue()
    else:
        raise ValueError(f"Unknown format {fmt!r}.")
    return text if len(text) <= limit else text[:limit] + "\n…"
