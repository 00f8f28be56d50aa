"""Indic voice honesty: what a shopper speaking Hindi, Bengali or Marathi gets from a REST voice
turn (POST /api/voice/process) on the offline default, per real recording.

    VOXSITE_SPEECH_DIR=/work/shared/speech .venv/bin/python bench/bench_indic_voice.py [--mode session|auto|both] [--json out.jsonl]

Every Indic clip with a reference transcript goes through a real server (bench.common.Server:
migrated, seeded, offline brain), as a session in the clip's language (`--mode session`, the
widget with its language chosen) and/or with no language (`--mode auto`). Each answer is one of:

- refused: the server said speech in this language is not available here (`speech_unavailable`)
  or asked again (`reprompt`): nothing ran;
- acted: the transcript went to the brain (an intent, maybe tools).

A *wrong action* is an acted turn that either called a tool (no clip asks the shop for anything:
they are read sentences, news headlines) or answered a transcript whose character error rate
against the reference is above --max-cer (0.5): a reply to words nobody said. The target is 0.
CER is also reported for what was accepted.

Every fourth clip (by file name) is held out: never looked at while choosing the thresholds that
decide what to trust, and reported on its own.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOST, Server, machine_note, table  # noqa: E402
from support.speech.evaluation import SPEECH_DIR, cer, clips  # noqa: E402

INDIC = ("hi", "bn", "mr")


def indic_clips(folder: Path) -> list[tuple[object, str]]:
    """(clip, split) for every Indic clip with a reference; every fourth per language is held out."""
    out = []
    for language in INDIC:
        items = sorted((c for c in clips(language, folder=folder) if c.transcript), key=lambda c: c.file)
        for i, clip in enumerate(items):
            out.append((clip, "held-out" if i % 4 == 3 else "tuning"))
    return out


def voice_turn(port: int, clip, language: str | None) -> dict:
    body = {"audio_base64": base64.b64encode(clip.path.read_bytes()).decode(), "mime": "audio/wav"}
    if language:
        body["language"] = language
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        started = time.perf_counter()
        conn.request("POST", "/api/voice/process", json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read() or b"{}")
        data["_status"] = resp.status
        data["_ms"] = (time.perf_counter() - started) * 1000
        return data
    finally:
        conn.close()


def judge(clip, answer: dict, max_cer: float) -> dict:
    refused = bool(answer.get("speech_unavailable") or answer.get("reprompt")) or answer["_status"] != 200
    tools = [t.get("name") for t in answer.get("tool_calls") or []]
    transcript = answer.get("transcript") or ""
    error_rate = cer(clip.transcript, transcript) if transcript else None
    acted = not refused
    wrong = acted and (bool(tools) or error_rate is None or error_rate > max_cer)
    return {
        "file": clip.file, "language": clip.language, "reference": clip.transcript, "transcript": transcript,
        "status": answer["_status"], "refused": refused, "speech_unavailable": bool(answer.get("speech_unavailable")),
        "reason": answer.get("reason", ""), "intent": answer.get("intent", ""), "tools": tools, "acted": acted,
        "wrong_action": wrong, "cer": None if error_rate is None else round(error_rate, 3),
        "reply": (answer.get("reply") or "")[:200], "reply_language": answer.get("language"),
        "ms": round(answer["_ms"]), "asr_ms": (answer.get("timings") or {}).get("asr_ms"),
    }


def summary_rows(results: list[dict], label: str) -> list[list]:
    rows = []
    groups = [(lang, [r for r in results if r["language"] == lang]) for lang in INDIC] + [("all", results)]
    for lang, items in groups:
        if not items:
            continue
        acted = [r for r in items if r["acted"]]
        wrong = [r for r in items if r["wrong_action"]]
        tooled = [r for r in items if r["tools"]]
        accepted = [r for r in acted if r["cer"] is not None]
        edits = sum(cer_parts(r)[0] for r in accepted)
        chars = sum(cer_parts(r)[1] for r in accepted)
        asr = sorted(r["asr_ms"] for r in items if r["asr_ms"] is not None)
        rows.append([
            label, lang, len(items), f"{len(wrong)} ({100 * len(wrong) / len(items):.0f}%)", len(tooled),
            len(acted), "-" if not chars else f"{edits / chars:.2f}",
            sum(r["speech_unavailable"] for r in items), sum(r["refused"] and not r["speech_unavailable"] for r in items),
            "-" if not asr else f"{asr[len(asr) // 2]:.0f}", max((r["asr_ms"] or 0) for r in items),
        ])
    return rows


def cer_parts(row: dict) -> tuple[int, int]:
    from support.speech.evaluation import char_errors

    return char_errors(row["reference"], row["transcript"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["session", "auto", "both"], default="both")
    parser.add_argument("--max-cer", type=float, default=0.5, help="an acted turn above this CER is a wrong action")
    parser.add_argument("--limit", type=int, default=0, help="at most this many clips (0: all)")
    parser.add_argument("--json", help="write one JSON line per clip and mode here")
    args = parser.parse_args()

    items = indic_clips(SPEECH_DIR)
    if args.limit:
        items = items[: args.limit]
    modes = ["session", "auto"] if args.mode == "both" else [args.mode]
    print(f"# Indic voice turns on {SPEECH_DIR} ({len(items)} clips)\n\n{machine_note()}\n")
    results: dict[str, list[dict]] = {m: [] for m in modes}
    with Server(quiet=True, extra_env={"VOICE_WARMUP": "false"}) as srv:
        for mode in modes:
            for clip, split in items:
                answer = voice_turn(srv.port, clip, clip.language if mode == "session" else None)
                row = judge(clip, answer, args.max_cer)
                row.update(mode=mode, split=split)
                results[mode].append(row)
                print(f"[{mode}] {clip.file}: {'WRONG ' if row['wrong_action'] else ''}"
                      f"{'unavailable' if row['speech_unavailable'] else 'reprompt' if row['refused'] else row['intent']}"
                      f" cer={row['cer']} {row['transcript'][:60]!r}", file=sys.stderr, flush=True)
    headers = ["mode / split", "lang", "clips", "wrong action", "tool ran", "acted", "CER of accepted",
               "said unavailable", "reprompt", "ASR median ms", "ASR max ms"]
    rows = []
    for mode in modes:
        for split in ("tuning", "held-out"):
            part = [r for r in results[mode] if r["split"] == split]
            rows += summary_rows(part, f"{mode} / {split}")
    print(table(headers, rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            for mode in modes:
                for row in results[mode]:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")
    sys.exit(main())
