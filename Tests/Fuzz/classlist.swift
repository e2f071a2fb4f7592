// libFuzzer target: the labels and class-weights file readers (scripts/fuzz.sh classlist SECONDS).
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let names = try? ClassList.parseNames(bytes, fileName: "fuzz.txt") {
        precondition(!names.isEmpty && names.count <= ClassList.maxClasses && Set(names).count == names.count)
    }
    if let w = try? ClassList.parseWeights(bytes, fileName: "fuzz.txt") {
        precondition(!w.isEmpty && w.count <= ClassList.maxClasses && w.allSatisfy { $0 >= 0 && $0.isFinite })
    }
    return 0
}
