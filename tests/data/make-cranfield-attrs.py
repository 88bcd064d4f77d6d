#!/usr/bin/env python3
"""Write tests/data/cranfield100-attrs.jsonl: the first 100 documents of the demo corpus
(data/demo/corpus.jsonl, = Cranfield) with attributes derived from each document, by the same
rules as tests/filter/attr_fixture.c (the filter suite checks that they agree):

  year   = 1940 + (id * 7919) % 51, missing when id % 7 == 0 (every other such line has "year": null)
  lang   = ["en","fr","de","ru"][(id // 3 + len(title in bytes)) % 4], missing when id % 11 == 0
  tags   = title words in a fixed vocabulary, title order, no repeats (maybe []), missing when id % 13 == 0
  rating = (len(text in bytes) % 1001) / 100 - 3.0, missing when id % 6 == 0
  source = "cranfield" (not in the schema: ignored unless strict)

Usage: tests/data/make-cranfield-attrs.py  (from the repository root)
"""
import json
import re

VOCAB = ["wing", "flow", "boundary", "layer", "heat", "shock",
         "supersonic", "pressure", "plate", "cone", "jet", "transfer"]
LANGS = ["en", "fr", "de", "ru"]

out = []
with open("data/demo/corpus.jsonl", encoding="utf-8") as f:
    for i, line in enumerate(f):
        if i == 100:
            break
        d = json.loads(line)
        num = int(d["_id"])
        title = d.get("title") or ""
        o = {"_id": d["_id"], "title": d.get("title"), "text": d["text"]}
        if num % 11:
            o["lang"] = LANGS[(num // 3 + len(title.encode())) % 4]
        if num % 7:
            o["year"] = 1940 + (num * 7919) % 51
        elif i % 2:
            o["year"] = None
        if num % 13:
            tags = []
            for w in re.split(r"[ ,.\-()]", title):
                if w in VOCAB and w not in tags:
                    tags.append(w)
            o["tags"] = tags
        if num % 6:
            o["rating"] = (len(d["text"].encode()) % 1001) / 100.0 - 3.0
        o["source"] = "cranfield"
        out.append(json.dumps(o, ensure_ascii=False))
with open("tests/data/cranfield100-attrs.jsonl", "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
