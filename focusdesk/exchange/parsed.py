"""What a transcript parser returns, whatever the format it read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParsedSegment:
    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


@dataclass
class ParsedTranscript:
    segments: list[ParsedSegment] = field(default_factory=list)
    format: str = ""
    estimated_times: bool = False  # True when the file had no timestamps and times were guessed
    warnings: list[str] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(s.speaker for s in self.segments if s.speaker))
