#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// How the `stevedore` process asks glibc's malloc for memory: blocks of 4 MiB and more (the part
/// buffers a load cycles through) each get their own mapping, returned to the system when freed, so
/// a load's peak memory stays what it holds at once, not what the heap grew to.
enum HeapSettings {
    /// glibc raises its mapping threshold to the largest block freed so far (up to 32 MiB), and from
    /// then on serves such blocks from the heap, which fragments: a 10M-row load then peaked at
    /// 64–74 MiB against 51–57 MiB for 100k rows. Fixed at 4 MiB, the 10M-row peak was 62–63 MiB.
    /// A lower threshold maps every batch (1 MiB and less) anew: 256 KiB cost a load 15% more CPU
    /// in page faults. `MALLOC_MMAP_THRESHOLD_` in the environment still wins.
    static let mappingThreshold: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
        guard getenv("MALLOC_MMAP_THRESHOLD_") == nil else { return }
        _ = mallopt(M_MMAP_THRESHOLD, mappingThreshold)
        #endif
    }
}
