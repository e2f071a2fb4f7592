/// Wall time as the project reports it: seconds in a `Double`.
extension Duration {
    /// This duration in seconds (attoseconds included).
    @inlinable
    public var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
