"""What the computer lacks, told apart from what the sources get wrong: notes, never problems."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MachineNote:
    """Something about this machine, once per build: what it means and what to install."""

    marker: str  # a fragment of the library's own message that tells this case apart
    text: str

    def format(self) -> str:
        return f"nrbook: note: {self.text}"


#: WeasyPrint's complaints that are about the machine it runs on, not about the book.
NOTES: tuple[MachineNote, ...] = (
    MachineNote(
        "Using fontTools instead of HarfBuzz-Subset",
        "this machine lacks HarfBuzz-Subset >= 4.1, so WeasyPrint subsets the PDF's fonts "
        "with fontTools instead (slower, and unsupported by later WeasyPrint versions); the PDF "
        "is complete. Install it: Debian and Ubuntu 'apt-get install libharfbuzz-subset0' "
        "(make does it as root), Fedora 'dnf install harfbuzz', macOS 'brew install harfbuzz'."),
)


def note_for(message: str) -> MachineNote | None:
    """The machine note a library's log message stands for, or None if it is about the book."""
    return next((note for note in NOTES if note.marker in message), None)

