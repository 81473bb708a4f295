/// Runs `body`, then awaits `cleanUp` whether or not `body` threw, so a test's cleanup (dropping its
/// schema, closing a session) has finished when the test ends; a `defer { Task { … } }` would leave
/// it running past the end, against the next tests.
public func withCleanUp<T>(
    _ cleanUp: () async -> Void, isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async rethrows -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await cleanUp()
        throw error
    }
    await cleanUp()
    return result
}
