#!/usr/bin/env bash
# Trains word vectors without labels, with an existing tool: gensim's
# word2vec (skip-gram), and writes them in the word2vec text format (the
# layout of fastText's .vec files) for `rnntrain classify --embeddings`.
#
#   scripts/train_word_vectors.sh TEXT OUT.vec [DIM] [EPOCHS]
#
# TEXT holds one sentence per line, words separated by spaces (e.g.
# unlabelled.txt of scripts/make_topic_corpus.py, or the `string` column of
# a prepared CSV). DIM (default 64) must equal classify's --embed.
#
# gensim is installed into .venv-vectors (VENV=... to choose) from PyPI: it
# is not a dependency of the build or the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:?usage: scripts/train_word_vectors.sh TEXT OUT.vec [DIM] [EPOCHS]}
out=${2:?usage: scripts/train_word_vectors.sh TEXT OUT.vec [DIM] [EPOCHS]}
dim=${3:-64}
epochs=${4:-5}
venv=${VENV:-.venv-vectors}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import gensim" 2>/dev/null || "$venv/bin/pip" install -q "gensim==4.4.0"
"$venv/bin/python" - "$text" "$out" "$dim" "$epochs" <<'PY'
import sys
import time

import gensim
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

text, out, dim, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
start = time.time()
model = Word2Vec(LineSentence(text), vector_size=dim, window=5, min_count=1, sg=1, negative=5,
                 epochs=epochs, workers=2, seed=1)
model.wv.save_word2vec_format(out)
print(f"{out}: {len(model.wv):,} vectors of {dim} from {text} "
      f"(gensim {gensim.__version__} word2vec skip-gram, {epochs} epochs) in {time.time() - start:.1f} s", file=sys.stderr)
PY
