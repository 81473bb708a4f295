#if canImport(Glibc)
    import CMalloc
    import Glibc
#endif

/// How the `stevedore` process asks glibc's malloc for memory: blocks of 4 MiB and more (the part
/// buffers a load cycles through) each get their own mapping, returned to the system when freed, so
/// a load's peak memory stays what it holds at once, not what the heap grew to; a heap keeps up to
/// 4 MiB free for the next batches instead of handing it back and faulting it in again.
enum HeapSettings {
    /// Fixed, because glibc otherwise raises its mapping threshold to the largest block freed and
    /// then serves such blocks from a heap that fragments; lower, every batch would be mapped anew
    /// (docs/performance.md). `MALLOC_MMAP_THRESHOLD_` in the environment still wins.
    static let mappingThreshold: Int32 = 4 << 20
    /// Free memory at a heap's top beyond which glibc returns it to the system (its default, 128
    /// KiB once the mapping threshold is fixed, returned and refaulted each batch's buffers).
    /// `MALLOC_TRIM_THRESHOLD_` in the environment still wins.
    static let trimThreshold: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
            if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(M_MMAP_THRESHOLD, mappingThreshold) }
            if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(M_TRIM_THRESHOLD, trimThreshold) }
        #endif
    }
}
