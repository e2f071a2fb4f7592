#!/usr/bin/env python3
"""Writes a synthetic raw blog corpus for `rnntrain prepare` (Python stdlib only).

    scripts/make_raw_corpus.py [--out bench-data/raw-corpus] [--mb 110] [--seed 1]

The folder holds files named like the Blog Authorship Corpus
(`ID.gender.age.industry.sign.xml`), each a `<Blog>` of `<date>` and `<post>`
elements, and carries every defect `prepare` must survive:

- raw `&` and `<` inside posts, entities (`&amp;` `&quot;` `&#233;` `&#xE9;`
  `&nbsp;`), `<b>`-like tags in text;
- Windows-1252 files (0xEF for "ï", 0x93/0x94 curly quotes, 0x92 apostrophe,
  0x85 ellipsis, 0x97 dash), UTF-8 files, and UTF-8 files with stray
  Windows-1252 bytes;
- CRLF line ends, a UTF-8 byte-order mark, a missing `</post>` at a
  truncated end of file, empty and whitespace-only posts, very long
  single-line posts (hundreds of kilobytes);
- file names that do not parse and ages outside the brackets.

Text: sentences of Zipf-distributed words (a few hundred common English
words, clitics such as "don't" and "I'm", then about 40,000 pseudo-words),
with punctuation, numbers (123, 3.5, 1,000, 2nd, 10:30), `urlLink`,
emoticons and capitalised sentence starts. Same seed, same files.
"""
import argparse
import os
import random

COMMON = """the i and to a of it that is in my was for you me but so this on have just with be not do are like at
all we what he she they if get out up about no can one know there go when time now really today think day got
will would could some from had been more people then an by as your or his her them our their who how which
because very much going good well back want love still home night work school life new last never even went
said see make little thing things great feel way right down over too way friends mom dad tonight tomorrow
yesterday blog post write movie music song class weekend summer guess pretty fun lol omg haha cool""".split()
CLITICS = ["don't", "I'm", "it's", "can't", "didn't", "won't", "I've", "I'll", "you're", "that's", "isn't",
           "wasn't", "he's", "she's", "we're", "they're", "I'd", "doesn't", "couldn't", "John's", "mom's"]
SYLLABLES = ["ba", "ko", "ri", "te", "lu", "ma", "ne", "so", "vi", "da", "pe", "gu", "zo", "fa", "hi", "ju",
             "ka", "lo", "mi", "nu", "ra", "se", "ti", "wo", "ye", "chi", "sha", "tho", "bri", "gla"]
NUMBERS = ["123", "3.5", "1,000", "2nd", "10:30", "2004", "5", "42", "1/2", "21st", "$20", "50%", "5pm"]
EMOTICONS = [":)", ":(", ";)", ":D", ":P", "<3", "^_^", ":-)"]
NONASCII = ["naïve", "café", "résumé", "déjà", "Zoë", "jalapeño", "façade", "über", "señor", "piñata"]
INDUSTRIES = ["indUnk", "Student", "Education", "Technology", "Arts", "Communications-Media", "Internet",
              "Non-Profit", "Engineering", "Law", "Publishing", "Science", "Government", "Consulting"]
SIGNS = ["Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio", "Sagittarius",
         "Capricorn", "Aquarius", "Pisces"]
AGES_IN = list(range(13, 18)) * 4 + list(range(23, 28)) * 4 + list(range(33, 48)) * 1
AGES_OUT = [18, 20, 22, 28, 30, 48, 51]


def make_vocabulary(rng):
    words = COMMON + CLITICS
    seen = set(words)
    while len(words) < 40000:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    # Zipf weights 1/(rank+2).
    weights = [1.0 / (r + 2) for r in range(len(words))]
    return words, weights


def make_sentence(rng, words, cum_weights):
    n = max(1, int(rng.gauss(13, 7)))
    toks = rng.choices(words, cum_weights=cum_weights, k=n)
    for k in range(len(toks)):
        u = rng.random()
        if u < 0.03:
            toks[k] = rng.choice(NUMBERS)
        elif u < 0.045:
            toks[k] = "urlLink"
        elif u < 0.055:
            toks[k] = rng.choice(NONASCII)
        elif u < 0.085:
            toks[k] += ","
        elif u < 0.09:
            toks[k] = "&"
        elif u < 0.093:
            toks[k] = "<"
        elif u < 0.096:
            toks[k] = "&amp;"
        elif u < 0.098:
            toks[k] = "caf&#233;"
        elif u < 0.1:
            toks[k] = "&quot;" + toks[k] + "&quot;"
        elif u < 0.102:
            toks[k] = "\u201c" + toks[k] + "\u201d"
        elif u < 0.104:
            toks[k] = "<b>" + toks[k] + "</b>"
        elif u < 0.106:
            toks[k] = "well-known"
        elif u < 0.108:
            toks[k] = "don\u2019t"
        elif u < 0.109:
            toks[k] = "na&#xEF;ve&nbsp;"
        elif u < 0.111:
            toks[k] += " \u2014"          # em dash: 0x97 in Windows-1252
        elif u < 0.112:
            toks[k] += "\u2026"           # ellipsis: 0x85 in Windows-1252
    toks[0] = toks[0][:1].upper() + toks[0][1:]
    end = rng.choices([".", "!", "?", "...", "!!", " " + rng.choice(EMOTICONS), ""], [60, 10, 10, 8, 3, 5, 4])[0]
    return " ".join(toks) + end


def post_text(rng, pool, long_post=False):
    if long_post:
        # One very long line: thousands of sentences without a newline.
        return " ".join(rng.choice(pool) for _ in range(rng.randint(2000, 6000)))
    paragraphs = []
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        paragraphs.append(" ".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
    return "\n\n".join(paragraphs)


def encode(text, mode):
    if mode == "cp1252":
        return text.encode("cp1252", errors="replace")
    data = text.encode("utf-8")
    if mode == "mixed":
        # UTF-8 with stray Windows-1252 bytes: curly quotes, apostrophe, ï.
        data = data.replace(b" so ", b" \x93so\x94 ").replace(b"I'm", b"I\x92m").replace(b"naive", b"na\xefve")
    return data


def make_file(rng, pool, target_bytes):
    mode = rng.choices(["cp1252", "utf8", "mixed"], [60, 25, 15])[0]
    crlf = rng.random() < 0.3
    bom = mode != "cp1252" and rng.random() < 0.3
    truncated = rng.random() < 0.05
    parts = ["<Blog>\n\n"]
    size = 0
    while size < target_bytes:
        date = "%d,%s,%d" % (rng.randint(1, 28), rng.choice(["January", "May", "June", "August"]), rng.choice((2002, 2003, 2004)))
        u = rng.random()
        if u < 0.03:
            body = ""
        elif u < 0.05:
            body = " \n\t  \n"
        else:
            body = post_text(rng, pool, long_post=rng.random() < 0.002)
            body = body.replace("naïve", "naive") if mode == "mixed" else body
        part = "<date>%s</date>\n<post>\n\n\n      %s\n\n\n</post>\n\n" % (date, body)
        parts.append(part)
        size += len(part)
    text = "".join(parts)
    if truncated:
        text = text[: text.rfind("</post>")]     # file ends inside its last post
    else:
        text += "\n</Blog>\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    data = encode(text, mode)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench-data/raw-corpus")
    ap.add_argument("--mb", type=float, default=110.0, help="total size in MB (1e6 bytes)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    words, weights = make_vocabulary(rng)
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    pool = [make_sentence(rng, words, cum) for _ in range(60000)]
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        os.remove(os.path.join(args.out, f))
    target = int(args.mb * 1e6)
    written, files, blog_id = 0, 0, 1000000
    while written < target:
        blog_id += rng.randint(1, 5000)
        gender = rng.choice(("male", "female"))
        age = rng.choice(AGES_OUT) if rng.random() < 0.03 else rng.choice(AGES_IN)
        name = "%d.%s.%d.%s.%s.xml" % (blog_id, gender, age, rng.choice(INDUSTRIES), rng.choice(SIGNS))
        if rng.random() < 0.005:
            name = rng.choice(["%d.%s.xml" % (blog_id, gender), "%d.unknown.%d.indUnk.Leo.xml" % (blog_id, age),
                               "notes-%d.txt" % blog_id])
        # Sizes like the real corpus: most files tens of kilobytes, a few megabytes.
        size = int(min(rng.lognormvariate(10.0, 1.1), 4e6))
        data = make_file(rng, pool, size)
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        written += len(data)
        files += 1
    print("wrote %s: %d files, %.1f MB" % (args.out, files, written / 1e6))


if __name__ == "__main__":
    main()
