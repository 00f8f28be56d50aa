"""End-of-turn benchmark (eot-bench style): how often each policy ends a turn too early, and how
long after the end of speech it decides, per language, on synthesised and recorded turns.

    .venv/bin/python bench/bench_eot.py [--languages en,hi] [--speculative-ms 160] [--fresh] [--tuning-only]
    VOXSITE_SPEECH_DIR=/work/shared/speech .venv/bin/python bench/bench_eot.py   # more recorded clips

Turns: bench/eot_utterances.yaml (16 per language, 4 of them held out of all tuning and reported on
their own) rendered by the project's offline voices, and the real clips of VOXSITE_SPEECH_DIR
(default: the bundled samples); see bench/eot_turns.py. Each is streamed frame by frame through
the project's VAD; at each pause the speculative transcript comes from the real local ASR (tiny.en
for English, the bundled multilingual model for hi/bn/mr), judged as the pipeline judges it.

- cut too early: share of turns in which the policy would have ended the turn at a pause inside
  it (the silence there lasted as long as the policy wanted);
- end of speech -> decision: from the last voiced VAD frame to the moment the policy ends the
  turn, including waiting for the inputs it uses (the speculative transcript starts at
  --speculative-ms of silence and takes the time the ASR took on this machine; Smart Turn runs
  alongside it).

Checks are cached in bench/.cache/eot/ (audio, language, settings); --fresh measures again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.common import machine_note, median, percentile, table  # noqa: E402
from bench.eot_turns import LANGUAGES, Check, Turn, cached_checks, load_set, recorded_turns, synthesised_turns  # noqa: E402
from support.realtime.vad import FRAME_MS  # noqa: E402
from support.speech.evaluation import SPEECH_DIR  # noqa: E402


@dataclass
class Policy:
    name: str
    decide: Callable[[Turn, Check], float]  # ms after the last voiced frame at which the turn ends


def fixed(ms: int) -> Policy:
    frames = max(1, round(ms / FRAME_MS))  # as TurnDetector rounds its silence
    return Policy(f"fixed {ms} ms", lambda turn, check: frames * FRAME_MS)


def current(speculative_ms: float) -> Policy:
    """Today's pipeline (support/realtime/pipeline.py `_decide_end`): VOICE_EOT_SILENCE_MS, then
    wait for the speculative transcript up to VOICE_EOT_UNFINISHED_MS, and all of it when
    `sounds_unfinished` (its raw text, trusted or not)."""
    from support.realtime.pipeline import Heard, SpeechToText

    base = round(settings.VOICE_EOT_SILENCE_MS / FRAME_MS) * FRAME_MS
    extra = settings.VOICE_EOT_UNFINISHED_MS - settings.VOICE_EOT_SILENCE_MS

    def unfinished(text: str) -> bool:
        async def run():
            stt = SpeechToText(language="en", on_call=lambda call: None)
            future = asyncio.get_running_loop().create_future()
            future.set_result(Heard(text=text, language="en", confidence=None, asr_ms=0))
            stt._spec = future
            return stt.sounds_unfinished()

        return asyncio.run(run())

    def decide(turn: Turn, check: Check) -> float:
        ready = speculative_ms + check.asr_ms
        if ready > base + extra:
            return base + extra
        if unfinished(check.asr_text):
            return base + extra
        return max(base, ready)

    return Policy(f"today: {settings.VOICE_EOT_SILENCE_MS} ms, {settings.VOICE_EOT_UNFINISHED_MS} ms if the transcript sounds unfinished", decide)


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
    parser.add_argument("--fresh", action="store_true", help="measure again instead of reading bench/.cache/eot")
    parser.add_argument("--tuning-only", action="store_true", help="only the tuning part of the synthesised set")
    parser.add_argument("--no-recorded", action="store_true")
    parser.add_argument("--json", help="write every turn's outcome per policy here")
    args = parser.parse_args(argv)
    languages = tuple(lang for lang in args.languages.split(",") if lang)

    synth = [t for t in synthesised_turns([i for i in load_set() if i["language"] in languages])]
    if args.tuning_only:
        synth = [t for t in synth if not t.held_out]
    recorded = [] if args.no_recorded or args.tuning_only else recorded_turns(languages=languages)
    judged: dict[str, list[tuple[Turn, list[Check]]]] = {"tuning": [], "held_out": [], "recorded": []}
    skipped = []
    for n, turn in enumerate(synth + recorded, 1):
        print(f"\r[{n}/{len(synth) + len(recorded)}] {turn.id:40s}", end="", file=sys.stderr, flush=True)
        found = cached_checks(turn, speculative_ms=args.speculative_ms, fresh=args.fresh)
        if not found:
            skipped.append(turn.id)
            continue
        part = "recorded" if turn.source == "recorded" else ("held_out" if turn.held_out else "tuning")
        judged[part].append((turn, found))
    print(file=sys.stderr)

    policies = [fixed(200), fixed(400), fixed(800), current(args.speculative_ms)]
    print(f"# End of turn: {machine_note()}; speculative transcription after {args.speculative_ms:.0f} ms of silence")
    titles = {"tuning": "Synthesised, tuning part", "held_out": "Synthesised, held out (never tuned on)",
              "recorded": f"Recorded clips ({SPEECH_DIR})"}
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
