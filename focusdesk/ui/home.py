"""The study overview tab, with empty states that say what to do next."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from focusdesk.store import codes, guide, progress, sessions, study
from focusdesk.ui import next_steps
from focusdesk.ui.errors import guarded


class HomeView(QScrollArea):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setWidgetResizable(True)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.label = QLabel()
        self.label.setObjectName("homeText")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setOpenExternalLinks(False)
        self.label.linkActivated.connect(self._link)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.setWidget(inner)

    def reload(self) -> None:
        db = self.window.workspace.db
        st = study.get_study(db)
        esc = html.escape
        if st is None:
            self.label.setText(
                "<h2>Welcome to focusdesk</h2><p>This folder has no study yet.</p>"
                "<p><a href='study'>Create the study</a> — give it a title, then add sites, "
                "participants and a topic guide.</p>"
                "<p><a href='demo'>Open the demo study</a> — a finished example in its own folder: four "
                "recorded sessions, transcribed, speakers named, coded and summarised.</p>")
            return
        all_sessions = sessions.list_sessions(db)
        sites = {s.id: s.name for s in study.list_sites(db)}
        parts = study.list_participants(db)
        n_guide = sum(1 for _ in guide.load_guide(db).walk())
        n_codes = len(codes.list_codes(db))
        out = [f"<h2>{esc(st.title)}</h2>"]
        if st.description:
            out.append(f"<p>{esc(st.description)}</p>")
        out.append(f"<p>{len(sites)} site(s) · {len(parts)} participant(s) · "
                   f"{len(all_sessions)} session(s) · {n_guide} guide item(s) · {n_codes} code(s)</p>")
        todo = []
        if not sites:
            todo.append("<a href='site'>Add a site</a> where sessions take place.")
        if not parts:
            todo.append("<a href='participant'>Add participants</a> by pseudonym (P01, P02, …).")
        if not n_guide:
            todo.append("<a href='guide'>Import a topic guide</a> to tag moments live.")
        if not n_codes:
            todo.append("<a href='frame'>Import a coding frame</a> for the analysis.")
        if not all_sessions:
            todo.append("No sessions yet — <a href='session'>add a session</a>, then record one "
                        "or import audio.")
        if todo:
            out.append("<h3>Next steps</h3><ul>" + "".join(f"<li>{t}</li>" for t in todo) + "</ul>")
        if all_sessions:
            kinds = {s.id: s for s in all_sessions}
            head = ["Session", "Kind", "Site", "Date", "Audio", "Markers", "Transcript",
                    "Speech covered", "Speakers named",
                    "Codings", "Next step"]
            out.append("<h3>Sessions</h3><table cellspacing='6'><tr>"
                       + "".join(f"<th align='left'>{h}</th>" for h in head) + "</tr>")
            missing = progress.missing_audio(self.window.workspace)
            for p in progress.session_progress(db):
                s = kinds[p.session_id]
                audio = esc(progress.audio_text(p, missing.get(p.session_id, 0), none="none yet"))
                if missing.get(p.session_id):  # files moved or deleted: say so where it shows
                    audio = (f"<span style='color:#b3261e' title='Put the recording files back in "
                             f"the study folder from a copy'>⚠ {audio}</span>")
                words = f"{p.words:,} words" if p.segments else "—"
                named = f"{p.speakers_named} of {p.speakers}" if p.speakers else "—"
                step_html = next_steps.cell_html(p)  # links that do the step
                out.append(f"<tr><td><a href='open:{s.id}'>{esc(s.name)}</a></td><td>{s.kind.label}</td>"
                           f"<td>{esc(sites.get(s.site_id, ''))}</td><td>{esc(s.date)}</td>"
                           f"<td>{audio}</td>"
                           f"<td>{p.markers or '—'}</td><td>{words}</td>"
                           f"<td>{p.coverage_text or '—'}</td><td>{named}</td>"
                           f"<td>{p.codings or '—'}</td><td>{step_html}</td></tr>")
            out.append("</table>")
        self.label.setText("".join(out))

    def _link(self, target: str) -> None:
        from focusdesk.ui import study_actions as sa

        if target.startswith("open:"):
            self.window.set_current_session(int(target.split(":", 1)[1]))
            return
        if target.startswith("step:"):
            _, sid, key = target.split(":", 2)
            guarded(lambda: next_steps.run(self.window, int(sid), key), self.window)()
            return

        if target == "demo":
            from focusdesk.ui.features.demo import open_demo

            open_demo(self.window)
            return
        {"study": sa.edit_study, "site": sa.add_site, "participant": sa.add_participant,
         "guide": sa.import_guide, "frame": sa.import_frame, "session": sa.add_session}[target](self.window)
