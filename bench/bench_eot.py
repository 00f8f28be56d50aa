"""End-of-turn benchmark (eot-bench style): how often each policy ends a turn too early, and how
long after the end of speech it decides, per language, on synthesised and recorded turns.

    .venv/bin/python bench/bench_eot.py [--languages en,hi] [--speculative-ms 160] [--smart-turn-ms MS] [--fresh] [--tuning-only]
    VOXSITE_SPEECH_DIR=/work/shared/speech .venv/bin/python bench/bench_eot.py   # more recorded clips

Turns: bench/eot_utterances.yaml (16 per language, 4 of them held out of all tuning and reported on
their own) rendered by the project's offline voices, and the real clips of VOXSITE_SPEECH_DIR
(default: the bundled samples; every fourth clip per language held out); see bench/eot_turns.py.
Each is streamed frame by frame through the project's VAD. At each pause the speculative
transcript comes from the real local ASR (tiny.en for English, the bundled multilingual model
with the language forced for hi/bn/mr) and is judged as the pipeline judges it
(support/speech/asr/trust.py): an untrusted transcript counts as none. The bundled model cannot
hear Hindi, Bengali or Marathi (nearly every transcript is untrusted: the last table counts them),
so for those languages "words (local ASR)" has nothing to go on and the adaptive policies do not
wait for it. "words (reference text)" stands for a recogniser that can hear the language (Groq, an
imported model): the words said up to a pause between two segments (none at pauses inside a
segment or inside a recorded clip), available after the time the bundled model took on that audio.

Policies: fixed 200/400/800 ms of silence; today's pipeline (while support/voice/processors/end_of_turn.py has
it); support.speech.endpointing on the words, on the words and Smart Turn v3.2, on Smart Turn alone.

- cut too early: share of turns in which the policy would have ended the turn at a pause inside
  it (the silence there lasted as long as the policy wanted);
- end of speech -> decision (median ms): from the last voiced VAD frame to the moment the policy
  ends the turn, including waiting for the inputs it uses (the speculative transcript starts at
  --speculative-ms of silence and takes the time the ASR took on this machine; Smart Turn runs
  alongside it, from the same moment, and takes its measured wall time; with --smart-turn-ms it
  starts once the pause has lasted that long instead, hearing that longer pause);
- per check: the ASR's and Smart Turn's times (Smart Turn's CPU time is this thread's).

Checks are cached in bench/.cache/eot/ (audio, language, settings); --fresh measures again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.common import machine_note, median, percentile, table  # noqa: E402
from bench.eot_turns import (  # noqa: E402
    LANGUAGES, Check, Turn, cached_checks, load_set, recorded_turns, synthesised_turns,
)
from support.speech.endpointing import EndpointConfig, decide, judge_words, smart_turn  # noqa: E402
from support.speech.evaluation import SPEECH_DIR  # noqa: E402
from support.voice.vad import FRAME_MS  # noqa: E402


@dataclass
class Policy:
    name: str
    decide: Callable[[Turn, Check], float]  # ms after the last voiced frame at which the turn ends


def fixed(ms: int) -> Policy:
    frames = max(1, round(ms / FRAME_MS))  # as TurnDetector rounds its silence
    return Policy(f"fixed {ms} ms", lambda turn, check: frames * FRAME_MS)


def current(speculative_ms: float) -> Policy | None:
    """Today's pipeline (support/voice/processors/end_of_turn.py `EndOfTurn._decide`): VOICE_EOT_SILENCE_MS, then
    wait for the speculative transcript up to VOICE_EOT_UNFINISHED_MS, and all of it when
    `sounds_unfinished` (its raw text, trusted or not). None once the pipeline judges by
    support.speech.endpointing instead (the "before" row is then in bench/README.md)."""
    try:
        from support.voice.processors.end_of_turn import sounds_unfinished
    except ImportError:
        return None

    base = round(settings.VOICE_EOT_SILENCE_MS / FRAME_MS) * FRAME_MS
    extra = settings.VOICE_EOT_UNFINISHED_MS - settings.VOICE_EOT_SILENCE_MS

    def decide(turn: Turn, check: Check) -> float:
        ready = speculative_ms + check.asr_ms
        if ready > base + extra:
            return base + extra
        if sounds_unfinished(check.asr_text):
            return base + extra
        return max(base, ready)

    name = (f"today: {settings.VOICE_EOT_SILENCE_MS} ms, "
            f"{settings.VOICE_EOT_UNFINISHED_MS} ms if the transcript sounds unfinished")
    return Policy(name, decide)


def heard_locally(language: str) -> bool:
    """Whether the local recogniser can hear `language` at all (English, or a model imported for
    it). When it cannot, every transcript is untrusted, so a policy need not wait for one."""
    return language == "en" or bool(settings.WHISPER_MODELS_BY_LANGUAGE.get(language))


def adaptive(name: str, *, words: str | None, voice: bool, speculative_ms: float,
             config: EndpointConfig = EndpointConfig(), voice_after_ms: float | None = None) -> Policy:
    """support.speech.endpointing.decide on the check's inputs. `words`: "asr" (the speculative
    transcript when the judge trusts it), "oracle" (the words said so far, as a trusted recogniser
    would give them; None at pauses inside a segment) or None; `voice`: use Smart Turn.

    The decision waits for what it uses: the transcript (when the language can be heard here at
    all) starts at the pause event, Smart Turn then too or, with `voice_after_ms`, once the pause
    has lasted that long (the checks then carry its hearing of that longer pause)."""
    voice_start = speculative_ms if voice_after_ms is None else voice_after_ms

    def decide_at(turn: Turn, check: Check) -> float:
        text = {"asr": check.trusted_text, "oracle": check.oracle_text, None: None}[words]
        verdict = judge_words(text, language=turn.language, expecting_number=turn.expecting_number)
        ready = [0.0]
        if words == "oracle" or (words == "asr" and heard_locally(turn.language)):
            ready.append(speculative_ms + check.asr_ms)
        probability = None
        if voice and verdict.state != "unfinished" and check.smart_turn is not None:
            probability = check.smart_turn
            ready.append(voice_start + check.smart_turn_ms)
        elif voice and verdict.state != "unfinished":
            return float("inf")  # the pause ended before Smart Turn would listen: no decision here
        endpoint = decide(verdict, probability, config=config)
        frames = max(1, -(-endpoint.silence_ms // FRAME_MS))  # the detector's next frame
        return max(frames * FRAME_MS, *ready)

    return Policy(name, decide_at)


def later_voice(found: list[Check], voiced: list[Check]) -> list[Check]:
    """`found` (the transcripts at the speculative pause) with Smart Turn's hearing taken from
    `voiced`, the same turn's checks at a longer pause: matched by the pause's last voiced frame;
    None where the pause ended before Smart Turn would have listened."""
    by_pause = {c.last_voiced: c for c in voiced}
    out = []
    for check in found:
        later = by_pause.get(check.last_voiced)
        out.append(replace(check, smart_turn=later.smart_turn if later else None,
                           smart_turn_ms=later.smart_turn_ms if later else None,
                           smart_turn_cpu_ms=later.smart_turn_cpu_ms if later else None))
    return out


def evaluate(policy: Policy, turn: Turn, found: list[Check]) -> tuple[bool, float]:
    early = any(not c.final and c.silence_ms >= policy.decide(turn, c) for c in found)
    return early, policy.decide(turn, found[-1])


def results_table(policies: list[Policy], turns: list[tuple[Turn, list[Check]]], languages) -> str:
    headers = ["policy"]
    for language in (*languages, "all"):
        headers += [f"{language} cut early", f"{language} ms"]
    rows = []
    for policy in policies:
        row = [policy.name]
        for language in (*languages, "all"):
            chosen = [(t, c) for t, c in turns if language in ("all", t.language)]
            if not chosen:
                row += ["-", "-"]
                continue
            outcomes = [evaluate(policy, t, c) for t, c in chosen]
            cut = sum(early for early, _ in outcomes)
            row += [f"{cut}/{len(chosen)} ({100 * cut / len(chosen):.0f}%)", f"{median(ms for _, ms in outcomes):.0f}"]
        rows.append(row)
    return table(headers, rows)


def compute_table(turns: list[tuple[Turn, list[Check]]], languages) -> str:
    rows = []
    for language in languages:
        found = [c for t, cs in turns if t.language == language for c in cs]
        if not found:
            continue
        asr = [c.asr_ms for c in found]
        trusted = sum(c.asr_trusted and bool(c.asr_text.strip()) for c in found)
        st_cpu = [c.smart_turn_cpu_ms for c in found if c.smart_turn_cpu_ms is not None]
        st_wall = [c.smart_turn_ms for c in found if c.smart_turn_ms is not None]
        rows.append([language, len(found), f"{median(asr):.0f} / {percentile(asr, 90):.0f}", f"{trusted}/{len(found)}",
                     f"{median(st_cpu):.0f} / {percentile(st_cpu, 90):.0f}" if st_cpu else "-",
                     f"{median(st_wall):.0f} / {percentile(st_wall, 90):.0f}" if st_wall else "-"])
    return table(["lang", "checks", "ASR ms p50 / p90", "transcripts trusted", "Smart Turn CPU ms p50 / p90",
                  "Smart Turn wall ms p50 / p90"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--speculative-ms", type=float, default=float(settings.VOICE_SPECULATIVE_MS),
                        help="silence before the speculative transcription starts (VOICE_SPECULATIVE_MS)")
    parser.add_argument("--smart-turn-ms", type=float, default=None,
                        help="silence before Smart Turn listens (default: with the speculative "
                             "transcription, as the pipeline does); a what-if from the checks at this pause")
    parser.add_argument("--fresh", action="store_true", help="measure again instead of reading bench/.cache/eot")
    parser.add_argument("--tuning-only", action="store_true", help="leave out the held-out turns (while tuning)")
    parser.add_argument("--no-recorded", action="store_true")
    parser.add_argument("--json", help="write every turn's outcome per policy here")
    args = parser.parse_args(argv)
    languages = tuple(lang for lang in args.languages.split(",") if lang)

    synth = synthesised_turns([i for i in load_set() if i["language"] in languages])
    recorded = [] if args.no_recorded else recorded_turns(languages=languages)
    if args.tuning_only:
        synth, recorded = [t for t in synth if not t.held_out], [t for t in recorded if not t.held_out]
    voice_ms = args.speculative_ms if args.smart_turn_ms is None else args.smart_turn_ms
    model = smart_turn()
    if model is None:
        print("Smart Turn is not installed: its policies are left out", file=sys.stderr)
    judged: dict[str, list[tuple[Turn, list[Check]]]] = {part: [] for part in ("tuning", "held_out", "recorded",
                                                                               "recorded_held_out")}
    skipped = []
    for n, turn in enumerate(synth + recorded, 1):
        print(f"\r[{n}/{len(synth) + len(recorded)}] {turn.id:40s}", end="", file=sys.stderr, flush=True)
        found = cached_checks(turn, speculative_ms=args.speculative_ms, smart_turn=model, fresh=args.fresh)
        if found and model is not None and voice_ms != args.speculative_ms:
            found = later_voice(found, cached_checks(turn, speculative_ms=voice_ms, smart_turn=model, fresh=args.fresh))
        if not found:
            skipped.append(turn.id)
            continue
        if turn.source == "recorded":
            part = "recorded_held_out" if turn.held_out else "recorded"
        else:
            part = "held_out" if turn.held_out else "tuning"
        judged[part].append((turn, found))
    print(file=sys.stderr)

    spec = args.speculative_ms
    policies = [fixed(200), fixed(400), fixed(800), *filter(None, [current(spec)]),
                adaptive("adaptive: words (local ASR)", words="asr", voice=False, speculative_ms=spec)]
    if model is not None:
        policies += [adaptive("adaptive: words (local ASR) + Smart Turn", words="asr", voice=True, speculative_ms=spec,
                              voice_after_ms=voice_ms),
                     adaptive("adaptive: Smart Turn alone", words=None, voice=True, speculative_ms=spec,
                              voice_after_ms=voice_ms)]
    policies += [adaptive("adaptive: words (reference text)", words="oracle", voice=False, speculative_ms=spec)]
    if model is not None:
        policies += [adaptive("adaptive: words (reference text) + Smart Turn", words="oracle", voice=True,
                              speculative_ms=spec, voice_after_ms=voice_ms)]
    print(f"# End of turn: {machine_note()}; speculative transcription after {args.speculative_ms:.0f} ms of silence, "
          f"Smart Turn after {voice_ms:.0f} ms")
    titles = {"tuning": "Synthesised, tuning part", "held_out": "Synthesised, held out (never tuned on)",
              "recorded": f"Recorded clips ({SPEECH_DIR})",
              "recorded_held_out": f"Recorded clips ({SPEECH_DIR}), held out (every fourth per language)"}
    for part, title in titles.items():
        if judged[part]:
            print(f"\n## {title}: {len(judged[part])} turns\n")
            print(results_table(policies, judged[part], languages))
    everything = [x for part in judged.values() for x in part]
    print("\n## Per check: speculative ASR and Smart Turn on this machine\n")
    print(compute_table(everything, languages))
    if skipped:
        print(f"\nNo speech heard by the VAD in: {', '.join(skipped)}")
    if args.json:
        out = {p.name: {t.id: evaluate(p, t, c) for t, c in everything} for p in policies}
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
