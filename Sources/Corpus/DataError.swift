/// A problem with an input file, located at a physical line (1-based; 0 when
/// the problem concerns the whole file). Its description is the message users
/// see: `train.csv:1042: token id 10000 out of range [0, 10000)`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
