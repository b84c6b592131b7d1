"""A learned safety net for escalations: naive Bayes over words, word pairs and letter n-grams.

The phrase banks know the phrasings someone wrote down; angry buyers keep finding new ones. This
model is trained on the project's labelled buyer messages (tests/bot/messages/<lang>.jsonl, about
a thousand per language) and generalises from their words and word pieces ("abogados",
"Verbraucherzentrale", "投诉到平台"). `classify` (bot/intents.py) lets it escalate a message the
banks missed when it is all but certain; it never picks any other intent.

The trained model is data (bot/model/intents.bin.gz), rebuilt by `helpdesk bot train` and
checked against its training files by the tests. Scoring is deterministic and takes under a
millisecond.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.normalise import normalise

MODEL_PATH = Path(__file__).with_name("model") / "intents.bin.gz"
ALPHA = 0.1  # additive smoothing; 0.05-0.1 scored best on held-out batches
MIN_COUNT = 2  # a feature seen once in all the training messages is noise more often than signal
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def features(text: str) -> set[str]:
    """Words, adjacent word pairs, 3-5 letter pieces of each word (with its edges), and for
    scripts written without spaces, runs of 1-3 characters."""
    norm = normalise(text)
    tokens = norm.split()
    out: set[str] = set()
    for token in tokens:
        out.add(f"w:{token}")
        if len(token) >= 3:
            padded = f"<{token}>"
            for n in (3, 4, 5):
                out.update(f"c{n}:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    out.update(f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    joined = norm.replace(" ", "")
    if _UNSPACED.search(joined):
        for n in (1, 2, 3):
            out.update(f"u{n}:{joined[i:i + n]}" for i in range(len(joined) - n + 1))
    return out


@dataclass(frozen=True)
class Model:
    """Per intent: a constant per feature present (smoothing) plus a bonus for each feature the
    intent's training messages held, so scoring touches only the intents a feature has seen.

    Feature k's bonuses are entries offsets[k] to offsets[k + 1] of `classes` (intent index) and
    `weights` (log((n + alpha) / alpha)): flat arrays, so the model loads in a fraction of a second.
    """

    intents: tuple[str, ...]
    base: tuple[float, ...]  # log(alpha) - log(total_c + alpha * V), per intent
    index: Mapping[str, int]  # feature -> k
    offsets: array
    classes: array
    weights: array
    fingerprint: str = ""

    def scores(self, text: str) -> dict[str, float]:
        """Per intent, the mean log-likelihood of the message's known features.

        The mean, not naive Bayes' sum: the features overlap (a word and its letter pieces), so
        summed they make every answer look certain ("is it warm outside" came out an escalation
        at p = 1.0); the gap between means is a usable measure of how clear the answer is."""
        return self._scores(self._known(text))

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely intent and its lead over the runner-up (0.0 when no feature is known)."""
        known = self._known(text)
        if not known:
            return "other", 0.0
        scores = self._scores(known)
        ranked = sorted(self.intents, key=lambda i: (-scores[i], self.intents.index(i)))
        return ranked[0], scores[ranked[0]] - scores[ranked[1]]

    def _known(self, text: str) -> list[int]:
        """The indexes of the text's features the model knows, in a fixed order (the same sums,
        to the last bit, every run)."""
        return sorted(k for k in (self.index.get(f) for f in features(text)) if k is not None)

    def _scores(self, known: list[int]) -> dict[str, float]:
        sums = [0.0] * len(self.intents)
        offsets, classes, weights = self.offsets, self.classes, self.weights
        for k in known:
            for j in range(offsets[k], offsets[k + 1]):
                sums[classes[j]] += weights[j]
        n = max(len(known), 1)
        return {intent: base + total / n for intent, base, total in zip(self.intents, self.base, sums, strict=True)}


def fingerprint(paths: Iterable[Path]) -> str:
    """A digest of the training files' names and contents."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_messages(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(text, intent) of every line of the labelled .jsonl files."""
    rows = []
    for path in sorted(paths):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                rows.append((item["text"], item["intent"]))
    return rows


def train(rows: Iterable[tuple[str, str]], intents: Iterable[str], fingerprint: str = "") -> Model:
    """Fit the model on (text, intent) pairs."""
    order = tuple(intents)
    counts: dict[str, Counter[int]] = {}
    for text, intent in rows:
        position = order.index(intent)
        for feature in features(text):
            counts.setdefault(feature, Counter())[position] += 1
    kept = sorted((f, c) for f, c in counts.items() if sum(c.values()) >= MIN_COUNT)
    totals = Counter[int]()
    for _, c in kept:
        totals.update(c)
    base = tuple(math.log(ALPHA) - math.log(totals[i] + ALPHA * len(kept)) for i in range(len(order)))
    offsets, classes, weights = array("I", [0]), array("B"), array("f")
    for _, c in kept:
        for position, n in sorted(c.items()):
            classes.append(position)
            weights.append(math.log((n + ALPHA) / ALPHA))
        offsets.append(len(classes))
    return Model(order, base, {f: k for k, (f, _) in enumerate(kept)}, offsets, classes, weights, fingerprint)


def save(model: Model, path: Path = MODEL_PATH) -> None:
    """Write the model: a JSON header line, the features' names, then the three arrays (gzipped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = "\n".join(sorted(model.index, key=model.index.__getitem__)).encode()
    header = {"intents": model.intents, "base": model.base, "fingerprint": model.fingerprint, "names": len(names),
              "features": len(model.index), "entries": len(model.classes), "byteorder": sys.byteorder}
    # No name or time in the gzip header: the same model gives the same bytes (a retrain without changes shows no diff).
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
        fh.write(json.dumps(header).encode() + b"\n")
        fh.write(names)
        for part in (model.offsets, model.classes, model.weights):
            fh.write(part.tobytes())


def load(path: Path = MODEL_PATH) -> Model | None:
    """The model at `path`, or None when there is none (the phrase banks then work alone)."""
    if not path.is_file():
        return None
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    end = data.index(b"\n")
    header = json.loads(data[:end])
    position = end + 1
    names = data[position:position + header["names"]].decode().split("\n")
    position += header["names"]
    parts = []
    for code, count in (("I", header["features"] + 1), ("B", header["entries"]), ("f", header["entries"])):
        part = array(code)
        part.frombytes(data[position:position + count * part.itemsize])
        if header["byteorder"] != sys.byteorder:
            part.byteswap()
        position += count * part.itemsize
        parts.append(part)
    return Model(tuple(header["intents"]), tuple(header["base"]), {name: k for k, name in enumerate(names)}, *parts,
                 fingerprint=header["fingerprint"])


@cache
def model() -> Model | None:
    """The shipped model, loaded once."""
    return load()


__all__ = ["MODEL_PATH", "Model", "features", "fingerprint", "load", "model", "read_messages", "save", "train"]
