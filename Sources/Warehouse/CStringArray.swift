import Foundation

/// Copies Swift strings into NUL-terminated C strings for the duration of `body` (libpq's
/// parameter and keyword arrays); `nil` stays a null pointer.
func withCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    return try body(copies.map { $0.map { UnsafePointer($0) } })
}
