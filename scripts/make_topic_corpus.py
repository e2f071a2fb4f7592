#!/usr/bin/env python3
"""Writes a corpus where word vectors learned without labels help (Python stdlib only).

    scripts/make_topic_corpus.py [--out bench-data/topics] [--unlabelled 400000] [--labelled 3000] [--seed 1]

The synthetic corpus of `rnntrain synth` plants its label signal as a few
marker words per row, which no co-occurrence statistic reveals: vectors
learned from its text cannot help. Real text is different: words about one
topic share contexts, so word2vec puts them near each other, and a
classifier trained on a few labelled rows can use words it never saw with a
label. This corpus has that property and nothing else:

- 6 classes (gender * 3 + age bracket, as the blog corpus), each with its own
  topic of 400 words (uniformly used, so most are rare in a small labelled
  set); 150 filler words (Zipf) shared by all.
- A row: 8 to 20 tokens; each token is a word of the row's topic with
  probability 0.3, of another topic with 0.05, a filler word otherwise.

Files in --out:
    unlabelled.txt   one row per line (words), for the vector trainer
    labelled.csv     rnntrain's tokenized CSV (post_id,gender,age_bracket,string,as_numbers,length)
    vocab.txt        line k is the word of id k (<UNK>, <#>, fillers, topic words)
Same seed, same files.
"""
import argparse
import os
import random

TOPICS, TOPIC_WORDS, FILLERS = 6, 400, 150
SYLLABLES = ["ba", "ko", "ri", "te", "lu", "ma", "ne", "so", "vi", "da", "pe", "gu", "zo", "fa", "hi", "ju",
             "ka", "lo", "mi", "nu", "ra", "se", "ti", "wo", "ye"]


def vocabulary(rng):
    words, seen = ["<UNK>", "<#>"], set()
    while len(words) < 2 + FILLERS + TOPICS * TOPIC_WORDS:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def row(rng, topic, filler_weights):
    ids = []
    for _ in range(rng.randint(8, 20)):
        u = rng.random()
        if u < 0.3:
            t = topic
        elif u < 0.35:
            t = rng.choice([k for k in range(TOPICS) if k != topic])
        else:
            ids.append(2 + rng.choices(range(FILLERS), weights=filler_weights)[0])
            continue
        ids.append(2 + FILLERS + t * TOPIC_WORDS + rng.randrange(TOPIC_WORDS))
    return ids


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="bench-data/topics")
    p.add_argument("--unlabelled", type=int, default=400000)
    p.add_argument("--labelled", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    words = vocabulary(rng)
    filler_weights = [1.0 / (r + 2) for r in range(FILLERS)]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "vocab.txt"), "w") as f:
        f.write("\n".join(words) + "\n")
    with open(os.path.join(a.out, "unlabelled.txt"), "w") as f:
        for _ in range(a.unlabelled):
            f.write(" ".join(words[i] for i in row(rng, rng.randrange(TOPICS), filler_weights)) + "\n")
    with open(os.path.join(a.out, "labelled.csv"), "w") as f:
        f.write("post_id,gender,age_bracket,string,as_numbers,length\n")
        for n in range(a.labelled):
            topic = rng.randrange(TOPICS)
            ids = row(rng, topic, filler_weights)
            f.write('%d,%d,%d,"%s",%s,%d\n' % (n, topic // 3, topic % 3, " ".join(words[i] for i in ids),
                                               " ".join(map(str, ids)), len(ids)))


if __name__ == "__main__":
    main()
