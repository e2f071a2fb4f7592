import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small raw blog corpus written into a temporary folder, one file per
/// defect `prepare` must survive, with the bytes spelled out here.
enum RawCorpusFixture {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Windows-1252 text, CRLF line ends, raw `&` and `<`, entities, a
    /// whitespace-only post, an empty post, and a last post cut off without
    /// `</post>` or `</Blog>`.
    static let windows1252CRLF: [UInt8] =
        bytes("<Blog>\r\n\r\n<date>14,May,2004</date>\r\n<post>\r\n\r\n     I don't think Na") + [0xEF] + bytes("ve people &amp; ")
        + [0x93] + bytes("smart") + [0x94] + bytes(" ones agree.  It's 3.5 times better than 1,000 cats & <dogs> !\r\n\r\n</post>\r\n\r\n")
        + bytes("<date>15,May,2004</date>\r\n<post>\r\n\r\n   \t\r\n</post>\r\n<post></post>\r\n")
        + bytes("<date>16,May,2004</date>\r\n<post>\r\n urlLink My blog is caf&#233; and caf&#xE9; now.\r\n")

    /// UTF-8 with a byte-order mark; a sentence too short and one too long.
    static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]
        + bytes("<Blog>\n<post>Hello there, my friend! I can\u{2019}t believe it's na\u{EF}ve \u{201C}quoted\u{201D} text.</post>\n")
        + bytes("<post>Too short.</post>\n<post>" + (1 ... 31).map { "w\($0)" }.joined(separator: " ") + ".</post>\n</Blog>\n")

    /// UTF-8 with stray Windows-1252 bytes in the same post.
    static let mixed: [UInt8] =
        bytes("<Blog><post>The caf\u{E9} na") + [0xEF] + bytes("ve ") + [0x93] + bytes("ok") + [0x94] + bytes(" is open today.</post></Blog>")

    /// The corpus folder: three good files, five skipped by name or age, and
    /// one folder named like a corpus file (skipped as a folder).
    static func write(to dir: String) {
        put(dir + "/1000331.female.37.indUnk.Leo.xml", windows1252CRLF)
        put(dir + "/2000.male.15.Student.Aries.xml", utf8BOM)
        put(dir + "/3000.female.25.Arts.Leo.xml", mixed)
        for bad in ["4000.male.20.Student.Aries.xml", "4001.female.48.Law.Leo.xml", "notes.txt",
                    "5000.unknown.15.Student.Aries.xml", "abc.male.15.Student.Aries.xml"] {
            put(dir + "/" + bad, bytes("<Blog><post>This file must never be read, not at all.</post></Blog>"))
        }
        mkdir(dir + "/6000.male.16.Student.Aries.xml", 0o755)
    }

    static func put(_ path: String, _ data: [UInt8]) {
        let f = fopen(path, "wb")!
        _ = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
}

/// A generated corpus big enough for several workers to interleave: `files`
/// blog files of varied size, classes and defects (Windows-1252, CRLF, a very
/// long single-line post), deterministic.
enum GeneratedCorpus {
    static func write(to dir: String, files: Int) {
        var rng = SplitMix(seed: 7)
        let words = ["the", "i", "and", "a", "to", "it", "was", "my", "don't", "I'm", "it's", "naïve", "café", "3.5",
                     "1,000", "urlLink", "&", "&amp;", "<", "well-known", "mom's", "2nd"] + (0 ..< 300).map { "w\($0)" }
        let enders = [".", "!", "?", "...", ""]
        for f in 0 ..< files {
            var text = "<Blog>\n"
            let posts = 1 + Int(rng.next() % 12)
            for p in 0 ..< posts {
                text += "<date>\(p),May,2004</date>\n<post>\n"
                let longLine = f == 3 && p == 0
                let sentences = longLine ? 3000 : Int(rng.next() % 9)
                for _ in 0 ..< sentences {
                    let n = 1 + Int(rng.next() % 34)
                    // Mostly the 40 first words (frequent), sometimes any (rare).
                    var s = (0 ..< n).map { _ -> String in
                        let r = Int(rng.next() % UInt64(words.count))
                        return rng.next() % 3 == 0 ? words[r] : words[r % 40]
                    }
                    s[0] = s[0].firstUppercased
                    text += s.joined(separator: " ") + enders[Int(rng.next() % UInt64(enders.count))] + (longLine ? " " : "\n")
                }
                text += "</post>\n"
            }
            text += "</Blog>\n"
            let gender = f % 2 == 0 ? "male" : "female"
            let age = [15, 16, 24, 26, 35, 44][f % 6]
            var data = Array(text.utf8)
            if f % 3 == 1 {      // Windows-1252 bytes for ï and é
                data = Array(text.replacingAll("ï", "\u{1}").replacingAll("é", "\u{2}").utf8).map { $0 == 1 ? 0xEF : ($0 == 2 ? 0xE9 : $0) }
            }
            if f % 4 == 2 { data = Array(text.replacingAll("\n", "\r\n").utf8) }
            RawCorpusFixture.put(dir + "/\(100 + f).\(gender).\(age).indUnk.Leo.xml", data)
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    var firstUppercased: String { prefix(1).uppercased() + dropFirst() }
}

/// The names in `dir` (without `.` and `..`), sorted.
func folderListing(_ dir: String) -> [String] {
    guard let d = opendir(dir) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
