#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the commands ask of the machine and the process: cores, memory,
/// files.
enum Machine {
    /// The cores online.
    static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Physical memory in bytes (0 when unknown).
    static var memoryBytes: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// The process's peak resident memory so far, in MB (10^6 bytes).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #if os(Linux)
    return Double(usage.ru_maxrss) * 1024 / 1e6      // kilobytes on Linux
    #else
    return Double(usage.ru_maxrss) / 1e6             // bytes on Darwin
    #endif
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
