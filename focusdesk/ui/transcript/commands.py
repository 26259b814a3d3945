"""Undoable edits: every command writes to the database at once and can be undone exactly.

The first ``redo`` runs the store operation and remembers the resulting rows; later redos write
those rows back (same ids), so commands further up the stack that point at a segment created by a
split still find it after undo/redo.
"""

from __future__ import annotations

from copy import deepcopy

from PySide6.QtGui import QUndoCommand

from focusdesk.core.changes import Entity
from focusdesk.core.model import Marker, Segment, Speaker
from focusdesk.store import annotations, speaker_ops, transcript_ops, transcripts


class _Command(QUndoCommand):
    touches: tuple[Entity, ...] = (Entity.SEGMENTS,)  # what the edit changes, for the other views

    def __init__(self, editor, text: str):
        super().__init__(text)
        self.editor = editor
        self.db = editor.db
        self._skip = False

    def apply(self) -> None:
        """Run the edit now (raising on bad input, nothing pushed); the push's redo then only
        refreshes the view."""
        self._redo()
        self._skip = True

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._redo()

    def _redo(self) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        self.editor.after_change(self.touches)


class EditTextCommand(_Command):
    def __init__(self, editor, segment_id: int, text: str):
        super().__init__(editor, "Edit text")
        self.segment_id, self.text = segment_id, text
        self.before: Segment | None = None
        self.after: Segment | None = None

    def _redo(self) -> None:
        if self.after is None:
            self.before, self.after = transcript_ops.edit_segment_text(self.db, self.segment_id, self.text)
        else:
            transcript_ops.restore_segments(self.db, [self.after])
        self._done()

    def undo(self) -> None:
        transcript_ops.restore_segments(self.db, [self.before])
        self._done()


class SplitCommand(_Command):
    def __init__(self, editor, segment_id: int, char_pos: int | None = None, text: str | None = None,
                 word_index: int | None = None):
        super().__init__(editor, "Split turn")
        self.args = dict(char_pos=char_pos, text=text, word_index=word_index)
        self.segment_id = segment_id
        self.before = self.first = self.second = None

    def _redo(self) -> None:
        if self.first is None:
            self.before, self.first, self.second = transcript_ops.split_segment(
                self.db, self.segment_id, **self.args)
        else:
            transcript_ops.restore_segments(self.db, [self.first, self.second])
        self._done()

    def undo(self) -> None:
        transcript_ops.delete_segments(self.db, [self.second.id])
        transcript_ops.restore_segments(self.db, [self.before])
        self._done()


class MergeCommand(_Command):
    def __init__(self, editor, first_id: int, second_id: int):
        super().__init__(editor, "Merge turns")
        self.ids = (first_id, second_id)
        self.before: list[Segment] | None = None
        self.merged: Segment | None = None

    def _redo(self) -> None:
        if self.merged is None:
            self.before, self.merged = transcript_ops.merge_segments(self.db, *self.ids)
        else:
            gone = [s.id for s in self.before if s.id != self.merged.id]
            transcript_ops.delete_segments(self.db, gone)
            transcript_ops.restore_segments(self.db, [self.merged])
        self._done()

    def undo(self) -> None:
        transcript_ops.restore_segments(self.db, self.before)
        self._done()


class SetSpeakerCommand(_Command):
    touches = (Entity.SEGMENTS, Entity.SPEAKERS)  # talk time and named-speaker counts move
    def __init__(self, editor, segment_ids: list[int], speaker_id: int | None):
        super().__init__(editor, "Change speaker")
        self.segment_ids, self.speaker_id = segment_ids, speaker_id
        self.before: list[Segment] = []

    def _redo(self) -> None:
        self.before = []
        for sid in self.segment_ids:
            before, _ = transcript_ops.set_segment_speaker(self.db, sid, self.speaker_id)
            self.before.append(before)
        self._done()

    def undo(self) -> None:
        for seg in self.before:
            transcript_ops.set_segment_speaker(self.db, seg.id, seg.speaker_id)
        self._done()


class NewSpeakerCommand(_Command):
    """Add a voice and give it the chosen turns (e.g. the diarizer missed a speaker)."""

    touches = (Entity.SEGMENTS, Entity.SPEAKERS)

    def __init__(self, editor, session_id: int, segment_ids: list[int], label: str | None = None):
        super().__init__(editor, "New speaker")
        self.session_id, self.segment_ids, self.label = session_id, segment_ids, label
        self.speaker: Speaker | None = None
        self.before: list[Segment] = []

    def _redo(self) -> None:
        if self.speaker is None:
            self.speaker = speaker_ops.add_speaker(self.db, self.session_id, self.label)
        else:
            speaker_ops.restore_speaker(self.db, self.speaker)
        self.before = [transcript_ops.set_segment_speaker(self.db, sid, self.speaker.id)[0]
                       for sid in self.segment_ids]
        self._done()

    def undo(self) -> None:
        for seg in self.before:
            transcript_ops.set_segment_speaker(self.db, seg.id, seg.speaker_id)
        speaker_ops.delete_speaker(self.db, self.speaker.id)
        self._done()


class RenameSpeakerCommand(_Command):
    """Relabel a voice across the session; onto an existing label it merges (undoably)."""

    touches = (Entity.SEGMENTS, Entity.SPEAKERS, Entity.CODINGS)  # a merge moves codings too

    def __init__(self, editor, session_id: int, speaker_id: int, new_label: str):
        super().__init__(editor, "Rename speaker")
        self.session_id, self.speaker_id, self.new_label = session_id, speaker_id, new_label
        self.before: Speaker | None = None
        self.merge: speaker_ops.MergeResult | None = None

    def _redo(self) -> None:
        self.before = deepcopy(transcripts.get_speaker(self.db, self.speaker_id))
        existing = speaker_ops.other_speaker_with_label(self.db, self.session_id, self.new_label, self.speaker_id)
        if existing is not None:
            self.setText("Merge speakers")
            self.merge = speaker_ops.merge_speakers(self.db, self.session_id, [self.speaker_id], existing)
        else:
            self.merge = None
            speaker_ops.rename_speaker(self.db, self.session_id, self.speaker_id, self.new_label)
        self._done()

    def undo(self) -> None:
        if self.merge is not None:
            speaker_ops.unmerge_speakers(self.db, self.merge)
        else:
            speaker_ops.restore_speaker(self.db, self.before)
        self._done()


class MergeSpeakersCommand(_Command):
    touches = (Entity.SEGMENTS, Entity.SPEAKERS, Entity.CODINGS)

    def __init__(self, editor, session_id: int, source_ids: list[int], target_id: int):
        super().__init__(editor, "Merge speakers")
        self.session_id, self.source_ids, self.target_id = session_id, source_ids, target_id
        self.result: speaker_ops.MergeResult | None = None

    def _redo(self) -> None:
        self.result = speaker_ops.merge_speakers(self.db, self.session_id, self.source_ids, self.target_id)
        self._done()

    def undo(self) -> None:
        speaker_ops.unmerge_speakers(self.db, self.result)
        self._done()


class AssignSpeakerCommand(_Command):
    touches = (Entity.SPEAKERS,)

    def __init__(self, editor, session_id: int, speaker_id: int, participant_id: int | None,
                 facilitator_id: int | None):
        super().__init__(editor, "Assign speaker")
        self.session_id, self.speaker_id = session_id, speaker_id
        self.ids = (participant_id, facilitator_id)
        self.before: Speaker | None = None

    def _redo(self) -> None:
        self.before = deepcopy(transcripts.get_speaker(self.db, self.speaker_id))
        speaker_ops.assign_speaker(self.db, self.session_id, self.speaker_id, *self.ids)
        self._done()

    def undo(self) -> None:
        speaker_ops.restore_speaker(self.db, self.before)
        self._done()


class AddMarkerCommand(_Command):
    touches = (Entity.MARKERS,)

    def __init__(self, editor, marker: Marker):
        super().__init__(editor, "Insert marker")
        self.marker = marker

    def _redo(self) -> None:
        m = self.marker
        if m.id is None:
            annotations.add_marker(self.db, m)
        else:
            annotations.restore_marker(self.db, m)
        self._done()

    def undo(self) -> None:
        annotations.delete_marker(self.db, self.marker.id)
        self._done()


class ReplaceAllCommand(_Command):
    def __init__(self, editor, session_id: int, find: str, replacement: str, case_sensitive: bool,
                 whole_word: bool, segment_ids: list[int] | None = None):
        super().__init__(editor, f"Replace “{find}”")
        self.args = (session_id, find, replacement, case_sensitive, whole_word, segment_ids)
        self.before: list[Segment] | None = None
        self.after: list[Segment] = []

    def _redo(self) -> None:
        if self.before is None:
            self.before = transcript_ops.find_replace(self.db, *self.args)
            self.after = [transcripts.get_segment(self.db, s.id) for s in self.before]
        else:
            transcript_ops.restore_segments(self.db, self.after)
        self._done()

    def undo(self) -> None:
        transcript_ops.restore_segments(self.db, self.before)
        self._done()
