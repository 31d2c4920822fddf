#!/usr/bin/env python3
"""Validate examples/assertions.jsonl against the corpus in examples/corpus/.

Usage:  python3 examples/check_assertions.py [assertions.jsonl] [corpus_dir]
        (defaults: assertions.jsonl and corpus/ next to this script)

Each line must be one JSON object with exactly these keys, in this order:
  subject{name,type}, predicate, object{name,type}, polarity, modality,
  attributed_to (null or non-empty string), confidence (0.6..1.0),
  evidence{document, sentence, start, end}
and:
  - predicate, actor types, polarity and modality are in the sets defined by
    corpus/ANNOTATION.md;
  - evidence.document names corpus/<document>.txt;
  - text[start:end] == sentence, where text is the file read as UTF-8 and the
    offsets are Unicode code points (Python str indices), and the sentence
    starts and ends on a word boundary (not cut mid-word).
Prints a short summary; exits 1 on the first batch of errors, 0 if all pass.
"""
import json
import os
import sys

PREDICATES = {
    "OWNS", "OPERATES", "VARIANT_OF", "BANS", "SANCTIONS", "ACQUIRES", "ACCUSES",
    "SHARES_DATA_WITH", "CENSORS", "SURVEILS", "COOPERATES_WITH", "MEETS", "LEADS",
    "FOUNDED", "MEMBER_OF", "LOCATED_IN", "COMPETES_WITH", "CRITICIZES", "TARGETS",
    "INVESTIGATES",
}
TYPES = {"PERSON", "COMPANY", "GOVERNMENT", "ORGANIZATION", "PRODUCT", "LAW", "PLACE"}
POLARITY = {"affirmed", "negated"}
MODALITY = {"actual", "possible", "intended"}
TOP_KEYS = ["subject", "predicate", "object", "polarity", "modality",
            "attributed_to", "confidence", "evidence"]
ACTOR_KEYS = ["name", "type"]
EVIDENCE_KEYS = ["document", "sentence", "start", "end"]


def check_line(n, line, corpus, texts):
    errs = []
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        return [f"line {n}: not JSON: {e}"], None
    if not isinstance(r, dict) or list(r) != TOP_KEYS:
        return [f"line {n}: keys must be {TOP_KEYS}, got {list(r) if isinstance(r, dict) else type(r)}"], None
    for role in ("subject", "object"):
        a = r[role]
        if not isinstance(a, dict) or list(a) != ACTOR_KEYS:
            errs.append(f"line {n}: {role} must have keys {ACTOR_KEYS}")
            continue
        if not isinstance(a["name"], str) or not a["name"].strip():
            errs.append(f"line {n}: {role}.name empty")
        if a["type"] not in TYPES:
            errs.append(f"line {n}: {role}.type {a['type']!r} not allowed")
    if r["predicate"] not in PREDICATES:
        errs.append(f"line {n}: predicate {r['predicate']!r} not allowed")
    if r["polarity"] not in POLARITY:
        errs.append(f"line {n}: polarity {r['polarity']!r} not allowed")
    if r["modality"] not in MODALITY:
        errs.append(f"line {n}: modality {r['modality']!r} not allowed")
    at = r["attributed_to"]
    if at is not None and not (isinstance(at, str) and at.strip()):
        errs.append(f"line {n}: attributed_to must be null or a non-empty string")
    c = r["confidence"]
    if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0.6 <= c <= 1.0:
        errs.append(f"line {n}: confidence {c!r} not in [0.6, 1.0]")
    ev = r["evidence"]
    if not isinstance(ev, dict) or list(ev) != EVIDENCE_KEYS:
        errs.append(f"line {n}: evidence must have keys {EVIDENCE_KEYS}")
        return errs, r
    doc, sent, s, e = ev["document"], ev["sentence"], ev["start"], ev["end"]
    path = os.path.join(corpus, f"{doc}.txt")
    if doc not in texts:
        if not os.path.isfile(path):
            errs.append(f"line {n}: no corpus file {path}")
            return errs, r
        with open(path, encoding="utf-8") as f:
            texts[doc] = f.read()
    text = texts[doc]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)) or not 0 <= s < e <= len(text):
        errs.append(f"line {n}: bad offsets {s!r}..{e!r} (text length {len(text)})")
    elif text[s:e] != sent:
        errs.append(f"line {n}: text[{s}:{e}] = {text[s:e]!r} != sentence {sent!r}")
    elif (s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum()):
        errs.append(f"line {n}: sentence {sent!r} is cut mid-word")
    return errs, r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "assertions.jsonl")
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus")
    texts, errs, rows = {}, [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errs.append(f"line {n}: blank line")
                continue
            e, r = check_line(n, line, corpus, texts)
            errs.extend(e)
            if r is not None:
                rows.append(r)
    if errs:
        print("\n".join(errs))
        print(f"FAIL: {len(errs)} error(s) in {path}")
        sys.exit(1)
    docs = {r["evidence"]["document"] for r in rows}
    preds = {r["predicate"] for r in rows}
    print(f"OK: {len(rows)} assertions, {len(docs)} documents, {len(preds)} predicates: "
          + " ".join(sorted(preds)))


if __name__ == "__main__":
    main()
