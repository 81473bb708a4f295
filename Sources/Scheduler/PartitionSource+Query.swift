import Foundation
import Frames
import Stevedore
import Warehouse

extension PartitionSource {
    /// A query on a PostgreSQL database, streamed with `COPY (query) TO STDOUT` into a
    /// `ByteChannel` and read as CSV. COPY takes no bind parameters, so the key's values are
    /// written into the statement by the dialect's literal quoting (`E'…'`, escaped), never as text.
    func openQuery(database: String, statement: SQLStatement) throws -> LoadSource {
        let copy: String
        do {
            copy = try PostgresDialect().copyQueryWithHeader(statement)
        } catch {
            throw self.error("cannot send the partition key to the query: \(error)")
        }
        let channel = ByteChannel()
        let logger = self.logger
        let producer = Task {
            do {
                let connection = try await Connection.connect(database, logger: logger)
                do {
                    _ = try await connection.copyOut(copy) { chunk in try await channel.send(chunk) }
                    await connection.close()
                    channel.finish()
                } catch {
                    await connection.close()
                    throw error
                }
            } catch let failure as WarehouseError {
                var message = "the query failed: \(failure.message)"
                if let state = failure.sqlState { message += " (SQLSTATE \(state))" }
                channel.finish(throwing: self.error(message))
            } catch {
                channel.finish(throwing: self.error("the query failed: \(error)"))
            }
        }
        let name = "query of job \(job.name)"
        return LoadSource.reading(
            open: { try Self.reader(.csv(CSVOptions()), bytes: channel, name: name) },
            interrupt: {
                producer.cancel()
                channel.closeReader()
            },
            cleanup: {
                producer.cancel()
                channel.closeReader()
            })
    }
}
