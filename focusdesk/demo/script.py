"""What the demo's people say: four short sessions about a digital therapy programme, written for
the study focusdesk was made for (practitioners' views of its added value and added burden).

Each line says who speaks, the words, and what a researcher did at that moment: a topic-guide
marker set live, a quick tag, codes applied later. The build speaks the lines with espeak-ng, so it
knows when every line starts and ends, and puts markers, seat taps and codings at those times.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: ``name`` (a language, optionally +variant), words per minute, pitch 0-99."""

    name: str
    speed: int = 160
    pitch: int = 50
    tract: float = 1.0  # >1 a smaller vocal tract: formants and pitch up (played faster, spoken slower)
    tilt: float = 0.0  # -0.9 (darker) .. 0.9 (brighter): a first-order filter, as a microphone would


@dataclass(frozen=True)
class Line:
    who: str  # "F" (the facilitator) or a participant code
    text: str
    guide: str | None = None  # a topic-guide item marked live as this line starts
    tag: str | None = None  # a quick tag set live during the line
    codes: tuple[str, ...] = ()  # code paths applied to the line by hand
    memo: str = ""  # the memo of those codings
    overlap_ms: int = 0  # starts this long before the previous line ends (talking over it)
    pause_ms: int = 450  # silence before the line (ignored when it overlaps)


@dataclass(frozen=True)
class SessionScript:
    name: str  # as store/demo.py names the session
    lines: tuple[Line, ...]
    telephone: bool = False  # two channels (facilitator left, participant right), 8 kHz
    auto_codes: tuple[tuple[str, str], ...] = field(default=())  # (query, code path)


FACILITATOR = Voice("en-gb-x-rp", 158, 48, 1.0, 0.0)
VOICES: dict[str, Voice] = {
    "F": FACILITATOR,
    "P01": Voice("en-us+m3", 168, 38, 0.86, -0.6),
    "P02": Voice("en-gb+f3", 152, 68, 1.18, 0.5),
    "P03": Voice("en-gb-scotland+klatt", 162, 30, 0.92, 0.8),
    "P04": Voice("en-us+f4", 158, 74, 1.28, -0.4),
    "P05": Voice("en-029+klatt2", 150, 42, 0.82, 0.3),
    "P06": Voice("en-gb-x-gbclan+f2", 160, 62, 1.22, -0.7),
    "P07": Voice("en-us-nyc", 172, 28, 0.84, 0.7),
    "P08": Voice("en-gb+f4", 150, 78, 1.3, 0.2),
    "P09": Voice("en-gb-x-gbcwmd+klatt3", 156, 44, 0.95, -0.8),
    "P10": Voice("en-us+f2", 166, 58, 1.14, 0.85),
    "P11": Voice("en-us+m7", 150, 36, 0.9, -0.3),
}

VALUE = "Added value"
BURDEN = "Added burden"
ENGAGE = f"{VALUE}/Fosters engagement"
UBIQ = f"{VALUE}/Therapy becomes ubiquitous"
DRIFT = f"{VALUE}/Prevents drift between sessions"
DISRUPT = f"{BURDEN}/Disruptive"
OVERWHELM = f"{BURDEN}/Overwhelming"
TIME = f"{BURDEN}/Time-consuming"

SCRIPTS: tuple[SessionScript, ...] = (
    SessionScript("Focus group 1", (
        Line("F", "Welcome, and thank you for coming. Could you each say your role and how long "
             "you have worked here?", guide="intro.q1", pause_ms=600),
        Line("P01", "I am a physiotherapist, and I have been here for five years."),
        Line("P02", "Speech therapist, eight years now."),
        Line("P03", "I am the psychologist on the team. Eleven years."),
        Line("P04", "Occupational therapist, fourteen years, so the longest of us."),
        Line("F", "How have you used the programme with your clients so far?", guide="experience.q1",
             pause_ms=900),
        Line("P01", "I give my clients the exercises on the tablet, and they practise at home every "
             "day. They really look forward to it.", codes=(ENGAGE,),
             memo="Clients practise daily without being asked."),
        Line("P03", "Yes, exactly.", overlap_ms=500),
        Line("P04", "For me the best part is that the therapy goes with them into the kitchen and "
             "the garden. It is part of their day.", codes=(UBIQ,), tag="key quote"),
        Line("F", "And what did it cost you, in time or effort?", guide="value-burden.q2", pause_ms=900),
        Line("P02", "Setting it up took me far too long. Every new client needs an hour of "
             "configuration before we can start.", codes=(TIME,),
             memo="Set-up time per client, not per programme."),
        Line("P03", "And the notifications are overwhelming. My clients get messages all day and "
             "some of them simply switch it off.", codes=(OVERWHELM,)),
        Line("F", "On balance, would you keep using it?", guide="value-burden.q3", pause_ms=800),
        Line("P04", "I would, because nothing is lost between sessions any more.", codes=(DRIFT,)),
        Line("P01", "Me too, if the set-up were quicker."),
    ), auto_codes=(("notification*", OVERWHELM),)),
    SessionScript("Focus group 2", (
        Line("F", "Good morning. Could you each say your role and how long you have worked here?",
             guide="intro.q1", pause_ms=600),
        Line("P05", "I am a physiotherapist. I started two years ago."),
        Line("P06", "Speech therapist, five years."),
        Line("P01", "Physiotherapist as well, five years."),
        Line("F", "What changed for your clients between sessions?", guide="experience.q2", pause_ms=900),
        Line("P05", "They remember what we did. When they come back, we carry on where we stopped "
             "instead of starting again.", codes=(DRIFT,),
             memo="Continuity named without prompting."),
        Line("P06", "My clients practise their words in the evening with their families. The whole "
             "family gets involved.", codes=(ENGAGE, UBIQ)),
        Line("F", "Were there moments it got in the way?", guide="value-burden.q2", pause_ms=900),
        Line("P01", "Sometimes the tablet freezes in the middle of a session, and then the client "
             "loses the thread. That is disruptive.", codes=(DISRUPT,), tag="technical issue"),
        Line("P06", "Yes, and then we spend ten minutes on the login.", overlap_ms=400, codes=(TIME,)),
        Line("F", "Is there anything we have not asked that you would like to add?", guide="closing.q1",
             pause_ms=900),
        Line("P05", "Only that the reports are useful. I read them before every appointment."),
        Line("P06", "And that we need a quiet room for it. The waiting room is far too noisy."),
    ), auto_codes=(("between sessions", DRIFT),)),
    SessionScript("Focus group 3", (
        Line("F", "Thank you all for joining us at the community service. Could you each say your "
             "role and how long you have worked here?", guide="intro.q1", pause_ms=600),
        Line("P07", "Psychologist, eight years in this service."),
        Line("P08", "Occupational therapist, eleven years."),
        Line("P09", "Physiotherapist. Fourteen years, most of them driving between villages."),
        Line("P10", "Speech therapist. Two years."),
        Line("F", "How did it fit into your working day?", guide="experience.q3", pause_ms=900),
        Line("P09", "Out here I see each client once a fortnight. The programme keeps them going "
             "between sessions, so the visits count for more.", codes=(DRIFT,)),
        Line("P08", "It fits, but the paperwork doubled. I now write a note in the programme and "
             "another one in our own records.", codes=(TIME,),
             memo="Double documentation: a site B theme."),
        Line("P07", "That is my experience too.", overlap_ms=450),
        Line("F", "What, if anything, did the programme add to your practice?", guide="value-burden.q1",
             pause_ms=900),
        Line("P10", "My younger clients love the games. They ask for more exercises, which never "
             "happened with paper sheets.", codes=(ENGAGE,), tag="key quote"),
        Line("P07", "For anxious clients the reminders can be too much. One told me the phone "
             "felt like a second therapist watching her.", codes=(OVERWHELM, DISRUPT),
             memo="Burden for the client, not the practitioner."),
        Line("F", "On balance, would you keep using it? Why?", guide="value-burden.q3", pause_ms=800),
        Line("P09", "Yes. For a rural service it is the only way to be there between visits."),
    ), auto_codes=(("games", ENGAGE),)),
    SessionScript("Telephone interview 1", (
        Line("F", "Hello, thank you for taking the time to talk on the phone. Could you say your "
             "role and how long you have worked there?", guide="intro.q1", pause_ms=600),
        Line("P11", "Of course. I am a psychologist, and I have worked at the community service for "
             "five years."),
        Line("F", "How have you used the programme with your clients so far?", guide="experience.q1",
             pause_ms=700),
        Line("P11", "Mostly for homework between sessions. Clients write a short diary in the app, "
             "and I read it before we meet.", codes=(DRIFT,)),
        Line("F", "What did it cost you, in time or effort?", guide="value-burden.q2", pause_ms=700),
        Line("P11", "Reading the diaries takes time I am not paid for. Some weeks it is two extra "
             "hours.", codes=(TIME,), memo="Unpaid time: raise with the service manager.",
             tag="follow up"),
        Line("F", "On balance, would you keep using it?", guide="value-burden.q3", pause_ms=700),
        Line("P11", "I think so. My clients are more engaged, and the therapy does not stop at my "
             "door.", codes=(ENGAGE, UBIQ)),
        Line("F", "Is there anything we have not asked that you would like to add?", guide="closing.q1",
             pause_ms=700),
        Line("P11", "Only that the service should count the diaries as clinical time."),
        Line("F", "Thank you very much. That is all my questions.", pause_ms=600),
    ), telephone=True, auto_codes=(("engaged", ENGAGE),)),
)

# What the researcher wrote in the framework matrix: (participant, theme, summary).
SUMMARIES: tuple[tuple[str, str, str], ...] = (
    ("P01", ENGAGE, "Clients practise daily at home; would keep it if set-up were quicker."),
    ("P01", DISRUPT, "Tablet freezes break the session."),
    ("P02", TIME, "An hour of configuration per new client."),
    ("P03", OVERWHELM, "Notifications overwhelm clients; some switch the app off."),
    ("P04", UBIQ, "Therapy reaches the kitchen and the garden; nothing lost between sessions."),
    ("P07", OVERWHELM, "Reminders feel like surveillance to anxious clients."),
    ("P09", DRIFT, "The only way for a rural service to be there between visits."),
    ("P11", DRIFT, "Diaries keep the work going between sessions."),
    ("P11", TIME, "Two unpaid hours a week reading diaries."),
)

STUDY_MEMO = ("Demo study: every recording was made by a speech synthesizer from a script, so the "
              "voices sound robotic and the transcripts have a few mistakes, as real ones do.")
