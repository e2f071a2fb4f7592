#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an input file is not read.
public enum SkipReason: Int, CaseIterable, Sendable, Comparable {
    /// A corpus file whose name is not `ID.gender.age.industry.sign.xml`.
    case badName
    /// A corpus file whose age is outside 13-17, 23-27 and 33-47.
    case ageOutsideBrackets
    /// With text folders: a file not named `*.txt`.
    case notText
    /// With text folders: a file beside the class folders rather than in one.
    case outsideClassFolder
    /// Could not be opened or read (no permission, ...).
    case unreadable
    /// A folder where a file was expected (whatever its name).
    case folder

    public var description: String {
        switch self {
        case .badName: return "name not ID.gender.age.industry.sign.xml"
        case .ageOutsideBrackets: return "age outside 13-17/23-27/33-47"
        case .notText: return "not .txt"
        case .outsideClassFolder: return "outside a class folder"
        case .unreadable: return "unreadable"
        case .folder: return "a folder, not a file"
        }
    }

    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }
}

/// The class of a blog corpus file, from its name.
public enum BlogFileName {
    public enum Parsed: Equatable, Sendable {
        case ok(gender: Int, ageBracket: Int)
        case skipped(SkipReason)
    }

    /// `1000331.female.37.indUnk.Leo.xml` -> gender 1 (female), bracket 2.
    /// Gender `male`/`female` -> 0/1 (any case); age 13-17 -> 0, 23-27 -> 1,
    /// 33-47 -> 2. The ID must be digits; industry and sign must not be empty.
    public static func parse(_ name: String) -> Parsed {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[5] == "xml", !parts[0].isEmpty, parts[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              !parts[3].isEmpty, !parts[4].isEmpty,
              (1 ... 3).contains(parts[2].utf8.count), parts[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let age = Int(parts[2]) else { return .skipped(.badName) }
        let gender: Int
        switch parts[1].lowercased() {
        case "male": gender = 0
        case "female": gender = 1
        default: return .skipped(.badName)
        }
        switch age {
        case 13 ... 17: return .ok(gender: gender, ageBracket: 0)
        case 23 ... 27: return .ok(gender: gender, ageBracket: 1)
        case 33 ... 47: return .ok(gender: gender, ageBracket: 2)
        default: return .skipped(.ageOutsideBrackets)
        }
    }
}

/// The files `rnntrain prepare` reads, each with its class, in the order
/// their rows are written (file names in byte order), and what was skipped.
public struct PrepareInput: Sendable {
    public enum Kind: Sendable {
        /// The blog corpus: classes `gender * 3 + age_bracket`; posts in `<post>` elements.
        case blogCorpus
        /// One folder per class of plain-text files; each file is one post.
        case textFolders
    }

    public struct File: Sendable {
        public var path: String
        public var label: Int
    }

    public var kind: Kind
    public var folder: String
    public var files: [File]
    public var classNames: [String]
    /// Files skipped by name (before reading), per reason.
    public var skipped: [SkipReason: Int]
    /// Examples of skipped names, for the summary.
    public var skippedExamples: [String]

    /// Lists a blog corpus folder: every `ID.gender.age.industry.sign.xml`.
    public static func blogCorpus(folder: String) throws -> PrepareInput {
        var input = PrepareInput(kind: .blogCorpus, folder: folder, files: [], classNames: Corpus.blogClassNames,
                                 skipped: [:], skippedExamples: [])
        for entry in try listFolder(folder) {
            let path = join(folder, entry.name)
            if entry.isFolder { input.skip(.folder, entry.name + "/"); continue }
            switch BlogFileName.parse(entry.name) {
            case .ok(let g, let a):
                input.files.append(File(path: path, label: g * 3 + a))
            case .skipped(let reason):
                input.skip(reason, entry.name)
            }
        }
        return input
    }

    /// Lists a folder of class folders, each holding `.txt` files. Class k
    /// is the k-th folder name in byte order.
    public static func textFolders(folder: String) throws -> PrepareInput {
        var input = PrepareInput(kind: .textFolders, folder: folder, files: [], classNames: [], skipped: [:], skippedExamples: [])
        for entry in try listFolder(folder) {
            guard entry.isFolder else { input.skip(.outsideClassFolder, entry.name); continue }
            let label = input.classNames.count
            input.classNames.append(entry.name)
            let classFolder = join(folder, entry.name)
            for f in try listFolder(classFolder) {
                let lower = f.name.lowercased()
                if f.isFolder {
                    input.skip(.folder, entry.name + "/" + f.name + "/")
                } else if !lower.hasSuffix(".txt") {
                    input.skip(.notText, entry.name + "/" + f.name)
                } else {
                    input.files.append(File(path: join(classFolder, f.name), label: label))
                }
            }
        }
        guard !input.classNames.isEmpty else {
            throw DataError(file: folder, line: 0, "no class folders (expected one subfolder of .txt files per class)")
        }
        guard input.classNames.count <= 256 else {
            throw DataError(file: folder, line: 0, "\(input.classNames.count) class folders; at most 256 are supported")
        }
        return input
    }

    mutating func skip(_ reason: SkipReason, _ name: String) {
        skipped[reason, default: 0] += 1
        if skippedExamples.count < 5 { skippedExamples.append(name) }
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    struct Entry {
        var name: String
        var isFolder: Bool
    }

    /// The entries of `folder` except hidden ones, sorted by name bytes.
    static func listFolder(_ folder: String) throws -> [Entry] {
        guard let dir = opendir(folder) else {
            throw DataError(file: folder, line: 0, "cannot open folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            var isFolder = e.pointee.d_type == UInt8(DT_DIR)
            if e.pointee.d_type == UInt8(DT_UNKNOWN) || e.pointee.d_type == UInt8(DT_LNK) {
                var st = stat()
                if stat(join(folder, name), &st) == 0 { isFolder = (st.st_mode & S_IFMT) == S_IFDIR }
            }
            entries.append(Entry(name: name, isFolder: isFolder))
        }
        entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return entries
    }
}
