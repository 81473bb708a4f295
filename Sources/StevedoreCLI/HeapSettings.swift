#if canImport(Glibc)
    import CMalloc
    import Glibc
#endif

/// How the `stevedore` process asks glibc's malloc for memory: blocks of 4 MiB and more (the part
/// buffers a load cycles through) each get their own mapping, returned to the system when freed, so
/// a load's peak memory stays what it holds at once, not what the heap grew to.
enum HeapSettings {
    /// Fixed, because glibc otherwise raises its mapping threshold to the largest block freed and
    /// then serves such blocks from a heap that fragments; lower, every batch would be mapped anew
    /// (docs/performance.md). `MALLOC_MMAP_THRESHOLD_` in the environment still wins.
    static let mappingThreshold: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
            guard getenv("MALLOC_MMAP_THRESHOLD_") == nil else { return }
            _ = mallopt(M_MMAP_THRESHOLD, mappingThreshold)
        #endif
    }
}
