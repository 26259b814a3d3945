"""Dialogs for the study's entities. They collect values; study_actions stores them."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
)

from focusdesk.core.model import Facilitator, Participant, Session, SessionKind, Site, Study


class _FormDialog(QDialog):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def validate(self) -> str | None:
        return None

    def _accept(self) -> None:
        problem = self.validate()
        if problem:
            self.show_error(problem)
            return
        self.accept()


class StudyDialog(_FormDialog):
    def __init__(self, study: Study | None, parent=None):
        super().__init__("Study details", parent)
        self.title = QLineEdit(study.title if study else "")
        self.title.setPlaceholderText("e.g. Digital therapy in practice")
        self.description = QPlainTextEdit(study.description if study else "")
        self.description.setFixedHeight(80)
        self.form.addRow("&Title", self.title)
        self.form.addRow("&Description", self.description)

    def validate(self) -> str | None:
        return None if self.title.text().strip() else "Give the study a title."

    def value(self, study: Study | None) -> Study:
        study = study or Study(title="")
        study.title = self.title.text().strip()
        study.description = self.description.toPlainText().strip()
        return study


NO_DATE = QDate(1900, 1, 1)  # a QDateEdit's minimum, shown as "—": no date given


def date_edit(iso: str = "", allow_empty: bool = True) -> QDateEdit:
    """A date field with a calendar popup: it can only hold a real date (or none)."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if allow_empty:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("—")
    parsed = QDate.fromString(iso, "yyyy-MM-dd") if iso else QDate()
    edit.setDate(parsed if parsed.isValid() else (NO_DATE if allow_empty else QDate.currentDate()))
    return edit


def date_text(edit: QDateEdit) -> str:
    """``YYYY-MM-DD``, or "" for the empty value."""
    return "" if edit.date() == edit.minimumDate() == NO_DATE else edit.date().toString("yyyy-MM-dd")


def site_combo(sites: list[Site], current: int | None = None, none_text: str = "(no site)") -> QComboBox:
    combo = QComboBox()
    combo.addItem(none_text, None)
    for s in sites:
        combo.addItem(s.name, s.id)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class SiteDialog(_FormDialog):
    def __init__(self, parent=None, site: Site | None = None):
        super().__init__("Site" if site else "Add site", parent)
        self.name = QLineEdit(site.name if site else "")
        self.name.setPlaceholderText("e.g. Site A")
        self.notes = QLineEdit(site.notes if site else "")
        self.form.addRow("&Name", self.name)
        self.form.addRow("N&otes", self.notes)

    def validate(self) -> str | None:
        return None if self.name.text().strip() else "Give the site a name."

    def value(self, site: Site | None = None) -> Site:
        site = site or Site(name="")
        site.name, site.notes = self.name.text().strip(), self.notes.text().strip()
        return site


class FacilitatorDialog(_FormDialog):
    """A facilitator: their name (shown in this window) and the code exports show instead."""

    def __init__(self, suggested_code: str = "F1", parent=None, facilitator: Facilitator | None = None):
        super().__init__("Facilitator" if facilitator else "Add facilitator", parent)
        self.name = QLineEdit(facilitator.name if facilitator else "")
        self.name.setPlaceholderText("e.g. Anna Berg")
        self.code = QLineEdit(facilitator.code if facilitator else suggested_code)
        self.code.setToolTip("What transcripts and exports show instead of the name, e.g. F1 or Moderator")
        self.initials = QLineEdit(facilitator.initials if facilitator else "")
        self.form.addRow("&Name", self.name)
        self.form.addRow("Pseudonym &code", self.code)
        self.form.addRow("&Initials", self.initials)
        note = QLabel("Transcripts and exports show the code; the name only with real names.")
        note.setWordWrap(True)
        self.form.addRow("", note)

    def validate(self) -> str | None:
        if not self.name.text().strip():
            return "Give the facilitator's name."
        return None if self.code.text().strip() else "Give a pseudonym code such as F1."

    def value(self, facilitator: Facilitator | None = None) -> Facilitator:
        f = facilitator or Facilitator(name="")
        f.name, f.code = self.name.text().strip(), self.code.text().strip()
        f.initials = self.initials.text().strip()
        return f


class ParticipantDialog(_FormDialog):
    """Add (``suggested_code``, ``site_id``: the last entry's site) or edit (``participant``)."""

    def __init__(self, sites: list[Site], suggested_code: str = "", parent=None,
                 participant: Participant | None = None, site_id: int | None = None):
        super().__init__("Participant" if participant else "Add participant", parent)
        p = participant or Participant(code=suggested_code, site_id=site_id)
        self.code = QLineEdit(p.code)
        self.site = site_combo(sites, p.site_id)
        self.role = QLineEdit(p.role)
        self.role.setPlaceholderText("e.g. occupational therapist")
        self.real_name = QLineEdit(p.real_name)
        self.real_name.setPlaceholderText("optional; kept apart and never exported by default")
        self.consent = date_edit(p.consent_date)
        self.consent.setToolTip("Pick the date from the calendar; leave at — when not recorded")
        self.attributes = QPlainTextEdit("\n".join(f"{k}={v}" for k, v in p.attributes.items()))
        self.attributes.setPlaceholderText("one per line: profession=OT")
        self.attributes.setFixedHeight(70)
        self.form.addRow("Pseudonym &code", self.code)
        self.form.addRow("&Site", self.site)
        self.form.addRow("&Role", self.role)
        self.form.addRow("Real &name", self.real_name)
        self.form.addRow("&Consent date", self.consent)
        self.form.addRow("&Attributes", self.attributes)

    def _attrs(self) -> dict[str, str]:
        out = {}
        for line in self.attributes.toPlainText().splitlines():
            if line.strip():
                key, sep, value = line.partition("=")
                if not sep:
                    raise ValueError(f"Attribute line {line!r} needs key=value.")
                out[key.strip()] = value.strip()
        return out

    def validate(self) -> str | None:
        if not self.code.text().strip():
            return "Give the participant a pseudonym code such as P01."
        try:
            self._attrs()
        except ValueError as exc:
            return str(exc)
        return None

    def value(self, participant: Participant | None = None) -> Participant:
        p = participant or Participant(code="")
        p.code, p.site_id = self.code.text().strip(), self.site.currentData()
        p.role, p.real_name = self.role.text().strip(), self.real_name.text().strip()
        p.consent_date, p.attributes = date_text(self.consent), self._attrs()
        return p


def _check_list(rows: list[tuple[str, int]], chosen: set[int]) -> QListWidget:
    widget = QListWidget()
    for text, pid in rows:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, pid)
        item.setCheckState(Qt.CheckState.Checked if pid in chosen else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def _checked(widget: QListWidget) -> list[int]:
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


class SessionDialog(_FormDialog):
    """A session's details and who took part: participants (a tall checkable list, filtered by
    site, the session's own by default; ticks outside the filter are kept) and facilitators."""

    def __init__(self, sites: list[Site], participants: list[Participant], session: Session | None = None,
                 parent=None, facilitators: list[Facilitator] | None = None):
        super().__init__("Session details" if session else "Add session", parent)
        self._site_of = {p.id: p.site_id for p in participants}
        self.name = QLineEdit(session.name if session else "")
        self.name.setPlaceholderText("e.g. Focus group 1")
        self.kind = QComboBox()
        for k in SessionKind:
            self.kind.addItem(k.label, k.value)
        self.site = site_combo(sites, session.site_id if session else None)
        self.date = date_edit(session.date if session else "", allow_empty=False)
        self.participant_filter = site_combo(sites, self.site.currentData(), "All sites")
        self.participant_filter.setToolTip("Show the participants of one site (ticks elsewhere are kept)")
        self.participants = _check_list([(f"{p.code}  {p.role}".strip(), p.id) for p in participants],
                                        set(session.participant_ids) if session else set())
        self.participants.setMinimumHeight(220)
        self.chosen = QLabel()
        self.facilitators = _check_list([(f"{f.code} — {f.name}", f.id) for f in facilitators or []],
                                        set(session.facilitator_ids) if session else set())
        self.facilitators.setMinimumHeight(70)
        self.facilitators.setMaximumHeight(120)
        self.facilitators.setToolTip("Who ran the session: counted as a voice when finding speakers")
        self.notes = QPlainTextEdit(session.notes if session else "")
        self.notes.setFixedHeight(60)
        if session:
            self.kind.setCurrentIndex(self.kind.findData(session.kind.value))
        people = QVBoxLayout()
        people.addWidget(self.participant_filter)
        people.addWidget(self.participants, 1)
        people.addWidget(self.chosen)
        self.form.addRow("&Name", self.name)
        self.form.addRow("&Kind", self.kind)
        self.form.addRow("&Site", self.site)
        self.form.addRow("&Date", self.date)
        self.form.addRow("&Participants", people)
        self.form.addRow("&Facilitators", self.facilitators if facilitators else
                         QLabel("None yet: add one with Study ▸ Add facilitator…"))
        self.form.addRow("N&otes", self.notes)
        self.site.currentIndexChanged.connect(
            lambda _i: self.participant_filter.setCurrentIndex(max(0, self.participant_filter.findData(
                self.site.currentData()))))
        self.participant_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.participants.itemChanged.connect(lambda _item: self._count())
        self._filter()

    def _filter(self) -> None:
        site = self.participant_filter.currentData()
        for i in range(self.participants.count()):
            item = self.participants.item(i)
            item.setHidden(site is not None and self._site_of.get(item.data(Qt.ItemDataRole.UserRole)) != site)
        self._count()

    def _count(self) -> None:
        hidden = sum(1 for i in range(self.participants.count()) if self.participants.item(i).isHidden()
                     and self.participants.item(i).checkState() == Qt.CheckState.Checked)
        n = len(_checked(self.participants))
        self.chosen.setText(f"{n} chosen" + (f" ({hidden} from other sites)" if hidden else ""))

    def validate(self) -> str | None:
        return None if self.name.text().strip() else "Give the session a name."

    def value(self, session: Session | None = None) -> Session:
        session = session or Session(name="")
        session.name = self.name.text().strip()
        session.kind = SessionKind(self.kind.currentData())
        session.site_id = self.site.currentData()
        session.date = date_text(self.date)
        session.notes = self.notes.toPlainText().strip()
        session.participant_ids = _checked(self.participants)
        session.facilitator_ids = _checked(self.facilitators)
        return session
