"""A list model over one session's transcript: speaker turns plus inline markers and guide items.

Rows are segments (in time order) with the session's markers interleaved at their times
(topic-guide items as headings, other markers as flags). The model holds plain store objects;
layout and painting are the delegate's job. Reloading re-reads the database and emits only
``dataChanged`` when the row structure is unchanged, so a transcription job streaming segments
or an edit costs one query, not a rebuilt view.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt

from focusdesk.core.model import Coding, GuideItem, Marker, Segment
from focusdesk.core.speech_cover import Stretch
from focusdesk.core.timefmt import format_ms
from focusdesk.store import (
    annotations,
    coders,
    codes,
    diarization,
    guide,
    speech_regions,
    transcripts,
    withdrawal,
)
from focusdesk.transcribe.types import LOW_CONFIDENCE

WordPos = tuple[int, int]  # (segment order, word index)


@dataclass
class Row:
    kind: str  # "segment" | "guide" | "marker" | "gap" (speech without words)
    seg: int = -1  # index into TranscriptModel.segments
    marker: Marker | None = None
    item: GuideItem | None = None
    stretch: Stretch | None = None  # a gap row's untranscribed speech

    def key(self) -> tuple:
        if self.kind == "segment":
            return ("s", self.seg)
        if self.kind == "gap":
            return ("g", self.stretch.start_ms, self.stretch.end_ms)
        return ("m", self.marker.id if self.marker else 0)


@dataclass(frozen=True)
class CoderMark:
    """Whose a coding is, as the editor marks it when several coders coded the study."""
    coder_id: int
    initials: str
    colour: str
    name: str


def words_of(seg: Segment) -> list[str]:
    """What the view shows for a segment: its timed words, else its text's tokens."""
    if seg.words:
        return [w.text.strip() or w.text for w in seg.words]
    return seg.text.split()


class TranscriptModel(QAbstractListModel):
    def __init__(self, db, session_id: int, parent=None):
        super().__init__(parent)
        self.db = db
        self.session_id = session_id
        self.segments: list[Segment] = []
        self.rows: list[Row] = []
        self.seg_row: list[int] = []  # segment order -> row
        self.seg_order: dict[int, int] = {}  # segment id -> order
        self.names: dict[int, str] = {}
        self.withdrawn: set[int] = set()  # voices of withdrawn participants: their turns are read-only
        self.speaker_order: list[int] = []
        self.overlaps: dict[int, list[int]] = {}  # segment id -> speakers talking at the same time
        self.markers: list[Marker] = []
        self.codings: list[Coding] = []
        self.code_colours: dict[int, str] = {}
        self.code_names: dict[int, str] = {}
        self.coder_names: dict[int, str] = {}
        self.several_coders = False  # more than one coder has codings: each coding shows whose
        self._starts: list[int] = []
        self.current: WordPos | None = None  # the word being spoken (follow mode)
        self.selection: tuple[WordPos, WordPos] | None = None
        self.versions: dict[int, tuple] = {}  # segment id -> content signature
        self._coding_cache: dict[int, list[Coding]] = {}

    # --- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.rows[index.row()]
        if row.kind == "segment":
            seg = self.segments[row.seg]
            if role == Qt.ItemDataRole.ToolTipRole:
                tip = f"{self.speaker_name(seg.speaker_id)} {format_ms(seg.start_ms)}–{format_ms(seg.end_ms)}"
                others = self.overlapping(row.seg)
                tip += f"\nOverlaps with {', '.join(others)} (both talk at once)" if others else ""
                marks = self.coder_marks(row.seg)
                return tip + (f"\nCoded by {', '.join(m.name for m in marks)}" if marks else "")
            return seg.text
        return self.anchor_text(row)

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.rows[index.row()] if index.isValid() else None
        if row is not None and row.kind == "segment" and self.segments[row.seg].speaker_id not in self.withdrawn:
            base |= Qt.ItemFlag.ItemIsEditable  # a withdrawn participant's turns are read-only
        return base

    # --- loading ---------------------------------------------------------------------------

    def load(self) -> list[int]:
        """(Re)read the session; returns the rows whose content changed (all on a reset)."""
        db = self.db
        segments = transcripts.list_segments(db, self.session_id)
        markers = annotations.list_markers(db, self.session_id)
        topic = guide.load_guide(db)
        rows: list[Row] = []
        mi = 0
        for order, seg in enumerate(segments):
            while mi < len(markers) and markers[mi].ms <= seg.start_ms:
                rows.append(self._anchor_row(markers[mi], topic))
                mi += 1
            rows.append(Row("segment", seg=order))
        rows.extend(self._anchor_row(m, topic) for m in markers[mi:])
        rows = self._with_gaps(rows, segments)
        self._load_names_and_codings()
        old_keys = [r.key() for r in self.rows]
        new_keys = [r.key() for r in rows]
        new_versions = {s.id: (s.start_ms, s.end_ms, s.speaker_id, s.text, len(s.words),
                               tuple(self.overlaps.get(s.id, ()))) for s in segments}
        old_markers = {m.id: (m.ms, m.tag, m.note, m.guide_item_key) for m in self.markers}
        same_shape = old_keys == new_keys and [s.id for s in segments] == [s.id for s in self.segments]
        if same_shape:
            changed = [i for i, r in enumerate(rows) if (
                r.kind == "segment" and self.versions.get(segments[r.seg].id) != new_versions[segments[r.seg].id]
            ) or (r.kind in ("guide", "marker") and old_markers.get(r.marker.id) != (
                r.marker.ms, r.marker.tag, r.marker.note, r.marker.guide_item_key))]
            self.segments, self.rows, self.markers = segments, rows, markers
            self.versions = new_versions
            self._index()
            for i in changed:
                self.dataChanged.emit(self.index(i), self.index(i))
            return changed
        self.beginResetModel()
        self.segments, self.rows, self.markers = segments, rows, markers
        self.versions = new_versions
        self.selection = None
        self.current = None
        self._index()
        self.endResetModel()
        return list(range(len(rows)))

    def _with_gaps(self, rows: list[Row], segments: list[Segment]) -> list[Row]:
        """``rows`` with a row for each stretch of detected speech without words, at its time."""
        stretches = speech_regions.session_coverage(self.db, self.session_id).stretches
        if not stretches:
            return rows
        out: list[Row] = []
        gi = 0
        for row in rows:
            t = segments[row.seg].start_ms if row.kind == "segment" else row.marker.ms
            while gi < len(stretches) and stretches[gi].start_ms < t:
                out.append(Row("gap", stretch=stretches[gi]))
                gi += 1
            out.append(row)
        out.extend(Row("gap", stretch=st) for st in stretches[gi:])
        return out

    def gap_rows(self) -> list[int]:
        """Rows of untranscribed speech, in time order."""
        return [i for i, r in enumerate(self.rows) if r.kind == "gap"]

    def _anchor_row(self, m: Marker, topic) -> Row:
        item = topic.find(m.guide_item_key) if m.guide_item_key else None
        return Row("guide" if item else "marker", marker=m, item=item)

    def _load_names_and_codings(self) -> None:
        self.names = transcripts.speaker_names(self.db, self.session_id)
        self.withdrawn = withdrawal.removed_speakers(self.db, self.session_id)
        self.speaker_order = [sp.id for sp in transcripts.list_speakers(self.db, self.session_id)]
        self.overlaps = diarization.segment_overlaps(self.db, self.session_id)
        self.reload_codings()

    def reload_codings(self) -> None:
        self.codings = coders.visible(self.db, annotations.list_codings(self.db, self.session_id))
        all_codes = codes.list_codes(self.db)
        self.code_colours = {c.id: c.colour for c in all_codes}
        self.code_names = {c.id: c.name for c in all_codes}
        self.coder_names = {c.id: c.name for c in coders.list_coders(self.db)}
        self.several_coders = len(coders.coding_counts(self.db)) > 1
        self._coding_cache.clear()

    def _index(self) -> None:
        self.seg_row = [0] * len(self.segments)
        for r, row in enumerate(self.rows):
            if row.kind == "segment":
                self.seg_row[row.seg] = r
        self.seg_order = {s.id: i for i, s in enumerate(self.segments)}
        self._starts = [s.start_ms for s in self.segments]
        self._coding_cache.clear()

    # --- lookups ---------------------------------------------------------------------------

    def speaker_name(self, speaker_id: int | None) -> str:
        return self.names.get(speaker_id, "") if speaker_id is not None else "—"

    def overlapping(self, order: int) -> list[str]:
        """Names of the other speakers talking during segment ``order`` (empty: nobody)."""
        return [self.speaker_name(sid) for sid in self.overlaps.get(self.segments[order].id, ())]

    def anchor_text(self, row: Row) -> str:
        if row.kind == "gap":
            from focusdesk.ui.transcript.gaps import gap_text

            return gap_text(row.stretch)
        m = row.marker
        if row.item is not None:
            return row.item.text
        parts = [p for p in (m.tag, m.note) if p]
        return " — ".join(parts) or "Marker"

    def segment_at_row(self, row: int) -> Segment | None:
        if 0 <= row < len(self.rows) and self.rows[row].kind == "segment":
            return self.segments[self.rows[row].seg]
        return None

    def word_at_time(self, ms: int) -> WordPos | None:
        """The word being spoken at ``ms``: the last word that started at or before it."""
        i = bisect.bisect_right(self._starts, ms) - 1
        if i < 0:
            return None
        # Segments may overlap (two channels); prefer the latest one that contains ms.
        j = i
        while j >= 0 and i - j < 4:
            seg = self.segments[j]
            if seg.start_ms <= ms <= seg.end_ms:
                i = j
                break
            j -= 1
        seg = self.segments[i]
        if not seg.words:
            return (i, 0) if ms <= seg.end_ms else None
        k = bisect.bisect_right([w.start_ms for w in seg.words], ms) - 1
        return (i, max(0, k))

    def word_time(self, pos: WordPos) -> tuple[int, int]:
        seg = self.segments[pos[0]]
        if seg.words and pos[1] < len(seg.words):
            w = seg.words[pos[1]]
            return w.start_ms, w.end_ms
        return seg.start_ms, seg.end_ms

    def low_confidence(self, order: int) -> list[int]:
        """Indices of the words Whisper was unsure of (typed words have no probability)."""
        return [i for i, w in enumerate(self.segments[order].words)
                if w.probability is not None and w.probability < LOW_CONFIDENCE]

    def unsure_words(self) -> list[WordPos]:
        """Every low-confidence word, in transcript order."""
        return [(order, i) for order in range(len(self.segments)) for i in self.low_confidence(order)]

    def next_unsure(self, after: WordPos | None, backwards: bool = False,
                    words: list[WordPos] | None = None) -> WordPos | None:
        """The word to check after (or before) ``after``; from the start (end) when None.
        ``words``: :meth:`unsure_words`, when the caller has it already."""
        words = self.unsure_words() if words is None else words
        if backwards:
            return next((p for p in reversed(words) if after is None or p < after), None)
        return next((p for p in words if after is None or p > after), None)

    def word_tooltip(self, pos: WordPos) -> str:
        start, end = self.word_time(pos)
        seg = self.segments[pos[0]]
        text = f"{format_ms(start)}–{format_ms(end)}"
        if seg.words and pos[1] < len(seg.words) and seg.words[pos[1]].probability is not None:
            p = seg.words[pos[1]].probability
            text += f"  ·  confidence {p:.0%}" + ("  (check this word)" if p < LOW_CONFIDENCE else "")
        coded = dict.fromkeys(self.code_names.get(c.code_id, "?") + (
            f" ({self.coder_mark(c.coder_id).name})" if self.several_coders else "")
            for c in self.codings_for(pos[0]) if c.start_ms < end and c.end_ms > start)
        if coded:
            text += "\ncoded: " + ", ".join(coded)
        return text

    def codings_for(self, order: int) -> list[Coding]:
        """Codings overlapping a segment in time (and in speaker, when the coding names one)."""
        cached = self._coding_cache.get(order)
        if cached is not None:
            return cached
        seg = self.segments[order]
        out = [c for c in self.codings if c.start_ms < seg.end_ms and c.end_ms > seg.start_ms
               and (c.speaker_id is None or c.speaker_id == seg.speaker_id)]
        self._coding_cache[order] = out
        return out

    def coder_mark(self, coder_id: int) -> CoderMark:
        name = self.coder_names.get(coder_id, f"coder {coder_id}")
        return CoderMark(coder_id, coders.initials(name), coders.mark_colour(coder_id), name)

    def coder_marks(self, order: int) -> list[CoderMark]:
        """The coders whose (shown) codings touch a segment; none while only one coder codes."""
        if not self.several_coders:
            return []
        return [self.coder_mark(i) for i in sorted({c.coder_id for c in self.codings_for(order)})]

    def selected_positions(self) -> tuple[WordPos, WordPos] | None:
        if self.selection is None:
            return None
        a, b = self.selection
        return (a, b) if a <= b else (b, a)

    def selection_range(self) -> tuple[int, int, int | None] | None:
        sel = self.selected_positions()
        if sel is None:
            return None
        (a, b) = sel
        start = self.word_time(a)[0]
        end = self.word_time(b)[1]
        speakers = {self.segments[i].speaker_id for i in range(a[0], b[0] + 1)}
        speaker = speakers.pop() if len(speakers) == 1 else None
        return start, max(start, end), speaker

    def row_text(self, row: int) -> str:
        seg = self.segment_at_row(row)
        return seg.text if seg else ""
