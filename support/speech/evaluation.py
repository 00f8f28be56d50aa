"""Word error rate and speech clips with their transcripts, for tests and bench/bench_speech.py.

`SAMPLES_DIR` holds the few real recordings that ship with the project (see its README for each
clip's source and licence); tests use only these. Benchmarks read `SPEECH_DIR`, which is the same
folder unless `VOXSITE_SPEECH_DIR` points at a larger set laid out the same way (a MANIFEST.tsv
with file, seconds, language, transcript columns beside the audio files).
"""

from __future__ import annotations

import csv
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SPEECH_DIR = Path(os.environ.get("VOXSITE_SPEECH_DIR") or SAMPLES_DIR)

_EN_NUMBERS = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
    "8": "eight", "9": "nine", "10": "ten",
}


@dataclass
class Clip:
    file: str
    seconds: float
    language: str
    transcript: str  # "" when the manifest has none

    folder: Path = SAMPLES_DIR

    @property
    def path(self) -> Path:
        return self.folder / self.file


def clips(language: str | None = None, *, folder: Path = SAMPLES_DIR) -> list[Clip]:
    """Clips listed in `folder`'s MANIFEST.tsv (a row that lacks its transcript comes back empty)."""
    out = []
    with open(folder / "MANIFEST.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            text = row["transcript"] or ""
            if text.startswith("github:"):  # the source column slid into the transcript column
                text = ""
            clip = Clip(row["file"], float(row["seconds"]), row["language"], text, folder)
            if language is None or clip.language == language:
                out.append(clip)
    return out


def normalise_for_wer(text: str) -> list[str]:
    """Lowercase, no punctuation, single English numbers as words ("1, 2, 3" == "one two three")."""
    text = unicodedata.normalize("NFC", text.lower())
    text = "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") or c.isspace() else " " for c in text)
    return [_EN_NUMBERS.get(word, word) for word in text.split()]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words) by Levenshtein distance over words."""
    ref, hyp = normalise_for_wer(reference), normalise_for_wer(hypothesis)
    return _levenshtein(ref, hyp), len(ref)


def wer(reference: str, hypothesis: str) -> float:
    edits, words = word_errors(reference, hypothesis)
    return edits / max(1, words)


def _levenshtein(ref, hyp) -> int:
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, row[0] = row[:], i
        for j in range(1, len(hyp) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
    return row[len(hyp)]


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference characters) over the normalised words joined by single spaces: the
    character error rate's parts. CER says more than WER for Indic scripts, where one wrong
    vowel sign makes a whole word wrong."""
    ref, hyp = " ".join(normalise_for_wer(reference)), " ".join(normalise_for_wer(hypothesis))
    return _levenshtein(ref, hyp), len(ref)


def cer(reference: str, hypothesis: str) -> float:
    edits, chars = char_errors(reference, hypothesis)
    return edits / max(1, chars)
