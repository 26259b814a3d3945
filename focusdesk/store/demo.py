"""A demo study shaped like the one focusdesk was built for: 2 sites, 11 practitioners,
3 focus groups and a telephone interview, the template topic guide and the example frame."""

from __future__ import annotations

from focusdesk.core.model import Facilitator, Participant, Session, SessionKind, Site, Study
from focusdesk.core.outline import TEMPLATES, load_frame_file, load_guide_file
from focusdesk.store import codes, guide, sessions, study
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace

PROFESSIONS = ["occupational therapist", "physiotherapist", "speech therapist", "psychologist"]


def create_demo_study(ws: Workspace) -> None:
    db = ws.db
    if study.get_study(db) is not None:
        raise ValueError(f"{ws.root} already holds a study; choose an empty folder for the demo.")
    with transaction(db):
        study.save_study(db, Study(title="Digital therapy in practice (demo)",
                                   description="Practitioners' views on added value and added burden."))
        a = study.add_site(db, Site("Site A", notes="urban rehabilitation centre"))
        b = study.add_site(db, Site("Site B", notes="rural community service"))
        fac = study.add_facilitator(db, Facilitator("Facilitator", initials="F"))
        people = []
        for i in range(1, 12):
            site = a if i <= 6 else b
            people.append(study.add_participant(db, Participant(
                code=f"P{i:02d}", site_id=site.id, role="practitioner",
                attributes={"profession": PROFESSIONS[i % 4], "years": str(2 + (i * 3) % 15)})))
        plan = [("Focus group 1", SessionKind.FOCUS_GROUP, a, "2024-03-04", people[0:4]),
                ("Focus group 2", SessionKind.FOCUS_GROUP, a, "2024-03-11", people[4:6] + people[0:1]),
                ("Focus group 3", SessionKind.FOCUS_GROUP, b, "2024-03-18", people[6:10]),
                ("Telephone interview 1", SessionKind.TELEPHONE_INTERVIEW, b, "2024-03-25", people[10:11])]
        for name, kind, site, date, members in plan:
            sessions.add_session(db, Session(name, kind, site.id, date, participant_ids=[p.id for p in members],
                                             facilitator_ids=[fac.id]))
        guide.save_guide(db, load_guide_file(TEMPLATES / "topic-guide.md"))
        codes.import_frame(db, load_frame_file(TEMPLATES / "coding-frame.yaml"))
