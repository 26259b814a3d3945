"""Codings and the framework matrix as CSV and XLSX, for write-ups and other tools.

One row per coded passage: session, site, participant (speaker), start, end, code path, text,
memo. The passages and the matrix come from ``focusdesk.analysis`` (retrieval and framework),
so the text is what the corrected transcript says now; pseudonyms and redaction are applied here.
Cells that a spreadsheet would run as a formula (=, +, -, @ first) are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from focusdesk.analysis.framework import framework_matrix
from focusdesk.analysis.retrieval import passages
from focusdesk.core.timefmt import format_ms
from focusdesk.exchange.redact import build_redactor
from focusdesk.exchange.safe_write import write_text, write_with
from focusdesk.exchange.session_data import ExportOptions
from focusdesk.store import study as study_store
from focusdesk.store import transcripts

CODING_HEADERS = ["session", "site", "participant", "start", "end", "start_ms", "end_ms",
                  "code", "text", "memo", "coder"]
XLSX_CELL_MAX = 32767


def _safe_cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def coding_rows(db: sqlite_utils.Database, session_id: int | None = None,
                options: ExportOptions | None = None) -> list[list]:
    options = options or ExportOptions()
    redactor = build_redactor(db, names=options.names, redact=options.redact)
    real: dict[int, dict[int, str]] = {}
    rows = []
    for p in passages(db, session_id=session_id):
        speaker = p.speaker
        if options.names and p.speaker_id is not None:
            names = real.setdefault(p.session_id, transcripts.speaker_names(db, p.session_id, True))
            speaker = names.get(p.speaker_id, speaker)
        rows.append([p.session, p.site, speaker, format_ms(p.start_ms, millis=True),
                     format_ms(p.end_ms, millis=True), p.start_ms, p.end_ms, p.code_path,
                     redactor.apply(p.text), redactor.apply(p.memo), p.coder])
    return rows


def framework_rows(db: sqlite_utils.Database, options: ExportOptions | None = None) -> list[list]:
    """Header row then one row per case: the case, its site, then per theme the summary and
    the quotes with their attribution."""
    options = options or ExportOptions()
    redactor = build_redactor(db, names=options.names, redact=options.redact)
    m = framework_matrix(db)
    people = {p.id: p for p in study_store.list_participants(db)}
    out: list[list] = [["participant", "site"] + [t.path for t in m.columns]]
    for case in m.rows:
        p = people.get(case.id)
        name = p.real_name if options.names and p and p.real_name else case.code
        row = [name, case.site]
        for theme in m.columns:
            cell = m.cells.get((case.id, theme.id))
            if cell is None:
                row.append("")
                continue
            parts = [f"Summary: {redactor.apply(cell.summary)}"] if cell.summary else []
            for q in cell.quotes:
                where = ", ".join(x for x in (q.session, format_ms(q.start_ms)) if x)
                parts.append(f"“{redactor.apply(q.text)}” ({where})")
            row.append("\n".join(parts))
        out.append(row)
    return out


def _csv(rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow([_safe_cell(c) for c in r])
    return "\ufeff" + buf.getvalue()  # BOM: Excel then reads UTF-8 correctly


def write_codings_csv(db, target: Path | str, session_id: int | None = None,
                      options: ExportOptions | None = None) -> Path:
    return write_text(target, _csv([CODING_HEADERS] + coding_rows(db, session_id, options)))


def write_framework_csv(db, target: Path | str, options: ExportOptions | None = None) -> Path:
    return write_text(target, _csv(framework_rows(db, options)))


def _sheet(ws, rows: list[list], widths: dict[int, int]) -> None:
    for r in rows:
        ws.append([_safe_cell(ILLEGAL_CHARACTERS_RE.sub("", c)[:XLSX_CELL_MAX] if isinstance(c, str) else c)
                   for c in r])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col, width in widths.items():
        ws.column_dimensions[chr(ord("A") + col)].width = width


def write_xlsx(db, target: Path | str, session_id: int | None = None,
               options: ExportOptions | None = None, matrix: bool = True) -> Path:
    """A workbook with a "Codings" sheet and (for the study) a "Framework matrix" sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Codings"
    _sheet(ws, [CODING_HEADERS] + coding_rows(db, session_id, options),
           {0: 18, 1: 12, 2: 14, 3: 13, 4: 13, 7: 36, 8: 80, 9: 40})
    for row in ws.iter_rows(min_row=2, min_col=9, max_col=10):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if matrix:
        fm = wb.create_sheet("Framework matrix")
        rows = framework_rows(db, options)
        _sheet(fm, rows, {0: 12, 1: 12})
        for i in range(2, len(rows[0])):
            if i < 26:
                fm.column_dimensions[chr(ord("A") + i)].width = 50
        for row in fm.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return write_with(target, lambda tmp: wb.save(str(tmp)))
