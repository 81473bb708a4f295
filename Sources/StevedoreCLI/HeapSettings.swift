#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// How the `stevedore` process asks glibc's malloc for memory: blocks of 256 KiB and more (the
/// parts, batches and buffers a load cycles through) each get their own mapping, returned to the
/// system when freed, so a load's peak memory stays what it holds at once, not what the heap grew to.
enum HeapSettings {
    /// glibc raises its mapping threshold to the largest block freed so far, and from then on serves
    /// those blocks from the heap, which fragments: a 10M-row load then peaked at 64–74 MiB against
    /// 54 MiB for 100k rows; with the threshold fixed at 256 KiB, 58 MiB. `MALLOC_MMAP_THRESHOLD_` in
    /// the environment still wins.
    static let mappingThreshold: Int32 = 256 << 10

    static func apply() {
        #if canImport(Glibc)
        guard getenv("MALLOC_MMAP_THRESHOLD_") == nil else { return }
        _ = mallopt(M_MMAP_THRESHOLD, mappingThreshold)
        #endif
    }
}
