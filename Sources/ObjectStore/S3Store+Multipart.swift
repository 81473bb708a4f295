import Digest
import Foundation

extension S3Store {
    /// What a multipart upload reads its parts from.
    enum MultipartSource: Sendable {
        case bytes([UInt8])
        case file(path: String, size: Int64)

        var size: Int64 {
            switch self {
            case .bytes(let bytes): return Int64(bytes.count)
            case .file(_, let size): return size
            }
        }
    }

    /// One uploaded part, as CompleteMultipartUpload lists it.
    struct CompletedPart: Sendable, Hashable {
        var number: Int
        var etag: String
        /// The part's CRC-32 (base64), which S3 checked on arrival.
        var crc32: String
    }

    /// Uploads `source` in parts of `partSize`, `concurrency` at a time, then completes the upload.
    /// Any failure aborts the upload, so no incomplete upload is left behind.
    func multipartUpload(_ key: String, source: MultipartSource) async throws -> ObjectInfo {
        let partSize = Int64(max(configuration.partSize, 5 * 1024 * 1024))
        let partCount = Int((source.size + partSize - 1) / partSize)
        guard partCount <= 10_000 else {
            throw ObjectStoreError(
                code: .invalidRequest,
                message: "\(source.size) bytes need \(partCount) parts of \(partSize); S3 allows 10,000",
                key: key)
        }
        return try await withMultipartUpload(key) { uploadID in
            try await withThrowingTaskGroup(of: CompletedPart.self) { group in
                var parts: [CompletedPart] = []
                for index in 0..<partCount {
                    if index >= configuration.concurrency, let done = try await group.next() {
                        parts.append(done)
                    }
                    let offset = Int64(index) * partSize
                    let length = min(partSize, source.size - offset)
                    group.addTask {
                        // Slicing and hashing a part is blocking work: it runs on a transfer thread.
                        let (body, hash, crc) = try await self.transport.runBlocking {
                            () -> (RequestBody, String, String) in
                            switch source {
                            case .bytes(let bytes):
                                let slice = Array(bytes[Int(offset)..<Int(offset + length)])
                                return (.bytes(slice), SHA256.hash(slice).hex, CRC32.checksum(slice).base64)
                            case .file(let path, _):
                                let sums = try FileRange(path: path, offset: offset, length: length).checksums()
                                return (.file(path: path, offset: offset, length: length), sums.sha256, sums.crc32)
                            }
                        }
                        return try await self.uploadPart(
                            key, uploadID: uploadID, number: index + 1, body: body,
                            sha256: hash, crc32: crc)
                    }
                }
                for try await done in group {
                    parts.append(done)
                }
                return (parts, source.size)
            }
        }
    }

    /// Streams `chunks` up: one PUT when they end within one part (and the multipart threshold),
    /// parts otherwise. At most `concurrency + 1` parts are held in memory.
    func putStream(_ key: String, _ chunks: AsyncThrowingStream<[UInt8], any Error>) async throws -> ObjectInfo {
        var iterator = chunks.makeAsyncIterator()
        var pending: [UInt8] = []
        var ended = false
        let singleLimit = min(configuration.multipartThreshold, max(configuration.partSize, 5 * 1024 * 1024))
        while pending.count <= singleLimit {
            guard let chunk = try await iterator.next() else {
                ended = true
                break
            }
            pending += chunk
        }
        if ended {
            return try await putSingle(
                key, body: .bytes(pending), size: Int64(pending.count),
                sha256: SHA256.hash(pending).hex)
        }
        let partSize = max(configuration.partSize, 5 * 1024 * 1024)
        let concurrency = configuration.concurrency
        var remainingIterator = iterator
        var buffered = pending
        return try await withMultipartUpload(key) { uploadID in
            try await withThrowingTaskGroup(of: CompletedPart.self) { group in
                var parts: [CompletedPart] = []
                var inFlight = 0
                var number = 0
                var total: Int64 = 0
                var finished = false
                while !finished || !buffered.isEmpty {
                    while !finished && buffered.count < partSize {
                        if let chunk = try await remainingIterator.next() {
                            buffered += chunk
                        } else {
                            finished = true
                        }
                    }
                    let take = min(partSize, buffered.count)
                    if take == 0 && number > 0 { break }
                    let part = Array(buffered.prefix(take))
                    buffered.removeFirst(take)
                    number += 1
                    total += Int64(part.count)
                    if inFlight >= concurrency, let done = try await group.next() {
                        parts.append(done)
                        inFlight -= 1
                    }
                    let partNumber = number
                    group.addTask {
                        let (hash, crc) = try await self.transport.runBlocking {
                            (SHA256.hash(part).hex, CRC32.checksum(part).base64)
                        }
                        return try await self.uploadPart(
                            key, uploadID: uploadID, number: partNumber, body: .bytes(part),
                            sha256: hash, crc32: crc)
                    }
                    inFlight += 1
                }
                for try await done in group {
                    parts.append(done)
                }
                return (parts, total)
            }
        }
    }

    /// Creates an upload, runs `body` to upload its parts, and completes it; aborts on any error.
    private func withMultipartUpload(
        _ key: String, _ body: (String) async throws -> ([CompletedPart], Int64)
    ) async throws -> ObjectInfo {
        let (uploadID, retriedAfterTransportFailure) = try await createMultipartUpload(key)
        if retriedAfterTransportFailure {
            // An attempt whose answer was lost may have created an upload we never heard of.
            await abortOrphanedUploads(key, keeping: uploadID)
        }
        do {
            let (parts, size) = try await body(uploadID)
            let etag = try await completeMultipartUpload(key, uploadID: uploadID, parts: parts)
            return ObjectInfo(key: key, size: size, etag: etag)
        } catch {
            await abortMultipartUpload(key, uploadID: uploadID)
            throw error
        }
    }

    /// Starts an upload; says whether an attempt failed in transport (its upload may exist).
    private func createMultipartUpload(_ key: String) async throws -> (String, Bool) {
        let policy = configuration.retry
        var attempt = 1
        var lostAnswer = false
        while true {
            do {
                // Each part carries its CRC-32, which S3 checks and combines into the object's
                // checksum. (Without one, S3 computes a checksum of the whole object on completion,
                // which moto does by copying every part once more: uploads took 1.4x as long.)
                let created = try await send(
                    "CreateMultipartUpload", method: "POST", key: key, query: [.init("uploads")],
                    headers: [("x-amz-checksum-algorithm", "CRC32")], retry: RetryPolicy.none)
                guard let uploadID = XMLText.firstElement("UploadId", in: String(decoding: created.body, as: UTF8.self))
                else {
                    throw ObjectStoreError(
                        code: .invalidResponse, message: "CreateMultipartUpload answered without an UploadId",
                        operation: "CreateMultipartUpload", bucket: configuration.bucket, key: key,
                        requestID: created.requestID)
                }
                return (uploadID, lostAnswer)
            } catch {
                // Giving up (or cancelled) after an attempt whose answer was lost: that attempt may
                // have created an upload nobody will complete.
                lostAnswer = lostAnswer || (error as? ObjectStoreError)?.code == .transportFailure
                guard let failure = error as? ObjectStoreError, failure.isTransient, attempt < policy.maxAttempts else {
                    if lostAnswer { await abortOrphanedUploads(key, keeping: nil) }
                    throw error
                }
                do {
                    try await Task.sleep(for: policy.delay(after: attempt, throttled: failure.s3Code == "SlowDown"))
                } catch {
                    if lostAnswer { await abortOrphanedUploads(key, keeping: nil) }
                    throw error
                }
                attempt += 1
            }
        }
    }

    func uploadPart(_ key: String, uploadID: String, number: Int, body: RequestBody, sha256: String, crc32: String)
        async throws -> CompletedPart
    {
        let response = try await send(
            "UploadPart", method: "PUT", key: key,
            query: [.init("partNumber", String(number)), .init("uploadId", uploadID)],
            headers: [("x-amz-checksum-crc32", crc32)], body: body, payload: .sha256(sha256))
        guard let etag = response.header("ETag") else {
            throw ObjectStoreError(
                code: .invalidResponse, message: "UploadPart \(number) answered without an ETag",
                operation: "UploadPart", bucket: configuration.bucket, key: key,
                requestID: response.requestID)
        }
        return CompletedPart(number: number, etag: etag, crc32: crc32)
    }

    /// Completes the upload. S3 may answer 200 and still report an error in the body; that answer
    /// is treated like any other error (and retried when transient).
    func completeMultipartUpload(_ key: String, uploadID: String, parts: [CompletedPart]) async throws -> String? {
        let xml =
            "<CompleteMultipartUpload>"
            + parts.sorted { $0.number < $1.number }.map {
                "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(XMLText.escape($0.etag))</ETag>"
                    + "<ChecksumCRC32>\($0.crc32)</ChecksumCRC32></Part>"
            }.joined()
            + "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        let policy = configuration.retry
        var attempt = 1
        while true {
            let error: ObjectStoreError
            do {
                let response = try await send(
                    "CompleteMultipartUpload", method: "POST", key: key,
                    query: [.init("uploadId", uploadID)],
                    headers: [("Content-Type", "application/xml")],
                    body: .bytes(body), payload: .sha256(SHA256.hash(body).hex),
                    retry: RetryPolicy.none)
                guard S3ErrorBody(response.body).code != nil else {
                    return XMLText.firstElement("ETag", in: String(decoding: response.body, as: UTF8.self))
                        .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                }
                error = ObjectStoreError(
                    response: response, operation: "CompleteMultipartUpload",
                    bucket: configuration.bucket, key: key)
            } catch let failure as ObjectStoreError {
                error = failure
            }
            // An earlier attempt may have completed the upload and lost its answer.
            if attempt > 1, error.s3Code == "NoSuchUpload", let stored = try await head(key),
                stored.etag?.hasSuffix("-\(parts.count)") == true
            {
                return stored.etag
            }
            guard error.isTransient, attempt < policy.maxAttempts else { throw error }
            try await Task.sleep(for: policy.delay(after: attempt, throttled: error.s3Code == "SlowDown"))
            attempt += 1
        }
    }

    /// Aborts the upload so its parts are freed; a failure is logged, the caller's error stands.
    /// It runs in a task of its own, so that it happens also when the caller was cancelled (a
    /// sibling part failed, or the load stopped): otherwise the abort would be refused as cancelled
    /// and the upload left incomplete.
    func abortMultipartUpload(_ key: String, uploadID: String) async {
        await Task {
            do {
                try await send("AbortMultipartUpload", method: "DELETE", key: key, query: [.init("uploadId", uploadID)])
            } catch {
                logger.info("could not abort multipart upload of \(key): \(error)")
            }
        }.value
    }

    /// Aborts the incomplete uploads of exactly `key` but `keeping`: uploads created by attempts
    /// whose answer was lost. Best effort, like `abortMultipartUpload`, and never cancelled by the
    /// caller; a failure is logged, not thrown, so it cannot fail (or leak) the upload in hand.
    func abortOrphanedUploads(_ key: String, keeping: String?) async {
        await Task {
            do {
                for orphan in try await incompleteUploads(prefix: key)
                where orphan.key == key && orphan.uploadID != keeping {
                    await abortMultipartUpload(key, uploadID: orphan.uploadID)
                }
            } catch {
                logger.info("could not list the multipart uploads of \(key) to abort orphans: \(error)")
            }
        }.value
    }

    /// The multipart uploads begun and not completed or aborted under `prefix` (for checks and cleanup).
    public func incompleteUploads(prefix: String = "") async throws -> [(key: String, uploadID: String)] {
        let response = try await send(
            "ListMultipartUploads", method: "GET", key: "",
            query: [.init("uploads"), .init("prefix", prefix)])
        let text = String(decoding: response.body, as: UTF8.self)
        return XMLText.blocks("Upload", in: text).compactMap { block in
            guard let key = XMLText.firstElement("Key", in: block),
                let id = XMLText.firstElement("UploadId", in: block)
            else { return nil }
            return (key, id)
        }
    }
}
