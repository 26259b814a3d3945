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

from focusdesk.core.model import Participant, Session, SessionKind, Site, Study


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


class SiteDialog(_FormDialog):
    def __init__(self, parent=None):
        super().__init__("Add site", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Site A")
        self.notes = QLineEdit()
        self.form.addRow("&Name", self.name)
        self.form.addRow("N&otes", self.notes)

    def validate(self) -> str | None:
        return None if self.name.text().strip() else "Give the site a name."

    def value(self) -> Site:
        return Site(name=self.name.text().strip(), notes=self.notes.text().strip())


class ParticipantDialog(_FormDialog):
    def __init__(self, sites: list[Site], suggested_code: str, parent=None):
        super().__init__("Add participant", parent)
        self.code = QLineEdit(suggested_code)
        self.site = QComboBox()
        self.site.addItem("(no site)", None)
        for s in sites:
            self.site.addItem(s.name, s.id)
        self.role = QLineEdit()
        self.role.setPlaceholderText("e.g. occupational therapist")
        self.real_name = QLineEdit()
        self.real_name.setPlaceholderText("optional; kept apart and never exported by default")
        self.consent = QLineEdit()
        self.consent.setPlaceholderText("YYYY-MM-DD")
        self.attributes = QPlainTextEdit()
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

    def value(self) -> Participant:
        return Participant(code=self.code.text().strip(), site_id=self.site.currentData(),
                           role=self.role.text().strip(), real_name=self.real_name.text().strip(),
                           consent_date=self.consent.text().strip(), attributes=self._attrs())


class SessionDialog(_FormDialog):
    def __init__(self, sites: list[Site], participants: list[Participant], session: Session | None = None,
                 parent=None):
        super().__init__("Session details" if session else "Add session", parent)
        self.name = QLineEdit(session.name if session else "")
        self.name.setPlaceholderText("e.g. Focus group 1")
        self.kind = QComboBox()
        for k in SessionKind:
            self.kind.addItem(k.label, k.value)
        self.site = QComboBox()
        self.site.addItem("(no site)", None)
        for s in sites:
            self.site.addItem(s.name, s.id)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.participants = QListWidget()
        self.participants.setFixedHeight(120)
        chosen = set(session.participant_ids) if session else set()
        for p in participants:
            item = QListWidgetItem(f"{p.code}  {p.role}".strip())
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setCheckState(Qt.CheckState.Checked if p.id in chosen else Qt.CheckState.Unchecked)
            self.participants.addItem(item)
        self.notes = QPlainTextEdit(session.notes if session else "")
        self.notes.setFixedHeight(60)
        if session:
            self.kind.setCurrentIndex(self.kind.findData(session.kind.value))
            self.site.setCurrentIndex(max(0, self.site.findData(session.site_id)))
            if session.date:
                self.date.setDate(QDate.fromString(session.date, "yyyy-MM-dd"))
        self.form.addRow("&Name", self.name)
        self.form.addRow("&Kind", self.kind)
        self.form.addRow("&Site", self.site)
        self.form.addRow("&Date", self.date)
        self.form.addRow("&Participants", self.participants)
        self.form.addRow("N&otes", self.notes)

    def validate(self) -> str | None:
        return None if self.name.text().strip() else "Give the session a name."

    def value(self, session: Session | None = None) -> Session:
        session = session or Session(name="")
        session.name = self.name.text().strip()
        session.kind = SessionKind(self.kind.currentData())
        session.site_id = self.site.currentData()
        session.date = self.date.date().toString("yyyy-MM-dd")
        session.notes = self.notes.toPlainText().strip()
        session.participant_ids = [
            self.participants.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.participants.count())
            if self.participants.item(i).checkState() == Qt.CheckState.Checked]
        return session
