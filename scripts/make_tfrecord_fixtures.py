#!/usr/bin/env python3
"""Makes the TFRecord test fixtures in Tests/CorpusTests/Fixtures/tfrecord
with implementations independent of rnntrain's:

  - messages: Google's protobuf library, with the compiled example.proto of
    the PyPI package `tfrecord` (proto3: int64 lists packed), and the same
    schema declared in proto2 at run time with unpacked int64 lists and
    extra fields rnntrain does not know (they must be skipped);
  - framing: TensorBoard's RecordWriter (its own masked CRC-32C), checked
    against the `crc32c` package.

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorboard tfrecord crc32c protobuf numpy
    /tmp/tfvenv/bin/python scripts/make_tfrecord_fixtures.py

Also reads a TFRecord file rnntrain wrote and prints its rows the way the
fixtures' expected.txt does (`--dump FILE`), to compare in the other direction.

expected.txt: one line per file and row: `file|label|ids|step labels` (step
labels empty when the file has none).
"""
import gzip
import os
import struct
import sys

import crc32c
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from tensorboard.summary.writer.record_writer import RecordWriter
from tfrecord import example_pb2

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "CorpusTests", "Fixtures", "tfrecord")


def proto2_schema():
    """example.proto in proto2: unpacked int64 lists, plus unknown-to-rnntrain fields."""
    f = descriptor_pb2.FileDescriptorProto(name="fixture.proto", package="fixture", syntax="proto2")
    L = descriptor_pb2.FieldDescriptorProto

    def msg(name, fields):
        m = f.message_type.add(name=name)
        for (fname, number, ftype, label, type_name) in fields:
            fd = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                fd.type_name = ".fixture." + type_name
        return m

    rep, opt = L.LABEL_REPEATED, L.LABEL_OPTIONAL
    msg("Int64List", [("value", 1, L.TYPE_INT64, rep, None), ("note", 5, L.TYPE_FIXED64, opt, None)])
    msg("FloatList", [("value", 1, L.TYPE_FLOAT, rep, None)])
    msg("Feature", [("int64_list", 3, L.TYPE_MESSAGE, opt, "Int64List"), ("float_list", 2, L.TYPE_MESSAGE, opt, "FloatList"),
                    ("extra", 9, L.TYPE_FIXED32, opt, None)])
    msg("FeatureEntry", [("key", 1, L.TYPE_STRING, opt, None), ("value", 2, L.TYPE_MESSAGE, opt, "Feature"),
                         ("junk", 3, L.TYPE_UINT64, opt, None)])
    msg("Features", [("feature", 1, L.TYPE_MESSAGE, rep, "FeatureEntry"), ("comment", 4, L.TYPE_STRING, opt, None)])
    msg("FeatureList", [("feature", 1, L.TYPE_MESSAGE, rep, "Feature")])
    msg("FeatureListEntry", [("key", 1, L.TYPE_STRING, opt, None), ("value", 2, L.TYPE_MESSAGE, opt, "FeatureList")])
    msg("FeatureLists", [("feature_list", 1, L.TYPE_MESSAGE, rep, "FeatureListEntry")])
    msg("SequenceExample", [("context", 1, L.TYPE_MESSAGE, opt, "Features"), ("feature_lists", 2, L.TYPE_MESSAGE, opt, "FeatureLists"),
                            ("source", 7, L.TYPE_STRING, opt, None), ("weight", 8, L.TYPE_DOUBLE, opt, None)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName("fixture." + name))


ROWS = [  # (label, ids, step labels)
    (2, [5, 17, 0, 3], [0, 1, 1, 2]),
    (0, [9], [0]),
    (1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 300], [1, 1, 1, 1, 1, 0, 0, 0, 0, 1]),
]


def seq_packed(label, ids, steps, extra=True):
    e = example_pb2.SequenceExample()
    e.context.feature["length"].int64_list.value.append(len(ids))
    e.context.feature["label"].int64_list.value.append(label)
    if extra:  # negative int64s (10-byte varints) and other types in features rnntrain does not read
        e.context.feature["offsets"].int64_list.value.extend([-1, -123456789012, 2**63 - 1])
        e.context.feature["score"].float_list.value.append(0.25)
        e.context.feature["name"].bytes_list.value.append(b"row")
    for i in ids:
        e.feature_lists.feature_list["tokens"].feature.add().int64_list.value.append(i)
    for s in steps:
        e.feature_lists.feature_list["labels"].feature.add().int64_list.value.append(s)
    return e.SerializeToString()


def seq_unpacked(cls, label, ids, steps):
    e = cls("SequenceExample")(source="fixture", weight=0.5)
    e.context.comment = "unknown field"
    for key, values in (("length", [len(ids)]), ("label", [label]), ("offsets", [-7, -1])):
        entry = e.context.feature.add(key=key, junk=99)
        entry.value.int64_list.value.extend(values)
        entry.value.int64_list.note = 12345
        entry.value.extra = 7
    for key, values in (("tokens", ids), ("labels", steps)):
        fl = e.feature_lists.feature_list.add(key=key)
        for v in values:
            fl.value.feature.add().int64_list.value.append(v)
    return e.SerializeToString()


def example_unpacked(cls, label, ids):
    e = cls("SequenceExample")()  # field 1 = Example.features: the same bytes as an Example
    for key, values in (("tokens", ids), ("label", [label]), ("bias", [-3])):
        e.context.feature.add(key=key).value.int64_list.value.extend(values)
    return e.SerializeToString()


def example_packed(label, ids):
    e = example_pb2.Example()
    e.features.feature["tokens"].int64_list.value.extend(ids)
    e.features.feature["label"].int64_list.value.append(label)
    return e.SerializeToString()


def write(name, records, opener=open):
    with opener(os.path.join(OUT, name), "wb") as f:
        w = RecordWriter(f)
        for r in records:
            w.write(r)


def masked(data):
    c = crc32c.crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def check_framing(path, opener=open):
    """Re-reads a file with the crc32c package's CRC: TensorBoard's must agree."""
    with opener(path, "rb") as f:
        data = f.read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack_from("<Q", data, i)
        assert struct.unpack_from("<I", data, i + 8)[0] == masked(data[i:i + 8])
        assert struct.unpack_from("<I", data, i + 12 + n)[0] == masked(data[i + 12:i + 12 + n])
        i += 16 + n


def dump(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack_from("<Q", data, i)
        e = example_pb2.SequenceExample()
        e.ParseFromString(data[i + 12:i + 12 + n])
        ids = [f.int64_list.value[0] for f in e.feature_lists.feature_list["tokens"].feature]
        steps = [f.int64_list.value[0] for f in e.feature_lists.feature_list["labels"].feature]
        label = e.context.feature["label"].int64_list.value[0]
        assert e.context.feature["length"].int64_list.value[0] == len(ids)
        print("%d|%s|%s" % (label, " ".join(map(str, ids)), " ".join(map(str, steps))))
        i += 16 + n


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--dump":
        dump(sys.argv[2])
        return
    assert crc32c.crc32c(b"123456789") == 0xE3069283
    os.makedirs(OUT, exist_ok=True)
    cls = proto2_schema()
    expected = []
    write("seq-packed.tfrecord", [seq_packed(*r) for r in ROWS])
    write("seq-packed.tfrecord.gz", [seq_packed(*r) for r in ROWS], gzip.open)
    write("seq-unpacked-unknown.tfrecord", [seq_unpacked(cls, *r) for r in ROWS])
    for name in ("seq-packed.tfrecord", "seq-packed.tfrecord.gz", "seq-unpacked-unknown.tfrecord"):
        expected += ["%s|%d|%s|%s" % (name, l, " ".join(map(str, i)), " ".join(map(str, s))) for l, i, s in ROWS]
    write("example-unpacked.tfrecord", [example_unpacked(cls, l, i) for l, i, _ in ROWS])
    write("example-packed.tfrecord", [example_packed(l, i) for l, i, _ in ROWS])
    for name in ("example-unpacked.tfrecord", "example-packed.tfrecord"):
        expected += ["%s|%d|%s|" % (name, l, " ".join(map(str, i))) for l, i, _ in ROWS]
    # Bad records: a negative token id, tokens as bytes, labels as floats, a wrong length.
    write("bad-negative-token.tfrecord", [seq_packed(*ROWS[0]), seq_packed(1, [4, -3], [1, 1])])
    bad = example_pb2.SequenceExample()
    bad.context.feature["label"].int64_list.value.append(1)
    bad.feature_lists.feature_list["tokens"].feature.add().bytes_list.value.append(b"hello")
    float_labels = example_pb2.SequenceExample()
    float_labels.ParseFromString(seq_packed(1, [4, 5], [1, 1], extra=False))
    del float_labels.feature_lists.feature_list["labels"]
    for v in (0.5, 1.5):
        float_labels.feature_lists.feature_list["labels"].feature.add().float_list.value.append(v)
    wrong_length = example_pb2.SequenceExample()
    wrong_length.ParseFromString(seq_packed(1, [4, 5], [1, 1], extra=False))
    wrong_length.context.feature["length"].int64_list.value[0] = 3
    write("bad-types.tfrecord", [bad.SerializeToString(), float_labels.SerializeToString(), wrong_length.SerializeToString()])
    for name in os.listdir(OUT):
        if ".tfrecord" in name:
            check_framing(os.path.join(OUT, name), gzip.open if name.endswith(".gz") else open)
    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")


if __name__ == "__main__":
    main()
